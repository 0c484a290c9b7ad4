package io.openkms.kms.replication;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.openkms.kms.lifecycle.LifecycleTimeouts;
import io.openkms.kms.lifecycle.ReplicaHealth;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;

/**
 * Seeded simulations of 1–5 nodes under message loss, delay, duplication, reordering, partitions,
 * crashes and restarts, overlapping leaders, member removal (in the log and out of band), members
 * wiped and removed through the log without their acknowledgement, additions, and journal failures
 * (a replica stops without acknowledging, restarts from its journal under {@link ReplicaHealth}'s
 * backoff and catches up; a stopped replica never reports healthy), and joins that install the
 * leader node's state, larger than a chunk, in chunks over the lossy network. The {@link Oracle}
 * checks the invariants of docs/ARCHITECTURE.md §3 after every step: (1) same entries in the same
 * order everywhere, equal digests for equal indexes; (2) an acknowledged write is applied by every
 * member; (3) no acknowledged write is lost; (4) every write gets a reply within the write timeout;
 * (5) a removed node applies nothing new; and no message exceeds the byte bound ({@link
 * MessageBudget}: entries of 60 to 650 bytes, at most 1,000 per message). {@link
 * SimulatedCluster#quiesce()} then checks that in-doubt entries are completed on every member
 * ("never half-visible for long").
 */
class SimulatedClusterTest {

  static final int SEEDS = 500;
  static final int STEPS = 300;

  /** Seeds cycle through these limits of appends in flight per member (1, 2, not limited). */
  static final int[] APPENDS_IN_FLIGHT = {1, 2, 100};

  /** The leader's limits for {@code seed}: four entries per message, appends in flight varied. */
  static LeaderConfig config(long seed) {
    int inFlight = APPENDS_IN_FLIGHT[(int) ((seed / 25) % APPENDS_IN_FLIGHT.length)];
    return new LeaderConfig(10_000, 500, 20, 4, inFlight);
  }

  /**
   * The lifecycle timeouts for {@code seed}: one seed in four runs with the product's defaults, the
   * others with the replica's restart rules and the install bound drawn from sane ranges around
   * them (backoff 50–500 ms up to 1–10 s, reset after 5–60 s, stable after 0.5–6 s, repeated log
   * lines every 5–60 s; installs bounded by 1–20 s, so that some joins time out).
   */
  static LifecycleTimeouts timeouts(long seed) {
    if (seed % 4 == 3) {
      return LifecycleTimeouts.DEFAULTS;
    }
    Random random = new Random(seed * 0x9E3779B97F4A7C15L + 12);
    return LifecycleTimeouts.DEFAULTS
        .withReplicaHealth(
            50 + random.nextInt(451),
            1_000 + random.nextInt(9_001),
            5_000 + random.nextInt(55_001),
            500 + random.nextInt(5_501),
            5_000 + random.nextInt(55_001))
        .withJoin(5_000 + random.nextInt(15_001), 1_000 + random.nextInt(19_001));
  }

  static SimulatedCluster runSeed(long seed, SimFaults faults, int steps) {
    int nodes = 1 + (int) (seed % 5);
    int founders = nodes - (int) ((seed / 5) % nodes); // some seeds keep spares to add
    SimulatedCluster cluster =
        new SimulatedCluster(seed, nodes, founders, config(seed), timeouts(seed), faults);
    try {
      cluster.run(steps);
      cluster.quiesce();
    } catch (RuntimeException e) {
      e.printStackTrace(System.out);
      AssertionError failure = new AssertionError("seed " + seed + ": " + e, e);
      failure.setStackTrace(e.getStackTrace());
      throw failure;
    }
    return cluster;
  }

