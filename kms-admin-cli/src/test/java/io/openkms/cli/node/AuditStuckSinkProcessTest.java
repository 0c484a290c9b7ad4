package io.openkms.cli.node;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.openkms.http.client.KmsClient;
import io.openkms.http.proto.CreateEnclaveRequest;
import io.openkms.http.proto.CreateKeyRequest;
import io.openkms.http.proto.GenerateKeyRequest;
import io.openkms.kms.crypto.ApiKey;
import io.openkms.persistence.HsmKey;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A stuck audit sink does not slow requests (issue 14, item 3): a node whose audit log goes to its
 * stdout, a pipe that nobody reads, fills the pipe (64 KiB, a few hundred lines), then its bounded
 * queue, then drops lines and counts them; GenerateKey latency stays that of a node without audit
 * log. Both nodes run at the same time and are measured in alternating rounds, so that the load of
 * the machine hits both alike.
 */
@Tag("process")
class AuditStuckSinkProcessTest {

  private static final int ROUNDS = 6;
  private static final int PER_ROUND = 250;

  @TempDir Path tmp;

  @Test
  void aFullStdoutPipeDoesNotRaiseGenerateKeyLatency() throws Exception {
    String hsmKey = HsmKey.generate().toString();
    ApiKey root = Nodes.rootApiKey(hsmKey);
    Path config = tmp.resolve("audit.yaml");
    Files.writeString(
        config,
        String.join(
            "\n",
            "version: v1",
            "log:",
            "  audit:",
            "    stdout: on",
            "    queue: 100",
            "api:",
            "  /v1/health/metrics:",
            "    skip_auth: true",
            ""));
    NodeAddress stuckAddress = NodeAddress.next();
    NodeAddress plainAddress = NodeAddress.next();
    Process stuck = startWithUnreadStdout(tmp.resolve("stuck"), stuckAddress, hsmKey, config);
    try (MinkmsProcess plain = Nodes.start(tmp.resolve("plain"), plainAddress, hsmKey, "--dev")) {
      plain.awaitUp();
      KmsClient stuckClient = awaitServing(Nodes.insecureClient(stuckAddress, root), stuck);
      KmsClient plainClient = Nodes.insecureClient(plainAddress, root);
      plainClient.createEnclave(CreateEnclaveRequest.newBuilder().setName("e").build());
      for (KmsClient c : List.of(stuckClient, plainClient)) {
        c.createKey("e", CreateKeyRequest.newBuilder().setName("k").build());
        measure(c, 600); // warm-up; on the stuck node: fills the pipe (64 KiB), then the queue
      }
      assertTrue(
          dropped(stuckAddress, root) > 0, "the pipe and the queue are full: lines are dropped");

      List<Long> withStuckSink = new ArrayList<>();
      List<Long> withoutAudit = new ArrayList<>();
      for (int round = 0; round < ROUNDS; round++) {
        withStuckSink.addAll(measure(stuckClient, PER_ROUND));
        withoutAudit.addAll(measure(plainClient, PER_ROUND));
      }
      long p99Stuck = p99(withStuckSink);
      long p99Plain = p99(withoutAudit);
      System.out.printf(
          "GenerateKey p99: %.2f ms with a stuck audit sink, %.2f ms without " + "audit log%n",
          p99Stuck / 1e6, p99Plain / 1e6);
      assertTrue(
          p99Stuck <= 2 * p99Plain + 10_000_000L,
          "p99 with a stuck audit sink "
              + p99Stuck / 1e6
              + " ms, without audit log "
              + p99Plain / 1e6
              + " ms");
      assertTrue(stuck.isAlive(), "the node with the stuck sink still runs");
      assertTrue(
          dropped(stuckAddress, root) >= ROUNDS * PER_ROUND,
          "every line of the measured requests was dropped");
    } finally {
      stuck.destroyForcibly();
      stuck.waitFor();
    }
  }

  /** GenerateKey {@code n} times; the latency of each, ns. */
  private static List<Long> measure(KmsClient client, int n) {
    List<Long> out = new ArrayList<>(n);
    GenerateKeyRequest request = GenerateKeyRequest.newBuilder().setName("k").build();
    for (int i = 0; i < n; i++) {
      long start = System.nanoTime();
      client.generateKey("e", request);
      out.add(System.nanoTime() - start);
    }
    return out;
  }

  private static long p99(List<Long> latencies) {
    long[] sorted = latencies.stream().mapToLong(Long::longValue).toArray();
    Arrays.sort(sorted);
    return sorted[(int) Math.ceil(sorted.length * 0.99) - 1];
  }

  private static final Pattern DROPPED = Pattern.compile("(?m)^minkms_audit_dropped_total (\\S+)$");

  /** {@code minkms_audit_dropped_total} of the node (metrics open to any client there). */
  private static long dropped(NodeAddress node, ApiKey key) throws Exception {
    HttpClient http = Nodes.httpClient(key, null, "TLSv1.3", HttpClient.Version.HTTP_1_1);
    HttpResponse<String> r =
        http.send(
            HttpRequest.newBuilder(URI.create("https://" + node + "/v1/health/metrics"))
                .timeout(Duration.ofSeconds(30))
                .GET()
                .build(),
            HttpResponse.BodyHandlers.ofString());
    assertEquals(200, r.statusCode(), r.body());
    Matcher m = DROPPED.matcher(r.body());
    assertTrue(m.find(), r.body());
    return (long) Double.parseDouble(m.group(1));
  }

  /**
   * Starts {@code minkms server DIR --dev --config CONFIG} with its stdout on a pipe this test
   * never reads (stderr goes to a file).
   */
  private static Process startWithUnreadStdout(
      Path dir, NodeAddress address, String hsmKey, Path config) throws Exception {
    ProcessBuilder builder =
        new ProcessBuilder(
            MinkmsProcess.LAUNCHER.toString(),
            "server",
            dir.toString(),
            "--dev",
            "--address",
            address.toString(),
            "--config",
            config.toString());
    Map<String, String> env = builder.environment();
    env.clear();
    env.put("PATH", Optional.ofNullable(System.getenv("PATH")).orElse("/usr/bin:/bin"));
    Optional.ofNullable(System.getenv("JAVA_HOME")).ifPresent(v -> env.put("JAVA_HOME", v));
    env.put("HOME", System.getProperty("user.home"));
    env.put(
        "MINKMS_JAVA_OPTS",
        System.getProperty(MinkmsProcess.JAVA_OPTS_PROPERTY, MinkmsProcess.LIGHT_JAVA_OPTS));
    env.putAll(Nodes.env(hsmKey));
    Files.createDirectories(dir);
    builder.redirectOutput(ProcessBuilder.Redirect.PIPE);
    builder.redirectError(dir.resolve("stderr.txt").toFile());
    return builder.start();
  }

  /** Waits until the node commits a write (enclave {@code e}; at most the start bound). */
  private static KmsClient awaitServing(KmsClient client, Process process) throws Exception {
    long deadline = System.nanoTime() + MinkmsProcess.START_TIMEOUT.toNanos();
    RuntimeException last = null;
    while (System.nanoTime() < deadline && process.isAlive()) {
      try {
        client.createEnclave(CreateEnclaveRequest.newBuilder().setName("e").build());
        return client;
      } catch (RuntimeException e) {
        last = e;
        Thread.sleep(250);
      }
    }
    throw new AssertionError("the node with the unread stdout did not start: " + last);
  }
}
