package io.openkms.cli.cluster;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.openkms.http.client.InternodeClient;
import io.openkms.http.client.KmsClient;
import io.openkms.http.client.KmsClientBuilder;
import io.openkms.http.proto.AddClusterNodeRequest;
import io.openkms.http.testing.FreePorts;
import io.openkms.http.tls.CertifiedKey;
import io.openkms.http.tls.Pem;
import io.openkms.http.tls.TestCa;
import io.openkms.kms.cluster.ProbeResult;
import io.openkms.kms.crypto.ApiKey;
import io.openkms.persistence.Hsm;
import io.openkms.persistence.HsmKey;
import io.openkms.persistence.SoftHsm;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import java.util.stream.Stream;

/**
 * What every test cluster on 127.0.0.1, .2, .3 (loopback only) shares, whether its nodes are
 * processes ({@link ProcessFixture}) or live in the test JVM ({@link InJvmCluster}): one API port
 * free on all three addresses (and port + 1 for cluster traffic), one HSM key, certificates from
 * one {@link TestCa} with IP SANs and a {@code config.yaml} per node, clients with the root API key
 * and the internode probe.
 */
abstract class TestCluster implements AutoCloseable {

  /** The three loopback addresses of a test cluster. */
  static final List<String> IPS = List.of("127.0.0.1", "127.0.0.2", "127.0.0.3");

  final Path root;
  final TestCa ca = TestCa.create("minkms cluster-test CA");
  final int port;
  final HsmKey hsmKey;
  final Hsm hsm;
  final ApiKey rootKey;
  private final InternodeClient internode;

  /** A cluster with a new HSM key and a port that is free on all three addresses. */
  TestCluster(String name) throws IOException {
    this.root = Files.createTempDirectory("minkms-" + name);
    this.port = FreePorts.pair(IPS);
    this.hsmKey = HsmKey.generate();
    this.hsm = new SoftHsm(hsmKey);
    this.rootKey = ApiKey.fromSeed(hsm.deriveSeed(Hsm.ROOT_API_KEY_LABEL));
    this.internode =
        new InternodeClient(
            ApiKey.fromSeed(hsm.deriveSeed(Hsm.INTERNODE_KEY_LABEL)).keyPair(),
            Duration.ofSeconds(3),
            Duration.ofSeconds(5));
  }

  /**
   * Writes node {@code name}'s certificate from the test CA (IP SAN {@code ip}) and a {@code
   * config.yaml} naming it.
   *
   * @return the config file, {@code <root>/<name>-config.yaml}
   */
  Path writeConfig(String name, String ip) throws IOException {
    Path certs = Files.createDirectories(root.resolve(name + "-certs"));
    CertifiedKey key = ca.issueNode(TestCa.generateEcKeyPair(), List.of(ip), Duration.ofDays(30));
    Files.writeString(
        certs.resolve("private.key"), Pem.encodePrivateKey(key.keyPair().getPrivate()));
    Files.writeString(certs.resolve("public.crt"), Pem.encodeCertificates(key.chain()));
    Path config = root.resolve(name + "-config.yaml");
    Files.writeString(
        config,
        String.join(
            "\n",
            "version: v1",
            "tls:",
            "  certs:",
            "    - key: " + certs.resolve("private.key"),
            "      cert: " + certs.resolve("public.crt"),
            ""));
    return config;
  }

  /** A client with the root API key (SysAdmin) for {@code endpoints}, trusting the test CA. */
  KmsClient client(Member... endpoints) {
    return client(rootKey, endpoints);
  }

  /** A client with {@code key} for {@code endpoints}, trusting the test CA. */
  KmsClient client(ApiKey key, Member... endpoints) {
    return clientBuilder(key, endpoints).build();
  }

  /** The builder of {@link #client(Member...)}, for clients with other settings. */
  KmsClientBuilder clientBuilder(Member... endpoints) {
    return clientBuilder(rootKey, endpoints);
  }

  private KmsClientBuilder clientBuilder(ApiKey key, Member... endpoints) {
    return KmsClient.builder()
        .endpoints(Arrays.stream(endpoints).map(Member::host).toList())
        .apiKey(key.keyPair())
        .trustAnchors(ca.trustStore())
        .connectTimeout(Duration.ofSeconds(5))
        .requestTimeout(Duration.ofSeconds(40));
  }

  /**
   * Adds {@code others} from {@code first} ({@code minkms add}) and waits (60 s) until every node
   * sees all of them up.
   */
  void formCluster(Member first, Member... others) throws InterruptedException {
    KmsClient c0 = client(first);
    for (Member n : others) {
      c0.addNode(AddClusterNodeRequest.newBuilder().setHost(n.host()).build());
    }
    List<Member> all = new ArrayList<>(List.of(others));
    all.add(0, first);
    await(
        Duration.ofSeconds(60),
        "a " + all.size() + "-node cluster",
        () ->
            all.stream().allMatch(n -> client(n).clusterStatus().getNodesUpCount() == all.size()));
    assertEquals(0, client(others[others.length - 1]).clusterStatus().getNodesDownCount());
  }

  /** {@code GET /v1/rpc/status} of {@code node} with this cluster's internode key. */
  ProbeResult probe(Member node) {
    return probe(node, "");
  }

  /**
   * {@code GET /v1/rpc/status?…&claim=<claimant>} of {@code node}: a leader's re-admission probe
   * claiming it for cluster {@code claimant} ({@code ""}: no claim).
   */
  ProbeResult probe(Member node, String claimant) {
    try {
      return internode
          .status(node.host(), new byte[] {1, 2, 3, 4}, claimant)
          .toCompletableFuture()
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
  /**
   * The replication gauge {@code name} of {@code member} in a Prometheus text scrape of {@code
   * node} ({@code GET /v1/health/metrics}).
   *
   * @throws AssertionError if the scrape has no such sample
   */
  double memberGauge(Member node, String name, Member member) {
    String text = client(node).metrics(node.host());
    String sample =
        name + "{host=\"" + member.host() + "\",node_id=\"" + idOf(node, member) + "\"} ";
    for (String line : text.split("\n")) {
      if (line.startsWith(sample)) {
        return Double.parseDouble(line.substring(sample.length()).trim());
      }
    }
    throw new AssertionError("no sample " + sample + "in the scrape of " + node + ":\n" + text);
  }

  /**
   * The node id of {@code member} in the membership {@code via} reports.
   *
   * @throws AssertionError if it is no member there
   */
  int idOf(Member via, Member member) {
    return probe(via).members().entrySet().stream()
        .filter(e -> e.getValue().equals(member.host()))
        .map(java.util.Map.Entry::getKey)
        .findFirst()
        .orElseThrow(() -> new AssertionError(member + " is not a member"));
  }

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

  /** Deletes {@code dir} and everything under it, if it exists. */
  static void deleteTree(Path dir) throws IOException {
    if (!Files.exists(dir)) {
      return;
    }
    try (Stream<Path> files = Files.walk(dir)) {
      files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
    }
  }

  /** Deletes the cluster's files unless {@code -Dminkms.keep=true}. */
  void deleteFiles() throws IOException {
    if (!Boolean.getBoolean("minkms.keep")) {
      deleteTree(root);
    }
  }
}