  /**
   * docs/ARCHITECTURE.md §3 invariants 1–5 over 500 hostile and 500 calm seeds of 300 random steps,
   * and 50 seeds of 2 000 steps, each followed by quiesce.
   */
  @Test
  void invariantsHoldForEverySeed() {
    Map<String, Integer> totals = new TreeMap<>();
    for (long seed = 0; seed < SEEDS; seed++) {
      runSeed(seed, SimFaults.HOSTILE, STEPS)
          .stats()
          .forEach((key, value) -> totals.merge(key, value, Integer::sum));
      runSeed(1_000_000 + seed, SimFaults.CALM, STEPS)
          .stats()
          .forEach((key, value) -> totals.merge(key, value, Integer::sum));
    }
    for (long seed = 0; seed < 50; seed++) {
      runSeed(2_000_000 + seed, SimFaults.HOSTILE, 2_000)
          .stats()
          .forEach((key, value) -> totals.merge(key, value, Integer::sum));
    }
    System.out.println("simulation totals: " + totals);
    // the walk really exercises every path, not only the happy one
    for (String path :
        List.of(
            "committed",
            "unavailable",
            "noLeader",
            "inDoubt",
            "stepDowns",
            "leadersServing",
            "add",
            "editRm",
            "wipe",
            "journalFailure",
            "journalWriteFailed",
            "journalRecoveryFailed",
            "journalRecovered",
            "journalCaughtUp",
            "installAboveChunk",
            "installTimedOut",
            "installed",
            "installAdded",
            "install.CHUNK",
            "deadRemovalCommitted",
            "takeoverReleased",
            "crash",
            "RemovedFromCluster",
            "FetchEntries",
            "EntriesFetched",
            "AppendRejected.GAP",
            "AppendRejected.REMOVED",
            "AppendRejected.STALE_TERM",
            "PromiseRejected",
            "fullMessage")) {
      assertTrue(totals.getOrDefault(path, 0) >= 20, path + " too rare: " + totals);
    }
    assertTrue(totals.get("committed") > 5_000, totals.toString());
    assertFalse(totals.containsKey("AppendRejected.CONFLICT"), totals.toString());
  }

  /**
   * Exploration beyond the default run, only when asked for: {@code -Dsim.seeds=N [-Dsim.first=S]
   * [-Dsim.steps=M] [-Dsim.faults=CALM] [-Dsim.trace=L] [-Dsim.leave=false] [-Dsim.probe=false]
   * [-Dsim.resolve=false]} ({@code leave=false}: removed nodes stay reachable instead of leaving
   * for good, {@link SimulatedCluster#LEAVE_ON_REMOVAL}; {@code probe=false}: an in-doubt node does
   * not ask its members, {@link SimulatedCluster#PROBE}; {@code resolve=false}: a leader reaches no
   * removed node it has no host for, {@link SimulatedCluster#RESOLVE}). Runs every seed, prints how
   * many failed and the first line of each (the first three with their traces), then fails with the
   * list.
   */
  @Test
  @EnabledIfSystemProperty(named = "sim.seeds", matches = "[0-9]+")
  void explore() {
    long seeds = Long.getLong("sim.seeds", 0);
    int steps = Integer.getInteger("sim.steps", STEPS);
    long first = Long.getLong("sim.first", 0);
    SimFaults faults =
        "CALM".equals(System.getProperty("sim.faults")) ? SimFaults.CALM : SimFaults.HOSTILE;
    Map<String, Integer> totals = new TreeMap<>();
    List<String> failed = new ArrayList<>();
    for (long seed = first; seed < first + seeds; seed++) {
      try {
        runSeed(seed, faults, steps)
            .stats()
            .forEach((key, value) -> totals.merge(key, value, Integer::sum));
      } catch (AssertionError e) {
        failed.add(e.getMessage());
      }
    }
    System.out.println("exploration totals: " + totals);
    System.out.println("exploration failures: " + failed.size() + " of " + seeds + " seeds");
    failed.forEach(f -> System.out.println("  " + f.lines().findFirst().orElse(f)));
    failed.stream().limit(3).forEach(System.out::println); // with their traces
    assertEquals(List.of(), failed);
    assertTrue(
        totals.getOrDefault("leadersStarted", 0) >= seeds - failed.size(), totals.toString());
  }
}
