package io.openkms.cli.cluster;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.openkms.http.client.KmsClientException;
import io.openkms.http.proto.AddClusterNodeRequest;
import io.openkms.http.proto.ClusterStatusResponse;
import io.openkms.http.proto.ServerStatusResponse;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;

/**
 * Issue 12, the two rows of "Supervision" with real processes on 127.0.0.1/.2/.3:
 *
 * <ul>
 *   <li>a follower is paused (SIGSTOP) for 20 s while writes go on, then resumed (SIGCONT): writes
 *       succeed again within 30 s, every round ({@value #DEFAULT_ROUNDS} rounds, or {@code
 *       -Dminkms.sigstop.rounds=N}), with no operator action;
 *   <li>the volume of one node (a small tmpfs mounted as its DIR) fills up: writes fail with 503
 *       naming that node while it is full, it reports itself unhealthy ({@code ready?write} 503,
 *       {@code health} in {@code CLUSTER:STATUS}), and writes work again within 30 s of freeing the
 *       space, without a restart.
 * </ul>
 *
 * After each, the invariants of docs/ARCHITECTURE.md §3 hold on all three nodes (equal commit and
 * state digest, no acknowledged write lost).
 */
@Tag("process")
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class JournalFailureProcessTest {

  /**
   * SIGSTOP rounds of a default run: one pause causes the fault for real; more rounds (README,
   * "Test it": {@code -Dminkms.sigstop.rounds=N}) look for a recovery that fails only now and then.
   */
  static final int DEFAULT_ROUNDS = 1;

  /** Issue 12: writes work again within 30 s of SIGCONT or of freeing the space. */
  static final Duration RECOVERY_BOUND = Duration.ofSeconds(30);

  static final Duration PAUSE = Duration.ofSeconds(20);

  /** Size of node2's volume: room for the store; the filler takes the rest. */
  static final String TMPFS_SIZE = "24m";

  private ProcessFixture fixture;
  private Invariants invariants;
  private List<NodeProcess> members;
  private NodeProcess n0;
  private NodeProcess n1;
  private NodeProcess n2;
  private boolean mounted;
  private String mountProblem = "";

  @BeforeAll
  void startCluster() throws Exception {
    fixture = new ProcessFixture("journal-failure");
    invariants = new Invariants(fixture);
    n0 = fixture.node("node0", "127.0.0.1");
    n1 = fixture.node("node1", "127.0.0.2");
    n2 = fixture.node("node2", "127.0.0.3");
    members = List.of(n0, n1, n2);
    mounted = mount(n2.dir);
    NodeProcess.startAll(members);
    fixture.client(n0).addNode(AddClusterNodeRequest.newBuilder().setHost(n1.host()).build());
    fixture.client(n0).addNode(AddClusterNodeRequest.newBuilder().setHost(n2.host()).build());
    ProcessFixture.await(
        Duration.ofSeconds(60),
        "three nodes up and writable",
        () -> {
          for (NodeProcess n : members) {
            fixture.client(n).ready(n.host(), true);
          }
          return true;
        });
    invariants.mustWrite(n0, members);
  }

  @AfterAll
  void cleanUp() throws Exception {
    if (fixture == null) {
      return;
    }
    for (NodeProcess n : members) {
      if (n.alive()) {
        n.resume(); // a paused node must not outlive the test
      }
      n.kill();
    }
    if (mounted) {
      run("umount", n2.dir.toString());
    }
    fixture.close();
  }

  @Test
  @Order(1)
  void followerPausedTwentySecondsDuringWrites() throws Exception {
    int rounds = Integer.getInteger("minkms.sigstop.rounds", DEFAULT_ROUNDS);
    List<Long> recoveries = new ArrayList<>();
    List<String> failures = new ArrayList<>();
    for (int round = 1; round <= rounds; round++) {
      NodeProcess leader = leader(n0);
      NodeProcess follower = members.stream().filter(n -> n != leader).toList().get(round % 2);
      List<NodeProcess> awake = members.stream().filter(n -> n != follower).toList();
      follower.pause();
      long resumeAt = System.nanoTime() + PAUSE.toNanos();
      try {
        while (System.nanoTime() < resumeAt) {
          Optional<KmsClientException> error = invariants.write(leader, awake);
          assertTrue(error.isPresent(), "a write was acknowledged without " + follower);
          assertEquals(503, error.get().status(), error.get().getMessage());
          Thread.sleep(500);
        }
        if (round == 1) {
          // the leader's node shows the paused member: unreachable, behind by the writes that
          // reached the leader before it was found unreachable
          String reachable = "minkms_replication_member_reachable";
          assertEquals(0, fixture.memberGauge(leader, reachable, follower));
          double lag = fixture.memberGauge(leader, "minkms_replication_member_lag", follower);
          assertTrue(lag >= 1, "lag of the paused member: " + lag);
        }
      } finally {
        follower.resume();
      }
      long resumed = System.nanoTime();
      Optional<Long> millis = acknowledgedWithin(leader, RECOVERY_BOUND);
      if (millis.isPresent()) {
        recoveries.add(millis.get());
      } else {
        failures.add(
            "round "
                + round
                + ": no write within "
                + RECOVERY_BOUND
                + " of SIGCONT of "
                + follower
                + "; its log:\n"
                + NodeProcess.tail(follower.stderr(), 15));
        // let it settle for the next round (bounded), so that one failure is reported as one
        invariants.writeUntilAcknowledged(leader, members, Duration.ofSeconds(120));
      }
      System.out.println(
          "SIGSTOP round "
              + round
              + " ("
              + follower
              + "): writes acknowledged "
              + millis.map(m -> m + " ms").orElse("NOT within " + RECOVERY_BOUND)
              + " after SIGCONT ("
              + (System.nanoTime() - resumed) / 1_000_000
              + " ms incl. checks);"
              + " replica restarts after a journal failure so far: "
              + journalFailures(follower));
      invariants.check(members);
      if (round == 1) { // caught up: its lag is back to 0
        ProcessFixture.await(
            Duration.ofSeconds(10),
            follower + "'s lag back to 0",
            () -> fixture.memberGauge(leader, "minkms_replication_member_lag", follower) == 0);
      }
    }
    System.out.println(
        "SIGSTOP 20 s: "
            + recoveries.size()
            + "/"
            + rounds
            + " rounds recovered within "
            + RECOVERY_BOUND
            + ", recovery ms: "
            + recoveries);
    assertEquals(List.of(), failures);
  }

  @Test
  @Order(2)
  void volumeOfOneNodeFillsUpAndIsFreed() throws Exception {
    assumeTrue(
        mounted,
        "cannot mount a tmpfs as node2's DIR ("
            + mountProblem
            + "): the full-disk test needs root and mount");
    NodeProcess leader = leader(n0);
    NodeProcess writer = leader == n2 ? n0 : leader; // writes go through a node that has room
    invariants.mustWrite(writer, members);
    Path filler = n2.dir.resolve("filler");
    fill(filler);
    try {
      // writes fail with 503 naming node2 while it is full
      KmsClientException refused = null;
      long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
      while (refused == null && System.nanoTime() < deadline) {
        Optional<KmsClientException> error = invariants.write(writer, members);
        if (error.isPresent()) {
          refused = error.get();
        }
      }
      assertTrue(refused != null, "writes still acknowledged with node2's volume full");
      assertEquals(503, refused.status(), refused.getMessage());
      assertTrue(refused.getMessage().contains(n2.host()), refused.getMessage());
      Optional<KmsClientException> again = invariants.write(writer, members);
      assertEquals(503, again.orElseThrow().status());
      assertTrue(again.get().getMessage().contains(n2.host()), again.get().getMessage());
      // node2 says why: ready?write 503 with the journal failure, unhealthy in the status
      KmsClientException notReady =
          assertThrows(KmsClientException.class, () -> fixture.client(n2).ready(n2.host(), true));
      assertEquals(503, notReady.status());
      assertTrue(notReady.getMessage().contains("replica log"), notReady.getMessage());
      ServerStatusResponse sick = statusOf(n2, n0);
      assertFalse(sick.getHealth().isEmpty(), sick.toString());
      assertTrue(
          sick.getHealth().contains("No space left on device")
              || sick.getHealth().contains("closed"),
          sick.getHealth());
      KmsClientException direct = invariants.write(n2, members).orElseThrow();
      assertEquals(503, direct.status());
      assertTrue(direct.getMessage().contains(n2.host()), direct.getMessage());
    } finally {
      Files.deleteIfExists(filler);
    }
    long freed = System.nanoTime();
    Optional<Long> millis = acknowledgedWithin(writer, RECOVERY_BOUND);
    System.out.println(
        "full disk: writes acknowledged "
            + millis.map(m -> m + " ms").orElse("NOT within " + RECOVERY_BOUND)
            + " after freeing the space");
    assertTrue(
        millis.isPresent(),
        "no write within "
            + RECOVERY_BOUND
            + " of freeing node2's volume; its log:\n"
            + NodeProcess.tail(n2.stderr(), 20));
    ProcessFixture.await(
        RECOVERY_BOUND.minusNanos(System.nanoTime() - freed),
        "node2 writable again",
        () -> {
          fixture.client(n2).ready(n2.host(), true);
          return true;
        });
    assertEquals("", statusOf(n2, n0).getHealth());
    invariants.mustWrite(n2, members);
    invariants.check(members);
    long errorLines =
        Files.readAllLines(n2.stderr()).stream().filter(l -> l.contains(" ERROR ")).count();
    assertTrue(errorLines <= 3, "one ERROR line per failure, not a stream: " + errorLines);
  }

  // ---------------------------------------------------------------- helpers

  /** Writes through {@code node} every 500 ms; the ms until one is acknowledged, if in time. */
  private Optional<Long> acknowledgedWithin(NodeProcess node, Duration bound)
      throws InterruptedException {
    long start = System.nanoTime();
    long deadline = start + bound.toNanos();
    while (System.nanoTime() < deadline) {
      Optional<KmsClientException> error = invariants.write(node, members);
      long now = System.nanoTime();
      if (error.isEmpty()) {
        return now <= deadline ? Optional.of((now - start) / 1_000_000) : Optional.empty();
      }
      assertEquals(503, error.get().status(), error.get().getMessage());
      Thread.sleep(500);
    }
    return Optional.empty();
  }

  /** How many journal failures {@code node} logged (its replica log restarted). */
  private static long journalFailures(NodeProcess node) throws IOException {
    return Files.readAllLines(node.stderr()).stream()
        .filter(l -> l.contains("replica log stopped: "))
        .count();
  }

  /** The leader as {@code via} reports it. */
  private NodeProcess leader(NodeProcess via) {
    ClusterStatusResponse status = fixture.client(via).clusterStatus();
    ServerStatusResponse self =
        status.getNodesUpMap().values().stream()
            .filter(s -> s.getHost().equals(via.host()))
            .findFirst()
            .orElseThrow();
    long leaderId = self.getLeaderID();
    assertNotEquals(-1L, leaderId, via + " knows no leader");
    String host = self.getNodesMap().get((int) leaderId);
    return members.stream().filter(n -> n.host().equals(host)).findFirst().orElseThrow();
  }

  /** {@code node}'s status as {@code via}'s {@code CLUSTER:STATUS} reports it. */
  private ServerStatusResponse statusOf(NodeProcess node, NodeProcess via) {
    ClusterStatusResponse status = fixture.client(via).clusterStatus();
    for (Map.Entry<Integer, ServerStatusResponse> e : status.getNodesUpMap().entrySet()) {
      if (e.getValue().getHost().equals(node.host())) {
        return e.getValue();
      }
    }
    throw new AssertionError(node + " is not up in " + status);
  }

  /** Mounts a {@value #TMPFS_SIZE} tmpfs on {@code dir}; false (with the reason) if not allowed. */
  private boolean mount(Path dir) throws IOException, InterruptedException {
    String out = run("mount", "-t", "tmpfs", "-o", "size=" + TMPFS_SIZE, "tmpfs", dir.toString());
    if (out != null) {
      mountProblem = out.strip();
      return false;
    }
    return true;
  }

  /** Runs a command; null on success, else its output. */
  private static String run(String... command) throws IOException, InterruptedException {
    Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
    if (!p.waitFor(20, TimeUnit.SECONDS)) {
      p.destroyForcibly();
      return String.join(" ", command) + ": timed out";
    }
    String out = new String(p.getInputStream().readAllBytes());
    return p.exitValue() == 0 ? null : String.join(" ", command) + ": " + out;
  }

  /** Writes zeros to {@code file} until the volume is full. */
  private static void fill(Path file) throws IOException {
    byte[] block = new byte[64 * 1024];
    try (OutputStream out = Files.newOutputStream(file)) {
      while (true) {
        out.write(block);
      }
    } catch (IOException full) {
      if (!String.valueOf(full.getMessage()).contains("No space left")) {
        throw full;
      }
    }
  }
}
