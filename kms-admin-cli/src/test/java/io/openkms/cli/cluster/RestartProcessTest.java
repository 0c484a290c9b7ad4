package io.openkms.cli.cluster;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.openkms.http.client.KmsClient;
import io.openkms.http.proto.CreateEnclaveRequest;
import io.openkms.http.proto.CreateKeyRequest;
import io.openkms.http.proto.DecryptRequest;
import io.openkms.http.proto.GenerateKeyRequest;
import io.openkms.http.proto.GenerateKeyResponse;
import io.openkms.http.proto.ServerStatusResponse;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * {@code minkms restart} on a three-node cluster under read load: the nodes are restarted one after
 * the other ({@code /v1/debug/restart?self}; a client does not retry on a host that failed
 * recently), while a client with all three endpoints decrypts without pause — every read succeeds
 * through the other nodes — then the whole cluster at once ({@code /v1/debug/restart} → {@code
 * /v1/rpc/restart} on the peers). Each node restarts in its own process (same PID), and the state
 * is intact afterwards. The reading client skips a failed host for {@link #FAILED_HOST_MEMORY}
 * instead of the Go client's 30 s, so that the nodes can go down {@link #STAGGER} apart instead of
 * 32 s.
 */
@Tag("process")
class RestartProcessTest {

  /** How long the reading client avoids a host that failed (the Go client's 30 s by default). */
  private static final Duration FAILED_HOST_MEMORY = Duration.ofSeconds(3);

  /** Time between two single-node restarts: the reader's failed-host memory, plus 2 s. */
  private static final Duration STAGGER = FAILED_HOST_MEMORY.plusSeconds(2);

  private static final Duration RESTART_TIMEOUT = Duration.ofSeconds(180);

  @Test
  void restartsKeepReadsWorkingAndTheStateIntact() throws Exception {
    try (ProcessFixture fixture = new ProcessFixture("restart")) {
      NodeProcess n0 = fixture.node("node0", "127.0.0.1");
      NodeProcess n1 = fixture.node("node1", "127.0.0.2");
      NodeProcess n2 = fixture.node("node2", "127.0.0.3");
      List<NodeProcess> all = List.of(n0, n1, n2);
      NodeProcess.startAll(all);
      BackupRestoreProcessTest.formCluster(fixture, n0, n1, n2);
      KmsClient root = fixture.client(n0);
      root.createEnclave(CreateEnclaveRequest.newBuilder().setName("e").build());
      root.createKey("e", CreateKeyRequest.newBuilder().setName("k").build());
      GenerateKeyResponse dataKey =
          root.generateKey("e", GenerateKeyRequest.newBuilder().setName("k").build());
      Map<NodeProcess, Long> pids =
          all.stream().collect(Collectors.toMap(n -> n, NodeProcess::pid));

      KmsClient reader =
          fixture.clientBuilder(n0, n1, n2).failedHostMemory(FAILED_HOST_MEMORY).build();
      AtomicBoolean reading = new AtomicBoolean(true);
      AtomicLong reads = new AtomicLong();
      Map<String, Integer> failures = new ConcurrentHashMap<>();
      Thread load =
          new Thread(
              () -> {
                while (reading.get()) {
                  try {
                    assertArrayEquals(
                        dataKey.getPlaintext().toByteArray(), decrypt(reader, dataKey));
                    reads.incrementAndGet();
                  } catch (RuntimeException | AssertionError e) {
                    failures.merge(String.valueOf(e.getMessage()), 1, Integer::sum);
                  }
                }
              },
              "read-load");
      load.start();
      try {
        for (NodeProcess n : all) { // staggered: one node at a time
          if (n != all.get(0)) {
            // A client skips a host that failed recently when it retries (docs/PROTOCOL.md §7,
            // the Go client's load balancer): the next node goes down only after that.
            Thread.sleep(STAGGER.toMillis());
          }
          int banners = n.banners();
          root.restart(n.host());
          awaitRestarted(fixture, n, banners);
        }
      } finally {
        reading.set(false);
        load.join(60_000);
      }
      assertEquals(
          Map.of(),
          failures,
          "reads failed while single nodes restarted (" + reads + " succeeded)");
      assertTrue(reads.get() > 0);

      Map<NodeProcess, Integer> banners = new java.util.HashMap<>();
      for (NodeProcess n : all) {
        banners.put(n, n.banners());
      }
      fixture.client(n1).restart(); // the whole cluster, coordinated by node1
      for (NodeProcess n : all) {
        awaitRestarted(fixture, n, banners.get(n));
      }
      ProcessFixture.await(
          Duration.ofSeconds(60),
          "three members up after the cluster restart",
          () ->
              all.stream().allMatch(n -> fixture.client(n).clusterStatus().getNodesUpCount() == 3));
      for (NodeProcess n : all) {
        assertEquals(pids.get(n), n.pid(), n + " restarted in its own process");
        assertArrayEquals(
            dataKey.getPlaintext().toByteArray(), decrypt(fixture.client(n), dataKey));
        Set<Long> commits =
            fixture.client(n).clusterStatus().getNodesUpMap().values().stream()
                .map(ServerStatusResponse::getCommit)
                .collect(Collectors.toSet());
        assertEquals(1, commits.size(), "one commit index on every node: " + commits);
      }
    }
  }

  /** Waits until {@code n} printed one more banner than {@code before} and answers again. */
  private static void awaitRestarted(ProcessFixture fixture, NodeProcess n, int before)
      throws InterruptedException {
    try {
      ProcessFixture.await(
          RESTART_TIMEOUT,
          n + " restarted",
          () -> {
            try {
              return n.banners() > before;
            } catch (java.io.IOException e) {
              return false;
            }
          });
    } catch (AssertionError e) {
      throw new AssertionError(
          e.getMessage()
              + " (alive: "
              + n.alive()
              + "); its log:\n"
              + NodeProcess.tail(n.stderr(), 40),
          e);
    }
    ProcessFixture.await(
        Duration.ofSeconds(30),
        n + " ready",
        () -> {
          fixture.client(n).live(n.host());
          return true;
        });
  }

  private static byte[] decrypt(KmsClient client, GenerateKeyResponse d) {
    return client
        .decrypt(
            "e",
            DecryptRequest.newBuilder()
                .setName("k")
                .setVersion(d.getVersion())
                .setCiphertext(d.getCiphertext())
                .build())
        .getPlaintext()
        .toByteArray();
  }
}
