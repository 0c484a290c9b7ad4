package io.openkms.cli.node;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.openkms.http.client.KmsClient;
import io.openkms.kms.crypto.ApiKey;
import io.openkms.persistence.HsmKey;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.http.HttpClient;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

/**
 * One node started as an operator would (launcher, self-signed certificate, umask 022) under the
 * attacks of issue 13 that need real sockets and files.
 *
 * <p>"File modes": DIR 0700, {@code kms.db}, the H2 journal and the private key 0600.
 *
 * <p>"{@code curl -k https://HOST:7373/version}": curl without a client certificate gets {@code
 * /version} (200) and a 401 JSON error from {@code /v1/kms}.
 *
 * <p>"TLS defaults": openssl's TLS 1.1 and CBC-only handshakes are refused, and so is a
 * client-initiated renegotiation in TLS 1.2.
 *
 * <p>"Connection exhaustion without authentication": 1,100 idle TCP connections that send no TLS
 * byte — from one address, then spread over eleven — must not keep a real client out: its request
 * (new connection, TLS handshake, request) succeeds within {@value #CLIENT_BOUND_MILLIS} ms while
 * they are held, and once they are closed the node has as many open files as before. The attackers
 * connect from other loopback addresses (127.250.0.x) than the client (127.0.0.1). Before the
 * connection guard the client waited about 90 s (Pekko HTTP's 1,024 connection slots held until the
 * idle timeout).
 */
