package io.openkms.cli.node;

import static io.openkms.cli.node.Nodes.assertStartError;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.openkms.http.tls.CertifiedKey;
import io.openkms.http.tls.Pem;
import io.openkms.http.tls.TestCa;
import io.openkms.persistence.HsmKey;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * Starts of {@code minkms server} on a fresh {@code DIR} that must fail before they touch the disk
 * (issue 2, point 4): each prints exactly one line {@code minkms: <message>} on standard error (no
 * stack trace, no log line), nothing on standard output, exits non-zero (1; 2 for a usage error),
 * and leaves {@code DIR} not created. Bad starts on an existing {@code DIR} (wrong HSM key, {@code
 * --host} not in the cluster) are in {@link NodeLifecycleProcessTest}.
 */
@Tag("process")
class BadStartProcessTest {

  @TempDir Path tmp;

  private Path dir;
  private NodeAddress address;
  private String hsmKey;

  @BeforeEach
  void fresh() throws IOException {
    dir = tmp.resolve("volume");
    address = NodeAddress.next();
    hsmKey = HsmKey.generate().toString();
  }

  private void assertFails(int exitCode, String line, String key, String... extra)
      throws IOException {
    MinkmsProcess.Result result = Nodes.runFailing(dir, address, key, extra);
    assertStartError(result, exitCode, line);
    assertTrue(
        DirSnapshot.of(dir).isMissingOrEmpty(), () -> dir + " was created: " + safeSnapshot());
  }

  private String safeSnapshot() {
    try {
      return DirSnapshot.of(dir).toString();
    } catch (IOException e) {
      return e.toString();
    }
  }

  private Path config(String yaml) throws IOException {
    return Files.writeString(tmp.resolve("config.yaml"), yaml);
  }

  @Test
  void missingHsmKey() throws Exception {
    assertFails(1, "minkms: kms: no HSM provided", null);
  }

  @ParameterizedTest
  @CsvSource(
      delimiter = '|',
      value = {
        "hsm:aes256:abc | minkms: invalid HSM key: not standard base64 with padding",
        "hsm:aes128:AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA= | minkms: invalid HSM key: missing prefix \"hsm:aes256:\"",
        "hsm:aes256:AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA== | minkms: invalid HSM key: want 32 bytes, got 31"
      })
  void malformedHsmKey(String key, String line) throws Exception {
    assertFails(1, line, key);
  }

  @Test
  void dirUnderARegularFile() throws Exception {
    Path file = Files.writeString(tmp.resolve("file"), "not a directory");
    dir = file.resolve("volume");
    assertFails(
        1,
        "minkms: cannot use data directory " + dir + ": cannot create it (Not a directory)",
        hsmKey);
    assertEquals("not a directory", Files.readString(file));
  }

  @Test
  void dirIsARegularFile() throws Exception {
    dir = Files.writeString(tmp.resolve("file"), "not a directory");
    MinkmsProcess.Result result = Nodes.runFailing(dir, address, hsmKey);
    assertStartError(result, 2, "minkms: invalid DIR '" + dir + "': not a directory");
    assertEquals("not a directory", Files.readString(dir));
  }

  @Test
  void portInUse() throws Exception {
    try (ServerSocket taken = new ServerSocket()) {
      taken.bind(new InetSocketAddress(InetAddress.getByName(address.host()), address.port()));
      assertFails(1, "minkms: cannot listen on " + address + ": address already in use", hsmKey);
    }
  }

  @Test
  void addressNotOnThisHost() throws Exception {
    // issue 16, point 3: not "address already in use".
    NodeAddress foreign = new NodeAddress("10.99.99.99", address.port());
    MinkmsProcess.Result result = Nodes.runFailing(dir, foreign, hsmKey);
    assertStartError(
        result, 1, "minkms: cannot listen on " + foreign + ": cannot assign requested address");
    assertTrue(DirSnapshot.of(dir).isMissingOrEmpty(), () -> dir + " was created");
  }

  /**
   * Runs {@code minkms ARGS...} as an unprivileged user: through {@code setpriv} as nobody (65534)
   * when the tests run as root, else as the current (unprivileged) user.
   */
  private static MinkmsProcess.Result runUnprivileged(String hsmKey, String... args)
      throws IOException {
    boolean root = "root".equals(System.getProperty("user.name"));
    List<String> prefix =
        root ? List.of("setpriv", "--reuid=65534", "--regid=65534", "--clear-groups") : List.of();
    java.util.Map<String, String> env = new java.util.HashMap<>(Nodes.env(hsmKey));
    env.put("HOME", "/tmp");
    Path launcher = root ? launcherFor(prefix) : MinkmsProcess.LAUNCHER;
    return MinkmsProcess.run(launcher, prefix, MinkmsProcess.SHORT_TIMEOUT, env, args);
  }

