package io.openkms.kms.lifecycle;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class CommitWatchTest {
  private static final String UNREACHABLE =
      "cannot commit write: node 2 (127.0.0.3:7373) is unreachable";

  @Test
  void aNodeWithoutFailuresReportsNothing() {
    assertEquals("", CommitWatch.CLEAR.problem(1_000));
  }

  @Test
  void failuresWithoutACommitAreReportedWithTheLastReason() {
    CommitWatch w =
        CommitWatch.CLEAR
            .failed(1_000, "cannot commit write: no leader answered within 10000 ms")
            .failed(13_500, UNREACHABLE);
    assertEquals(
        "cannot commit writes: 2 writes failed in the last 13 s, none committed; last: "
            + "node 2 (127.0.0.3:7373) is unreachable",
        w.problem(14_000));
  }

  @Test
  void oneCommitClearsThem() {
    CommitWatch w = CommitWatch.CLEAR.failed(1_000, UNREACHABLE).committed();
    assertEquals("", w.problem(1_001));
    assertEquals(
        "cannot commit writes: 1 write failed in the last 0 s, none committed; last: "
            + "node 2 (127.0.0.3:7373) is unreachable",
        w.failed(2_000, UNREACHABLE).problem(2_000));
  }

  @Test
  void aFailureIsForgottenAfterAMinuteWithoutWrites() {
    CommitWatch w = CommitWatch.CLEAR.failed(1_000, UNREACHABLE);
    assertFalse(w.problem(1_000 + CommitWatch.MEMORY_MILLIS).isEmpty());
    assertEquals("", w.problem(1_001 + CommitWatch.MEMORY_MILLIS));
  }

  @Test
  void onlyUnavailableAnswersAboutCommitsCount() {
    assertTrue(CommitWatch.isCommitFailure(503, UNREACHABLE));
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