@Tag("process")
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class HardeningProcessTest {

  /** Bound on the real client's request while the idle sockets are held, in ms. */
  static final long CLIENT_BOUND_MILLIS = 2_000;

  /** Idle sockets of each attack. */
  static final int IDLE_SOCKETS = 1_100;

  @TempDir static Path tmp;

  private final String hsmKey = HsmKey.generate().toString();
  private final ApiKey rootKey = Nodes.rootApiKey(hsmKey);
  private NodeAddress address;
  private Path dir;
  private MinkmsProcess node;

  @BeforeAll
  void start() throws Exception {
    address = NodeAddress.next();
    dir = tmp.resolve("volume");
    // as an operator's shell would: umask 022, then the launcher
    node =
        MinkmsProcess.start(
            List.of("sh", "-c", "umask 022; exec \"$0\" \"$@\""),
            Nodes.env(hsmKey),
            "server",
            dir.toString(),
            "--address",
            address.toString());
    node.awaitUp();
  }

  @AfterAll
  void stop() throws Exception {
    if (node != null) {
      try (MinkmsProcess p = node) {
        p.signal(MinkmsProcess.Signal.TERM);
        p.awaitExit(NodeLifecycleProcessTest.STOP_TIMEOUT);
      }
    }
  }

  /** Open file descriptors of the node's JVM. */
  private int openFiles() throws IOException {
    try (Stream<Path> fds = Files.list(Path.of("/proc", Long.toString(node.pid()), "fd"))) {
      return (int) fds.count();
    }
  }

  /**
   * Connects {@code count} idle sockets from {@code sources} in turn; sends nothing, or with {@code
   * tls} completes a TLS handshake (no client certificate) and then sends nothing.
   */
  private List<Socket> idleSockets(int count, List<String> sources, boolean tls)
      throws IOException, java.security.GeneralSecurityException {
    List<Socket> sockets = new ArrayList<>(count);
    InetSocketAddress target =
        new InetSocketAddress(InetAddress.getByName(address.host()), address.port());
    javax.net.ssl.SSLSocketFactory factory = tls ? trustingContext().getSocketFactory() : null;
    for (int i = 0; i < count; i++) {
      Socket s = new Socket();
      s.bind(new InetSocketAddress(InetAddress.getByName(sources.get(i % sources.size())), 0));
      s.connect(target, 5_000);
      if (tls) {
        javax.net.ssl.SSLSocket ssl =
            (javax.net.ssl.SSLSocket) factory.createSocket(s, address.host(), address.port(), true);
        ssl.startHandshake();
        s = ssl;
      }
      sockets.add(s);
    }
    return sockets;
  }

  /** A TLS context that trusts any server certificate (the attacker's). */
  private static javax.net.ssl.SSLContext trustingContext()
      throws java.security.GeneralSecurityException {
    javax.net.ssl.SSLContext context = javax.net.ssl.SSLContext.getInstance("TLSv1.3");
    context.init(
        null,
        new javax.net.ssl.TrustManager[] {
          new javax.net.ssl.X509TrustManager() {
            @Override
            public void checkClientTrusted(java.security.cert.X509Certificate[] c, String a) {}

            @Override
            public void checkServerTrusted(java.security.cert.X509Certificate[] c, String a) {}

            @Override
            public java.security.cert.X509Certificate[] getAcceptedIssuers() {
              return new java.security.cert.X509Certificate[0];
            }
          }
        },
        null);
    return context;
  }

  /**
   * A real client on a new connection: TLS handshake with the root key's certificate, then {@code
   * GET /version} and a cluster status command; returns how long both took, in ms.
   */
  private long realClientMillis() throws Exception {
    long start = System.nanoTime();
    HttpClient http = Nodes.httpClient(rootKey, null, "TLSv1.3", HttpClient.Version.HTTP_2);
    HttpResponse<String> version = Nodes.getVersion(http, address);
    assertEquals(200, version.statusCode(), version.body());
    KmsClient kms = Nodes.insecureClient(address, rootKey);
    assertEquals(1, kms.clusterStatus().getNodesUpCount());
    return (System.nanoTime() - start) / 1_000_000;
  }

  private void attack(String name, List<String> sources) throws Exception {
    attack(name, sources, false);
  }

  private void attack(String name, List<String> sources, boolean tls) throws Exception {
    realClientMillis(); // warm: the first request loads classes in both JVMs
    int before = openFiles();
    long opening = System.nanoTime();
    List<Socket> idle = idleSockets(IDLE_SOCKETS, sources, tls);
    try {
      // Held: the node has accepted them all (its open files stop growing), as in a lasting
      // attack; the kernel completes TCP handshakes before the node accepts.
      int accepted = openFiles();
      long settle = System.nanoTime() + 10_000_000_000L;
      do {
        Thread.sleep(250);
        int now = openFiles();
        if (now == accepted) {
          break;
        }
        accepted = now;
      } while (System.nanoTime() < settle);
      System.out.printf(
          "%s: %d sockets connected and accepted in %d ms, node holds %d files%n",
          name, idle.size(), (System.nanoTime() - opening) / 1_000_000, accepted);
      long millis = realClientMillis();
      System.out.printf("%s: %d idle sockets held, real client %d ms%n", name, idle.size(), millis);
      assertTrue(millis < CLIENT_BOUND_MILLIS, name + ": the real client took " + millis + " ms");
    } finally {
      for (Socket s : idle) {
        s.close();
      }
    }
    long deadline = System.nanoTime() + 20_000_000_000L;
    int after = openFiles();
    while (after > before + 16 && System.nanoTime() < deadline) {
      Thread.sleep(200);
      after = openFiles();
    }
    assertTrue(
        after <= before + 16,
        name + ": " + before + " open files before, " + after + " after the idle sockets closed");
  }

  @Test
  void idleSocketsFromOneAddress() throws Exception {
    attack("one address", List.of("127.250.0.1"));
  }

  @Test
  void idleSocketsFromElevenAddresses() throws Exception {
    List<String> sources = new ArrayList<>();
    for (int i = 2; i <= 12; i++) {
      sources.add("127.250.0." + i);
    }
    attack("eleven addresses", sources);
  }

  /**
   * 1,100 connections that complete their TLS handshake (no client certificate) and then send
   * nothing, from five addresses (220 each, under the per-address cap): the connections idle
   * longest make room for the real client (operator trial: before, 1,024 of them locked every new
   * client out until the 90 s idle timeout).
   */
  @Test
  void idleTlsConnectionsFromFiveAddresses() throws Exception {
    List<String> sources = new ArrayList<>();
    for (int i = 20; i <= 24; i++) {
      sources.add("127.250.0." + i);
    }
    attack("five addresses, TLS done", sources, true);
  }

  private static String mode(Path p) throws IOException {
    return java.nio.file.attribute.PosixFilePermissions.toString(
        Files.getPosixFilePermissions(p, java.nio.file.LinkOption.NOFOLLOW_LINKS));
  }

  @Test
  void dataDirectoryIsForTheNodeUserOnly() throws Exception {
    assertEquals("rwx------", mode(dir));
    List<String> files = new ArrayList<>();
    try (Stream<Path> all = Files.walk(dir)) {
      for (Path p : all.filter(Files::isRegularFile).toList()) {
        files.add(dir.relativize(p) + " " + mode(p));
      }
    }
    assertTrue(files.contains("kms.db rw-------"), files.toString());
    assertTrue(files.contains("kms-journal.mv.db rw-------"), files.toString());
    assertTrue(files.contains("certs/private.key rw-------"), files.toString());
    for (String f : files) {
      assertTrue(f.endsWith(" rw-------") || f.startsWith("certs/public.crt "), files.toString());
    }
  }

  /** Runs a command to its end (at most 30 s) and returns its exit code and output. */
  private static String run(String stdin, String... command) throws Exception {
    Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
    try (var in = p.getOutputStream()) {
      in.write(stdin.getBytes(java.nio.charset.StandardCharsets.UTF_8));
    }
    byte[] out = p.getInputStream().readAllBytes();
    assertTrue(p.waitFor(30, java.util.concurrent.TimeUnit.SECONDS), String.join(" ", command));
    return p.exitValue() + "\n" + new String(out, java.nio.charset.StandardCharsets.UTF_8);
  }

  @Test
  void curlWithoutClientCertificateGetsVersionAndA401() throws Exception {
    String url = "https://" + address;
    String version = run("", "curl", "-sk", "-w", "\n%{http_code}", url + "/version");
    assertTrue(version.startsWith("0\n{\"version\":") && version.endsWith("\n200"), version);
    String api =
        run(
            "",
            "curl",
            "-sk",
            "-w",
            "\n%{http_code} %{content_type}",
            "-X",
            "POST",
            "--data-binary",
            "",
            url + "/v1/kms");
    assertEquals(
        "0\n{\"message\":\"not authenticated: no TLS client certificate\"}\n"
            + "401 application/json",
        api);
  }

  @Test
  void oldProtocolsWeakSuitesAndRenegotiationAreRefused() throws Exception {
    String connect = address.toString();
    String tls11 =
        run(
            "",
            "openssl",
            "s_client",
            "-connect",
            connect,
            "-tls1_1",
            "-cipher",
            "DEFAULT:@SECLEVEL=0");
    assertTrue(tls11.startsWith("1\n") && tls11.contains("alert protocol version"), tls11);
    String cbc =
        run(
            "",
            "openssl",
            "s_client",
            "-connect",
            connect,
            "-tls1_2",
            "-cipher",
            "ECDHE-ECDSA-AES128-SHA256:ECDHE-ECDSA-AES128-SHA:AES128-SHA");
    assertTrue(cbc.startsWith("1\n") && cbc.contains("alert handshake failure"), cbc);
    String ok = run("", "openssl", "s_client", "-connect", connect, "-tls1_2");
    assertTrue(ok.contains("Cipher is ECDHE-ECDSA-AES"), ok);
    // "R" on stdin after the handshake (s_client printed the cipher) asks s_client to
    // renegotiate; the server refuses with a fatal alert.
    Process p =
        new ProcessBuilder("openssl", "s_client", "-connect", connect, "-tls1_2")
            .redirectErrorStream(true)
            .start();
    StringBuffer out = new StringBuffer();
    Thread reader =
        new Thread(
            () -> {
              try (var stdout = p.getInputStream()) {
                byte[] buffer = new byte[4096];
                for (int n = stdout.read(buffer); n >= 0; n = stdout.read(buffer)) {
                  out.append(new String(buffer, 0, n, java.nio.charset.StandardCharsets.UTF_8));
                }
              } catch (IOException e) {
                out.append("\n(reading s_client's output failed: ").append(e).append(')');
              }
            },
            "s_client-output");
    reader.start();
    try (var in = p.getOutputStream()) {
      awaitOutput(p, out, "Cipher is");
      in.write("R\n".getBytes(java.nio.charset.StandardCharsets.US_ASCII));
      in.flush();
      awaitOutput(p, out, "alert handshake failure");
    } finally {
      p.waitFor(30, java.util.concurrent.TimeUnit.SECONDS);
      p.destroyForcibly();
      reader.join(10_000);
    }
    String renegotiate = out.toString();
    assertTrue(
        renegotiate.contains("RENEGOTIATING") && renegotiate.contains("alert handshake failure"),
        renegotiate);
  }

  /**
   * Waits (at most 30 s) until {@code out}, the output of {@code p} so far, contains {@code text},
   * or {@code p} exited.
   */
  private static void awaitOutput(Process p, StringBuffer out, String text)
      throws InterruptedException {
    long deadline = System.nanoTime() + java.time.Duration.ofSeconds(30).toNanos();
    while (out.indexOf(text) < 0 && p.isAlive() && System.nanoTime() < deadline) {
      Thread.sleep(50);
    }
  }
}
