package io.openkms.kms.lifecycle;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.openkms.kms.domain.ApiError;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

class CommitWatchTest {
  private static final String UNREACHABLE =
      "cannot commit write: node 2 (127.0.0.3:7373) is unreachable";
  private static final String IN_DOUBT = ApiError.leaderInDoubt(11_000).getMessage();

  @Test
  void aNodeWithoutFailuresReportsNothing() {
    assertEquals("", CommitWatch.CLEAR.problem(1_000, 0));
  }

  @Test
  void failuresWithoutACommitAreReportedWithTheLastReason() {
    CommitWatch w =
        CommitWatch.CLEAR
            .failed(1_000, "cannot commit write: no leader is known on this node", 5)
            .failed(13_500, UNREACHABLE, 5);
    assertEquals(
        "cannot commit writes: 2 writes failed in the last 13 s, none committed; last: "
            + "node 2 (127.0.0.3:7373) is unreachable",
        w.problem(14_000, 5));
  }

  @Test
  void oneCommitClearsThem() {
    CommitWatch w = CommitWatch.CLEAR.failed(1_000, UNREACHABLE, 5).committed();
    assertEquals("", w.problem(1_001, 5));
    assertEquals(
        "cannot commit writes: 1 write failed in the last 0 s, none committed; last: "
            + "node 2 (127.0.0.3:7373) is unreachable",
        w.failed(2_000, UNREACHABLE, 5).problem(2_000, 5));
  }

  @Test
  void aFailureIsForgottenAfterAMinuteWithoutWrites() {
    CommitWatch w = CommitWatch.CLEAR.failed(1_000, UNREACHABLE, 5);
    assertFalse(w.problem(1_000 + CommitWatch.MEMORY_MILLIS, 5).isEmpty());
    assertEquals("", w.problem(1_001 + CommitWatch.MEMORY_MILLIS, 5));
  }

  /**
   * Operator trial (3 nodes, load 9-27): a node said "7 writes failed in the last 65 s, none
   * committed" while writes committed through the other nodes. A commit applied on this node since
   * the failures proves the cluster commits.
   */
  @Test
  void anAppliedCommitSinceTheFailuresClearsThem() {
    CommitWatch w = CommitWatch.CLEAR;
    for (int i = 0; i < 7; i++) {
      w = w.failed(1_000 + i * 9_000L, UNREACHABLE, 40);
    }
    assertFalse(w.problem(60_000, 40).isEmpty());
    assertEquals("", w.problem(60_000, 41)); // a write committed through another node
  }

  @Test
  void aFailureAfterTheIndexAdvancedOpensANewWindow() {
    CommitWatch w =
        CommitWatch.CLEAR.failed(1_000, UNREACHABLE, 40).failed(20_000, UNREACHABLE, 41);
    assertEquals(
        "cannot commit writes: 1 write failed in the last 0 s, none committed; last: "
            + "node 2 (127.0.0.3:7373) is unreachable",
        w.problem(20_000, 41));
    assertEquals("", w.problem(20_000, 42));
  }

  /**
   * A real wedge: every write of a minute fails, nothing is applied: unhealthy, in doubt or not.
   */
  @Test
  void aWedgeIsReportedInDoubtOrNot() {
    CommitWatch definite = CommitWatch.CLEAR;
    CommitWatch doubtful = CommitWatch.CLEAR;
    for (long t = 0; t <= 60_000; t += 12_000) {
      definite = definite.failed(t, UNREACHABLE, 7);
      doubtful = doubtful.failed(t, IN_DOUBT, 7);
    }
    assertEquals(
        "cannot commit writes: 6 writes failed in the last 60 s, none committed; last: "
            + "node 2 (127.0.0.3:7373) is unreachable",
        definite.problem(60_000, 7));
    assertEquals(
        "cannot commit writes: 6 writes in doubt in the last 60 s, none committed; last: no leader"
            + " answered within 11000 ms (the write is in doubt: it commits if the leader took it)",
        doubtful.problem(60_000, 7));
  }

  /** An in-doubt failure may commit late: it alone is no problem until the grace passed. */
  @Test
  void inDoubtFailuresWaitForTheGrace() {
    CommitWatch w = CommitWatch.CLEAR.failed(1_000, IN_DOUBT, 7).failed(12_000, IN_DOUBT, 7);
    assertEquals("", w.problem(12_000, 7));
    assertEquals("", w.problem(1_000 + CommitWatch.IN_DOUBT_GRACE_MILLIS - 1, 7));
    assertTrue(
        w.problem(1_000 + CommitWatch.IN_DOUBT_GRACE_MILLIS, 7)
            .startsWith("cannot commit writes: 2 writes in doubt in the last 30 s"));
    // the in-doubt writes committed late: applied
    assertEquals("", w.problem(1_000 + CommitWatch.IN_DOUBT_GRACE_MILLIS, 9));
    // a definite failure among them is reported at once, with both counts
    assertEquals(
        "cannot commit writes: 1 write failed and 2 in doubt in the last 12 s, none committed;"
            + " last: node 2 (127.0.0.3:7373) is unreachable",
        w.failed(13_000, UNREACHABLE, 7).problem(13_000, 7));
  }

  @Test
  void inDoubtFailuresAreToldApart() {
    assertTrue(CommitWatch.isInDoubt(IN_DOUBT));
    assertTrue(
        CommitWatch.isInDoubt(
            ApiError.notAcknowledged(Set.of(2), Map.of(2, "h:7373"), 10_000, true).getMessage()));
    assertFalse(
        CommitWatch.isInDoubt(
            ApiError.notAcknowledged(Set.of(2), Map.of(2, "h:7373"), 10_000).getMessage()));
    assertFalse(CommitWatch.isInDoubt(ApiError.noLeaderKnown().getMessage()));
    assertFalse(CommitWatch.isInDoubt(UNREACHABLE));
    assertFalse(CommitWatch.isInDoubt(null));
  }

  @Test
  void onlyUnavailableAnswersAboutCommitsCount() {
    assertTrue(CommitWatch.isCommitFailure(503, UNREACHABLE));
    assertTrue(CommitWatch.isCommitFailure(503, IN_DOUBT));
    assertFalse(CommitWatch.isCommitFailure(409, "key already exists"));
    assertFalse(CommitWatch.isCommitFailure(503, "audit log unavailable: the audit queue is full"));
    assertFalse(CommitWatch.isCommitFailure(400, "cannot commit write: bad"));
    assertFalse(CommitWatch.isCommitFailure(503, null));
    // this node's own journal failure is its replica health's to report (and to clear)
    assertFalse(
        CommitWatch.isCommitFailure(
            503,
            "cannot commit write: node 2 (127.0.0.3:7373) cannot journal writes: replica log is"
                + " restarting after a journal failure: No space left on device"));
  }
}
