package io.openkms.kms.lifecycle;

import io.openkms.kms.domain.ApiError;
import java.util.Objects;

/**
 * Whether a node's writes commit (issue 12: {@code minkms stat} said every node was healthy while
 * no write could commit). Pure and immutable: the caller feeds the outcome of each client write
 * this node took, with milliseconds of a monotonic clock and this node's applied commit index
 * ({@code KmsState.commitIndex}, number of changes applied), and publishes the result.
 *
 * <p>Only failures to commit count: 503 answers whose message starts with {@value #COMMIT_FAILURE}
 * (no leader, a member that did not acknowledge or is unreachable), but not this node's own journal
 * failure, which its replica health reports. A refused write (4xx) says nothing about commits.
 *
 * <p>A failure is <b>definite</b> (the write was not written: no leader known, a member
 * unreachable, a takeover that timed out) or <b>in doubt</b> (its message carries {@link
 * ApiError#IN_DOUBT}: it was sent and its answer timed out, it may still commit). The node reports
 * a problem when, since the first failure of the current window, none of its writes committed and
 * its applied commit index did not advance (a commit of any write, through any node, proves the
 * cluster commits: operator trial on 3 nodes at load 9-27, where a node said {@code 7 writes failed
 * in the last 65 s, none committed} while writes committed through the others and its in-doubt ones
 * committed late), and the last failure is at most {@link #MEMORY_MILLIS} old (a node that stops
 * taking writes is not reported for ever). A definite failure is reported at once; in-doubt
 * failures alone only once no commit was applied for {@link #IN_DOUBT_GRACE_MILLIS} after the first
 * of them. A failure recorded after the index advanced opens a new window. One committed write
 * clears it.
 *
 * @param failingSinceMillis clock value of the first commit failure of the window; -1 when none
 * @param lastFailureMillis clock value of the latest commit failure; -1 when none
 * @param failures definite commit failures in the window
 * @param inDoubt in-doubt commit failures in the window
 * @param commitIndex this node's applied commit index when the window opened; -1 when none
 * @param reason the latest failure's message without {@value #COMMIT_FAILURE} ({@code ""} when
 *     none)
 */
public record CommitWatch(
    long failingSinceMillis,
    long lastFailureMillis,
    long failures,
    long inDoubt,
    long commitIndex,
    String reason) {

  /** Prefix of every commit failure's message ({@code ApiError}). */
  public static final String COMMIT_FAILURE = "cannot commit write: ";

  /** How long a commit failure is reported without a later write (60 000 ms). */
  public static final long MEMORY_MILLIS = 60_000;

  /**
   * How long in-doubt failures alone wait for an applied commit before they are reported (30 000
   * ms: three write timeouts; a late commit of an in-doubt write comes within one).
   */
  public static final long IN_DOUBT_GRACE_MILLIS = 30_000;

  /** Checks the reason. */
  public CommitWatch {
    Objects.requireNonNull(reason, "reason");
  }

  /** A node that has seen no failure. */
  public static final CommitWatch CLEAR = new CommitWatch(-1, -1, 0, 0, -1, "");

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

  /** True for a failure whose write may still commit ({@link ApiError#IN_DOUBT} in its message). */
  public static boolean isInDoubt(String message) {
    return message != null && message.contains(ApiError.IN_DOUBT);
  }

  /** A write committed: nothing to report. */
  public CommitWatch committed() {
    return CLEAR;
  }

  /**
   * A write failed to commit at {@code nowMillis} with {@code message} while this node's applied
   * commit index was {@code appliedIndex}; a window whose index is below it is closed first.
   */
  public CommitWatch failed(long nowMillis, String message, long appliedIndex) {
    CommitWatch open = (failures + inDoubt > 0 && appliedIndex > commitIndex) ? CLEAR : this;
    String why =
        message.startsWith(COMMIT_FAILURE) ? message.substring(COMMIT_FAILURE.length()) : message;
    boolean doubt = isInDoubt(message);
    return new CommitWatch(
        open.failingSinceMillis < 0 ? nowMillis : open.failingSinceMillis,
        nowMillis,
        open.failures + (doubt ? 0 : 1),
        open.inDoubt + (doubt ? 1 : 0),
        open.commitIndex < 0 ? appliedIndex : open.commitIndex,
        why);
  }

  /**
   * What to report at {@code nowMillis} with this node's applied commit index {@code appliedIndex}:
   * {@code ""} when writes commit, or {@code cannot commit writes: <n> writes failed[ and <m> in
   * doubt] in the last <s> s, none committed; last: <reason>} ({@code <m> writes in doubt} without
   * definite failures).
   */
  public String problem(long nowMillis, long appliedIndex) {
    if (failures + inDoubt == 0
        || nowMillis - lastFailureMillis > MEMORY_MILLIS
        || appliedIndex > commitIndex
        || (failures == 0 && nowMillis - failingSinceMillis < IN_DOUBT_GRACE_MILLIS)) {
      return "";
    }
    long seconds = Math.max(0, (nowMillis - failingSinceMillis) / 1000);
    String counts =
        failures == 0
            ? inDoubt + (inDoubt == 1 ? " write" : " writes") + " in doubt"
            : failures
                + (failures == 1 ? " write" : " writes")
                + " failed"
                + (inDoubt == 0 ? "" : " and " + inDoubt + " in doubt");
    return "cannot commit writes: "
        + counts
        + " in the last "
        + seconds
        + " s, none committed; last: "
        + reason;
  }
}