  private static Path nobodysLauncher;

  /**
   * The built launcher if the user of {@code prefix} can read it, else the launcher of a copy of
   * the distribution in a world-readable directory (a checkout under a 0700 directory, such as one
   * made by {@code mktemp -d}, is closed to nobody).
   */
  private static synchronized Path launcherFor(List<String> prefix) throws IOException {
    if (nobodysLauncher != null) {
      return nobodysLauncher;
    }
    List<String> probe = new java.util.ArrayList<>(prefix);
    probe.addAll(List.of("test", "-r", MinkmsProcess.LAUNCHER.toString()));
    try {
      if (new ProcessBuilder(probe).start().waitFor() == 0) {
        return nobodysLauncher = MinkmsProcess.LAUNCHER;
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IOException("interrupted while probing " + MinkmsProcess.LAUNCHER, e);
    }
    Path dist = MinkmsProcess.LAUNCHER.getParent().getParent();
    Path copy = Files.createTempDirectory(Path.of("/tmp"), "minkms-dist-");
    Runtime.getRuntime()
        .addShutdownHook(
            new Thread(
                () -> {
                  try (java.util.stream.Stream<Path> files = Files.walk(copy)) {
                    files
                        .sorted(java.util.Comparator.reverseOrder())
                        .forEach(f -> f.toFile().delete());
                  } catch (IOException e) {
                    // best effort at JVM exit
                  }
                }));
    try (java.util.stream.Stream<Path> files = Files.walk(dist)) {
      for (Path from : (Iterable<Path>) files::iterator) {
        Path to = copy.resolve(dist.relativize(from).toString());
        if (Files.isDirectory(from)) {
          Files.createDirectories(to);
        } else {
          Files.copy(from, to, java.nio.file.StandardCopyOption.COPY_ATTRIBUTES);
        }
        Files.setPosixFilePermissions(
            to,
            java.nio.file.attribute.PosixFilePermissions.fromString(
                Files.isDirectory(from) || Files.isExecutable(from) ? "rwxr-xr-x" : "rw-r--r--"));
      }
    }
    return nobodysLauncher = copy.resolve("bin/minkms");
  }

  @Test
  void privilegedPortAsAnOrdinaryUser() throws Exception {
    // A port below net.ipv4.ip_unprivileged_port_start (1024 by default) needs privilege.
    MinkmsProcess.Result result =
        runUnprivileged(
            null, "server", "--dev", tmp.resolve("dev").toString(), "--address", "127.0.0.1:80");
    assertStartError(result, 1, "minkms: cannot listen on 127.0.0.1:80: permission denied");
  }

  @Test
  void unreadablePrivateKeyNamesTheCause() throws Exception {
    // issue 16, point 4: a key of root's, mode 0600, read by another user.
    Path shared = Files.createDirectories(tmp.resolve("shared"));
    Files.setPosixFilePermissions(
        tmp, java.nio.file.attribute.PosixFilePermissions.fromString("rwxr-xr-x"));
    Files.setPosixFilePermissions(
        shared, java.nio.file.attribute.PosixFilePermissions.fromString("rwxr-xr-x"));
    CertifiedKey node =
        TestCa.create("test CA")
            .issueNode(TestCa.generateEcKeyPair(), List.of(address.host()), Duration.ofDays(1));
    Path key =
        Files.writeString(
            shared.resolve("private.key"), Pem.encodePrivateKey(node.keyPair().getPrivate()));
    Path cert =
        Files.writeString(shared.resolve("public.crt"), Pem.encodeCertificates(node.chain()));
    Path file =
        Files.writeString(
            shared.resolve("config.yaml"),
            "version: v1\ntls:\n  certs:\n    - key: " + key + "\n      cert: " + cert + "\n");
    Files.setPosixFilePermissions(
        key, java.nio.file.attribute.PosixFilePermissions.fromString("rw-------"));
    for (Path readable : List.of(cert, file)) {
      Files.setPosixFilePermissions(
          readable, java.nio.file.attribute.PosixFilePermissions.fromString("rw-r--r--"));
    }
    MinkmsProcess.Result result =
        runUnprivileged(
            hsmKey,
            "server",
            tmp.resolve("never").toString(),
            "--address",
            address.toString(),
            "--config",
            file.toString());
    assertStartError(
        result, 1, "minkms: cannot read private key file " + key + ": permission denied");
  }

  @Test
  void configFileMissing() throws Exception {
    Path missing = tmp.resolve("missing.yaml");
    assertFails(
        1,
        "minkms: cannot read config file " + missing + ": no such file",
        hsmKey,
        "--config",
        missing.toString());
  }

  @Test
  void configFileUnparsable() throws Exception {
    Path file = config("version: v1\ntls: [\n");
    assertFails(
        1,
        "minkms: cannot parse config file "
            + file
            + ": line 3:1: expected the node content, but found '<stream end>'",
        hsmKey,
        "--config",
        file.toString());
  }

  @Test
  void configFileUnknownKey() throws Exception {
    Path file = config("version: v1\nfoo: 1\n");
    assertFails(
        1,
        "minkms: config file " + file + ": unknown key 'foo'",
        hsmKey,
        "--config",
        file.toString());
  }

  @Test
  void configFileWrongVersion() throws Exception {
    Path file = config("version: v2\n");
    assertFails(
        1,
        "minkms: config file " + file + ": unsupported version 'v2' (expected v1)",
        hsmKey,
        "--config",
        file.toString());
  }

  @Test
  void certificateFileMissing() throws Exception {
    CertifiedKey node =
        TestCa.create("test CA")
            .issueNode(TestCa.generateEcKeyPair(), List.of(address.host()), Duration.ofDays(1));
    Path key =
        Files.writeString(
            tmp.resolve("private.key"), Pem.encodePrivateKey(node.keyPair().getPrivate()));
    Path cert = tmp.resolve("public.crt");
    Path file = config(tlsConfig(key, cert));
    assertFails(
        1,
        "minkms: cannot read certificate file " + cert + ": no such file",
        hsmKey,
        "--config",
        file.toString());
  }

  @Test
  void privateKeyFileMissing() throws Exception {
    Path key = tmp.resolve("private.key");
    Path cert = tmp.resolve("public.crt");
    Path file = config(tlsConfig(key, cert));
    assertFails(
        1,
        "minkms: cannot read private key file " + key + ": no such file",
        hsmKey,
        "--config",
        file.toString());
  }

  @Test
  void keyDoesNotMatchCertificate() throws Exception {
    TestCa ca = TestCa.create("test CA");
    CertifiedKey node =
        ca.issueNode(TestCa.generateEcKeyPair(), List.of(address.host()), Duration.ofDays(1));
    Path key =
        Files.writeString(
            tmp.resolve("private.key"),
            Pem.encodePrivateKey(TestCa.generateEcKeyPair().getPrivate()));
    Path cert = Files.writeString(tmp.resolve("public.crt"), Pem.encodeCertificates(node.chain()));
    Path file = config(tlsConfig(key, cert));
    assertFails(
        1,
        "minkms: private key " + key + " does not match certificate " + cert,
        hsmKey,
        "--config",
        file.toString());
  }

  /** A PostgreSQL store that cannot be reached fails before DIR is touched. */
  @Test
  void postgresUnreachable() throws Exception {
    int closedPort;
    try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      closedPort = s.getLocalPort();
    }
    Path file =
        config(
            "version: v1\nstore:\n  kind: postgres\n  url: jdbc:postgresql://127.0.0.1:"
                + closedPort
                + "/test\n  user: postgres\n  schema: nothing_here\n");
    MinkmsProcess.Result result =
        Nodes.runFailing(dir, address, hsmKey, "--config", file.toString());
    String prefix =
        "minkms: cannot prepare the journal store PostgreSQL jdbc:postgresql://127.0.0.1:"
            + closedPort
            + "/test schema nothing_here: Connection to 127.0.0.1:"
            + closedPort
            + " refused";
    assertEquals(1, result.stderrLines().size(), result.stderr());
    assertTrue(result.stderr().startsWith(prefix), result.stderr());
    assertEquals(1, result.exitCode());
    assertTrue(DirSnapshot.of(dir).isMissingOrEmpty(), dir + " was created");
  }

  static String tlsConfig(Path key, Path cert) {
    return "version: v1\ntls:\n  certs:\n    - key: " + key + "\n      cert: " + cert + "\n";
  }
}
