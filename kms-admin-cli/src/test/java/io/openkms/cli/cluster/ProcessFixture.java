package io.openkms.cli.cluster;

import io.openkms.http.client.InternodeClient;
import io.openkms.http.client.KmsClient;
import io.openkms.http.client.KmsClientBuilder;
import io.openkms.http.tls.CertifiedKey;
import io.openkms.http.tls.Pem;
import io.openkms.http.tls.TestCa;
import io.openkms.kms.cluster.ProbeResult;
import io.openkms.kms.crypto.ApiKey;
import io.openkms.persistence.Hsm;
import io.openkms.persistence.HsmKey;
import io.openkms.persistence.SoftHsm;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import java.util.stream.Stream;

/**
 * Real {@code minkms} nodes on 127.0.0.1, .2, .3 (loopback only), all on one API port (and
 * port + 1 for cluster traffic): one HSM key, certificates from one {@link TestCa} with IP SANs,
 * a {@code config.yaml} per node, clients with the root API key. {@link #close()} always kills
 * every process it started and deletes its files; a JVM shutdown hook does the same if the test
 * JVM dies first.
 */
final class ProcessFixture implements AutoCloseable {

  private static final Set<NodeProcess> LIVE = ConcurrentHashMap.newKeySet();

  static {
    Runtime.getRuntime().addShutdownHook(new Thread(() -> LIVE.forEach(n -> {
      try {
        n.kill();
      } catch (InterruptedException | RuntimeException e) {
        // best effort at JVM exit
      }
    })));
  }

  final Path root;
  final TestCa ca = TestCa.create("minkms process-test CA");
  final int port;
  final HsmKey hsmKey;
  final Hsm hsm;
  final ApiKey rootKey;
  private final List<NodeProcess> nodes = new ArrayList<>();
  private final InternodeClient internode;

  /** A fixture with a new HSM key and a port that is free on all three addresses. */
  ProcessFixture(String name) throws IOException {
    this.root = Files.createTempDirectory("minkms-" + name);
    this.port = freePort(List.of("127.0.0.1", "127.0.0.2", "127.0.0.3"));
    this.hsmKey = HsmKey.generate();
    this.hsm = new SoftHsm(hsmKey);
    this.rootKey = ApiKey.fromSeed(hsm.deriveSeed(Hsm.ROOT_API_KEY_LABEL));
    this.internode = new InternodeClient(
        ApiKey.fromSeed(hsm.deriveSeed(Hsm.INTERNODE_KEY_LABEL)).keyPair(),
        Duration.ofSeconds(3), Duration.ofSeconds(5));
  }

  /**
   * Prepares (does not start) node {@code name} on {@code ip}: its volume, its certificate from
   * the test CA (IP SAN {@code ip}) and its {@code config.yaml}.
   *
   * @param hsmKey the HSM key it starts with
   */
  NodeProcess node(String name, String ip, String hsmKey) throws IOException {
    Path dir = Files.createDirectories(root.resolve(name));
    Path certs = Files.createDirectories(root.resolve(name + "-certs"));
    CertifiedKey key = ca.issueNode(TestCa.generateEcKeyPair(), List.of(ip),
        Duration.ofDays(30));
    Files.writeString(certs.resolve("private.key"), Pem.encodePrivateKey(key.keyPair()
        .getPrivate()));
    Files.writeString(certs.resolve("public.crt"), Pem.encodeCertificates(key.chain()));
    Path config = root.resolve(name + "-config.yaml");
    Files.writeString(config, String.join("\n",
        "version: v1",
        "tls:",
        "  certs:",
        "    - key: " + certs.resolve("private.key"),
        "      cert: " + certs.resolve("public.crt"),
        ""));
    Path home = Files.createDirectories(root.resolve("home"));
    NodeProcess node = new NodeProcess(name, ip, port, dir, config, hsmKey, home);
    LIVE.add(node);
    nodes.add(node);
    return node;
  }

  /** Node {@code name} with this fixture's HSM key. */
  NodeProcess node(String name, String ip) throws IOException {
    return node(name, ip, hsmKey.toString());
  }

  /** A client with the root API key (SysAdmin) for {@code endpoints}, trusting the test CA. */
  KmsClient client(NodeProcess... endpoints) {
    return client(rootKey, endpoints);
  }

  /** A client with {@code key} for {@code endpoints}, trusting the test CA. */
  KmsClient client(ApiKey key, NodeProcess... endpoints) {
    return clientBuilder(key, endpoints).build();
  }

  /** The builder of {@link #client(NodeProcess...)}, for clients with other settings. */
  KmsClientBuilder clientBuilder(NodeProcess... endpoints) {
    return clientBuilder(rootKey, endpoints);
  }

  private KmsClientBuilder clientBuilder(ApiKey key, NodeProcess... endpoints) {
    return KmsClient.builder()
        .endpoints(Arrays.stream(endpoints).map(NodeProcess::host).toList())
        .apiKey(key.keyPair())
        .trustAnchors(ca.trustStore())
        .connectTimeout(Duration.ofSeconds(5))
        .requestTimeout(Duration.ofSeconds(40));
  }

  /** {@code GET /v1/rpc/status} of {@code node} with this fixture's internode key. */
  ProbeResult probe(NodeProcess node) {
    try {
      return internode.status(node.host(), new byte[] {1, 2, 3, 4}).toCompletableFuture()
          .get(10, TimeUnit.SECONDS);
    } catch (Exception e) {
      throw new AssertionError("internode status of " + node + " failed: " + e, e);
    }
  }

  /**
   * Waits until {@code condition} holds, checking every 250 ms.
   *
   * @throws AssertionError naming {@code what} after {@code timeout}
   */
  static void await(Duration timeout, String what, BooleanSupplier condition)
      throws InterruptedException {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (System.nanoTime() < deadline) {
      try {
        if (condition.getAsBoolean()) {
          return;
        }
      } catch (RuntimeException e) {
        // not yet
      }
      Thread.sleep(250);
    }
    throw new AssertionError("timed out after " + timeout + " waiting for " + what);
  }

  /** A port p such that p and p + 1 are free on every address. */
  static int freePort(List<String> ips) throws IOException {
    for (int attempt = 0; attempt < 200; attempt++) {
      int p = ThreadLocalRandom.current().nextInt(20_000, 60_000);
      if (free(ips, p) && free(ips, p + 1)) {
        return p;
      }
    }
    throw new IOException("no free port pair on " + ips);
  }

  private static boolean free(List<String> ips, int port) {
    for (String ip : ips) {
      try (ServerSocket s = new ServerSocket()) {
        s.bind(new InetSocketAddress(InetAddress.getByName(ip), port));
      } catch (IOException e) {
        return false;
      }
    }
    return true;
  }

  /** Kills every node and deletes the files (kept with {@code -Dminkms.keep=true}). */
  @Override
  public void close() throws IOException {
    for (NodeProcess n : nodes) {
      try {
        n.kill();
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
      LIVE.remove(n);
    }
    if (!Boolean.getBoolean("minkms.keep")) {
      deleteTree(root);
    }
  }

  static void deleteTree(Path dir) throws IOException {
    if (!Files.exists(dir)) {
      return;
    }
    try (Stream<Path> files = Files.walk(dir)) {
      files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
    }
  }
}
