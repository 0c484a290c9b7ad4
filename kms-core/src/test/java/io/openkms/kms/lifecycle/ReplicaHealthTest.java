package io.openkms.kms.lifecycle;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.openkms.kms.lifecycle.ReplicaHealth.Level;
import io.openkms.kms.lifecycle.ReplicaHealth.State;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The replica's supervision rules (issue 12, "Supervision"): restart policy, health, logging. */
class ReplicaHealthTest {

  static final LifecycleTimeouts T = LifecycleTimeouts.DEFAULTS;

  @Test
  void startsUnhealthyAndIsHealthyOnceRecovered() {
    ReplicaHealth h = new ReplicaHealth(T, 1_000);
    assertEquals(State.STARTING, h.status().state());
    assertFalse(h.status().healthy(1_000));
    assertEquals("replica log is recovering from its journal", h.status().problem(1_000));
    assertEquals(Level.NONE, h.recovered(1_200).level());
    assertTrue(h.status().healthy(1_200));
    assertEquals("", h.status().problem(1_200));
    assertEquals(Level.NONE, h.persisted(1_300).level(), "no episode open: nothing to say");
  }

  @Test
  void aFailureMakesItUnhealthyWithTheReasonAndOneErrorLine() {
    ReplicaHealth h = running();
    ReplicaHealth.Log log = h.failed(2_000, "journal write", "No space left on device");
    assertEquals(Level.ERROR, log.level());
    assertTrue(log.line().contains("journal write failed: No space left on device"), log.line());
    assertTrue(log.line().contains("in 200 ms"), log.line());
    ReplicaHealth.Status s = h.status();
    assertEquals(State.FAILED, s.state());
    assertFalse(s.healthy(2_000));
    assertFalse(s.healthy(100_000), "restarting: unhealthy however long it takes");
    assertEquals(
        "replica log is restarting after a journal failure: journal write failed: No"
            + " space left on device",
        s.problem(2_000));
  }

  @Test
  void repeatedFailuresOfOneEpisodeLogAtMostOneWarningEveryThirtySeconds() {
    ReplicaHealth h = running();
    List<ReplicaHealth.Log> lines = new ArrayList<>();
    long now = 2_000;
    lines.add(h.failed(now, "journal write", "disk full"));
    for (int i = 2; i <= 40; i++) { // a full disk: recovery fails, every restart backs off more
      now += h.backoffMillis(i - 1);
      lines.add(h.failed(now, "recovery from the journal", "disk full"));
    }
    long errors = lines.stream().filter(l -> l.level() == Level.ERROR).count();
    long warnings = lines.stream().filter(l -> l.level() == Level.WARN).count();
    assertEquals(1, errors);
    long elapsed = now - 2_000;
    assertTrue(warnings <= elapsed / T.repeatLogMillis(), warnings + " in " + elapsed);
    assertTrue(warnings >= 1, "a long episode is not silent");
    assertTrue(
        lines.get(lines.size() - 1).level() == Level.NONE
            || lines.get(lines.size() - 1).line().contains("40 failures"));
  }

  @Test
  void backoffDoublesFromTheMinimumUpToTheMaximum() {
    ReplicaHealth h = new ReplicaHealth(T, 0);
    assertEquals(200, h.backoffMillis(1));
    assertEquals(400, h.backoffMillis(2));
    assertEquals(3_200, h.backoffMillis(5));
    assertEquals(5_000, h.backoffMillis(6));
    assertEquals(5_000, h.backoffMillis(1_000));
  }

  /** The delays come from the machine's {@link LifecycleTimeouts}, not from constants. */
  @Test
  void theTimeoutsGivenAreTheOnesUsed() {
    LifecycleTimeouts t = T.withReplicaHealth(50, 300, 1_000, 700, 400);
    ReplicaHealth h = new ReplicaHealth(t, 0);
    assertEquals(50, h.backoffMillis(1));
    assertEquals(200, h.backoffMillis(3));
    assertEquals(300, h.backoffMillis(4));
    h.recovered(10);
    assertEquals(Level.ERROR, h.failed(100, "journal write", "a").level());
    assertEquals(Level.NONE, h.failed(200, "journal write", "a").level());
    assertEquals(Level.WARN, h.failed(500, "journal write", "a").level()); // 400 ms since the ERROR
    assertEquals(Level.ERROR, h.failed(1_501, "journal write", "a").level()); // a new episode
    assertEquals(1, h.status().failures());
    h.recovered(1_600);
    assertFalse(h.status().healthy(1_501 + 699));
    assertTrue(h.status().healthy(1_501 + 700));
  }

  @Test
  void aRestartedReplicaIsHealthyOnceAWriteSucceeds() {
    ReplicaHealth h = running();
    h.failed(2_000, "journal write", "call timed out");
    ReplicaHealth.Log restarted = h.recovered(2_300);
    assertEquals(Level.INFO, restarted.level());
    ReplicaHealth.Status s = h.status();
    assertEquals(State.RESTARTED, s.state());
    assertFalse(s.healthy(2_300), "a full disk fails the next write at once");
    ReplicaHealth.Log back = h.persisted(2_400);
    assertEquals(Level.INFO, back.level());
    assertTrue(back.line().contains("after 1 failure in 400 ms"), back.line());
    assertEquals(State.RUNNING, h.status().state());
    assertTrue(h.status().healthy(2_400));
  }

  @Test
  void aRestartedReplicaWithoutWritesIsHealthyAfterTheStableTime() {
    ReplicaHealth h = running();
    h.failed(2_000, "journal write", "call timed out");
    h.recovered(2_300);
    ReplicaHealth.Status s = h.status();
    assertFalse(s.healthy(2_000 + T.stableAfterMillis() - 1));
    assertTrue(s.healthy(2_000 + T.stableAfterMillis()));
    // the same episode goes on if it fails again soon: no second ERROR line
    assertEquals(Level.NONE, h.failed(8_000, "journal write", "call timed out").level());
    assertEquals(Level.NONE, h.recovered(8_500).level(), "one recovery line per episode");
  }

  @Test
  void aFailureLongAfterTheLastOneOpensANewEpisode() {
    ReplicaHealth h = running();
    h.failed(2_000, "journal write", "a");
    h.recovered(2_300);
    long later = 2_000 + T.resetBackoffAfterMillis() + 1;
    ReplicaHealth.Log again = h.failed(later, "journal write", "b");
    assertEquals(Level.ERROR, again.level());
    assertEquals(1, h.status().failures());
  }

  @Test
  void aWriteThatSucceedsWhileRestartingChangesNothing() {
    ReplicaHealth h = running();
    h.failed(2_000, "journal write", "a");
    assertEquals(Level.NONE, h.persisted(2_100).level());
    assertEquals(State.FAILED, h.status().state());
  }

  private static ReplicaHealth running() {
    ReplicaHealth h = new ReplicaHealth(T, 1_000);
    h.recovered(1_100);
    return h;
  }
}
