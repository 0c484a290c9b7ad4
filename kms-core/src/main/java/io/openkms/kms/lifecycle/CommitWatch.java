package io.openkms.kms.lifecycle;

import java.util.Objects;

/**
 * Whether a node's writes commit (issue 12: {@code minkms stat} said every node was healthy while
 * no write could commit). Pure and immutable: the caller feeds the outcome of each client write
 * this node took, with milliseconds of a monotonic clock, and publishes the result.
 *
 * <p>Only failures to commit count: 503 answers whose message starts with {@value #COMMIT_FAILURE}
 * (no leader, a member that did not acknowledge or is unreachable), but not this node's own journal
 * failure, which its replica health reports. A refused write (4xx) says nothing about commits. The
 * node reports a problem when at least one write failed to commit, none committed since the first
 * such failure, and the last failure is at most {@link #MEMORY_MILLIS} old, so a node that stops
 * taking writes is not reported for ever after one failure. One committed write clears it.
 *
 * @param failingSinceMillis clock value of the first commit failure since the last commit; -1 when
 *     none
 * @param lastFailureMillis clock value of the latest commit failure; -1 when none
 * @param failures commit failures since the last commit
 * @param reason the latest failure's message ({@code ""} when none)
 */
public record CommitWatch(
    long failingSinceMillis, long lastFailureMillis, long failures, String reason) {

  /** Prefix of every commit failure's message ({@code ApiError}). */
  public static final String COMMIT_FAILURE = "cannot commit write: ";

  /** How long a commit failure is reported without a later write (60 000 ms). */
  public static final long MEMORY_MILLIS = 60_000;

  /** Checks the reason. */
  public CommitWatch {
    Objects.requireNonNull(reason, "reason");
  }

  /** A node that has seen no failure. */
  public static final CommitWatch CLEAR = new CommitWatch(-1, -1, 0, "");

  /**
   * Marks the failure of a write refused because this node's own replica cannot journal ({@code
   * ApiError.cannotJournal}): the replica's health reports that, and clears it once the journal
   * works again, so it is no commit failure here (else a node would stay unhealthy for a minute
   * after its disk was freed).
   */
  static final String OWN_JOURNAL = " cannot journal writes: ";

  /**
   * True for a write failure that is a failure to commit (HTTP status and message), not one of this
   * node's journal ({@link #OWN_JOURNAL}).
   */
  public static boolean isCommitFailure(int status, String message) {
    return status == 503
        && message != null
        && message.startsWith(COMMIT_FAILURE)
        && !message.contains(OWN_JOURNAL);
  }

  /** A write committed: nothing to report. */
  public CommitWatch committed() {
    return CLEAR;
  }

  /** A write failed to commit at {@code nowMillis} with {@code message}. */
  public CommitWatch failed(long nowMillis, String message) {
    String why =
        message.startsWith(COMMIT_FAILURE) ? message.substring(COMMIT_FAILURE.length()) : message;
    return new CommitWatch(
        failingSinceMillis < 0 ? nowMillis : failingSinceMillis, nowMillis, failures + 1, why);
  }

  /**
   * What to report at {@code nowMillis}: {@code ""} when writes commit, or {@code cannot commit
   * writes: <n> failed in the last <s> s, none committed; last: <reason>}.
   */
  public String problem(long nowMillis) {
    if (failures == 0 || nowMillis - lastFailureMillis > MEMORY_MILLIS) {
      return "";
    }
    long seconds = Math.max(0, (nowMillis - failingSinceMillis) / 1000);
    return "cannot commit writes: "
        + failures
        + (failures == 1 ? " write" : " writes")
        + " failed in the last "
        + seconds
        + " s, none committed; last: "
        + reason;
  }
}
