package io.openkms.kms.lifecycle;

import java.util.Objects;

/**
 * The supervision rules of a node's replica log (issue 12, "Supervision"): how a journal failure is
 * restarted, when the replica counts as healthy, and what is logged. Pure: time arrives as
 * milliseconds of a monotonic clock passed to every input; the caller (the replica's actor)
 * executes the decisions and publishes {@link #status}.
 *
 * <h2>Restart policy</h2>
 *
 * A failed journal write or recovery (a JDBC call timeout after the process was paused, H2's {@code
 * No space left on device}, a closed database) restarts the replica, which recovers from its
 * journal; the leader re-sends what it lacks. Restarts back off exponentially from {@link
 * LifecycleTimeouts#minBackoffMillis()} (200 ms by default) to {@link
 * LifecycleTimeouts#maxBackoffMillis()} (5 000 ms) ({@link #backoffMillis}), with a random factor
 * of {@value #RANDOM_FACTOR}; the delay falls back to the minimum after {@link
 * LifecycleTimeouts#resetBackoffAfterMillis()} (30 000 ms) without a failure. So a store that works
 * again is used again within the longest delay plus one recovery.
 *
 * <h2>Health</h2>
 *
 * <ul>
 *   <li>{@code STARTING}: recovering from the journal for the first time: not healthy.
 *   <li>{@code RUNNING}: recovered, no failure open (or a journal write succeeded since): healthy.
 *   <li>{@code FAILED}: restarting after a failure (the reason names it): not healthy.
 *   <li>{@code RESTARTED}: recovered after a failure: healthy once a journal write succeeds or
 *       {@link LifecycleTimeouts#stableAfterMillis()} (3 000 ms) passed without another failure (a
 *       full disk fails the next write again at once, and the replica must not look healthy in
 *       between).
 * </ul>
 *
 * Only a healthy replica lets its node accept writes ({@code /v1/health/ready?write}); its status
 * carries the reason otherwise ({@code minkms stat}).
 *
 * <h2>Logging</h2>
 *
 * One ERROR line (no stack trace) when a failure opens an episode; further failures of the same
 * episode give at most one WARN line every {@link LifecycleTimeouts#repeatLogMillis()} (30 000 ms);
 * the episode closes with one INFO line when a journal write succeeds again. A failure more than
 * {@link LifecycleTimeouts#resetBackoffAfterMillis()} after the previous one opens a new episode.
 */
public final class ReplicaHealth {

  /** Random spread of each restart delay (0.2: up to 20 % longer). */
  public static final double RANDOM_FACTOR = 0.2;

  /** The replica's lifecycle state. */
  public enum State {
    /** Recovering from the journal for the first time. */
    STARTING,
    /** Recovered; no failure open, or a write succeeded since. */
    RUNNING,
    /** Restarting after a failure. */
    FAILED,
    /** Recovered after a failure; healthy once a write succeeds or it stays quiet long enough. */
    RESTARTED
  }

  /**
   * What a node reports about its replica (immutable: safe to publish to other threads).
   *
   * @param state the state
   * @param reason why it is not healthy ({@code ""} when running)
   * @param failures failures in the current episode (0: none open)
   * @param sinceMillis clock value of the last state change
   * @param healthyFromMillis for {@code RESTARTED}: the clock value from which it counts as healthy
   *     without a successful write
   */
  public record Status(
      State state, String reason, int failures, long sinceMillis, long healthyFromMillis) {

    /** True if the replica takes writes at {@code nowMillis}. */
    public boolean healthy(long nowMillis) {
      return state == State.RUNNING || (state == State.RESTARTED && nowMillis >= healthyFromMillis);
    }

    /** Why the replica does not take writes at {@code nowMillis}; empty if it does. */
    public String problem(long nowMillis) {
      return healthy(nowMillis) ? "" : reason;
    }
  }

  /** A decision to log one line. */
  public enum Level {
    NONE,
    INFO,
    WARN,
    ERROR
  }

  /**
   * What to log after an input.
   *
   * @param level the level ({@code NONE}: nothing)
   * @param line the text
   */
  public record Log(Level level, String line) {
    static final Log NONE = new Log(Level.NONE, "");
  }

  private final LifecycleTimeouts timeouts;
  private boolean recovered;
  private boolean running;
  private int failures;
  private boolean recoveryLogged;
  private long episodeStart;
  private long lastFailureAt;
  private long lastLoggedAt;
  private String reason = "";
  private long sinceMillis;

  /**
   * A replica that starts recovering at {@code nowMillis} ({@code STARTING}).
   *
   * @param timeouts the restart, health and logging delays ({@link LifecycleTimeouts#DEFAULTS} in
   *     the product)
   * @param nowMillis the clock
   */
  public ReplicaHealth(LifecycleTimeouts timeouts, long nowMillis) {
    this.timeouts = Objects.requireNonNull(timeouts, "timeouts");
    this.sinceMillis = nowMillis;
  }

  /** The timeouts this machine runs with. */
  public LifecycleTimeouts timeouts() {
    return timeouts;
  }

  /**
   * The restart delay before the {@code n}-th consecutive restart (1-based), without the random
   * spread: {@link LifecycleTimeouts#minBackoffMillis()} doubled each time, at most {@link
   * LifecycleTimeouts#maxBackoffMillis()}.
   */
  public long backoffMillis(int n) {
    long delay = timeouts.minBackoffMillis();
    for (int i = 1; i < n && delay < timeouts.maxBackoffMillis(); i++) {
      delay *= 2;
    }
    return Math.min(delay, timeouts.maxBackoffMillis());
  }

  /**
   * The journal failed (a write, a recovery): the replica restarts.
   *
   * @param nowMillis the clock
   * @param what what failed, e.g. {@code "journal write"}
   * @param cause the failure's message chain (one line)
   * @return the line to log
   */
  public Log failed(long nowMillis, String what, String cause) {
    boolean newEpisode =
        failures == 0 || nowMillis - lastFailureAt > timeouts.resetBackoffAfterMillis();
    if (newEpisode) {
      failures = 0;
      episodeStart = nowMillis;
      recoveryLogged = false;
    }
    failures++;
    running = false;
    lastFailureAt = nowMillis;
    reason = what + " failed: " + cause;
    sinceMillis = nowMillis;
    long delay = backoffMillis(failures);
    if (newEpisode) {
      lastLoggedAt = nowMillis;
      return new Log(
          Level.ERROR,
          "replica log stopped: "
              + reason
              + "; restarting it from its"
              + " journal in "
              + delay
              + " ms; this node refuses writes until it runs again");
    }
    if (nowMillis - lastLoggedAt >= timeouts.repeatLogMillis()) {
      lastLoggedAt = nowMillis;
      return new Log(
          Level.WARN,
          "replica log still failing ("
              + failures
              + " failures in "
              + (nowMillis - episodeStart)
              + " ms): "
              + reason
              + "; next restart in "
              + delay
              + " ms");
    }
    return Log.NONE;
  }

  /**
   * The replica recovered from its journal and runs.
   *
   * @param nowMillis the clock
   * @return the line to log
   */
  public Log recovered(long nowMillis) {
    recovered = true;
    running = true;
    sinceMillis = nowMillis;
    if (failures == 0 || recoveryLogged) {
      return Log.NONE;
    }
    recoveryLogged = true;
    return new Log(
        Level.INFO,
        "replica log restarted from its journal after "
            + failures
            + (failures == 1 ? " failure" : " failures")
            + "; it takes writes once one succeeds");
  }

  /**
   * A journal write succeeded: the episode (if any) is over.
   *
   * @param nowMillis the clock
   * @return the line to log
   */
  public Log persisted(long nowMillis) {
    if (failures == 0 || !running) {
      return Log.NONE;
    }
    Log log =
        new Log(
            Level.INFO,
            "replica log writes its journal again after "
                + failures
                + (failures == 1 ? " failure" : " failures")
                + " in "
                + (nowMillis - episodeStart)
                + " ms");
    failures = 0;
    reason = "";
    sinceMillis = nowMillis;
    return log;
  }

  /** The status now (see the class documentation, "Health"). */
  public Status status() {
    if (!recovered && failures == 0) {
      return new Status(
          State.STARTING, "replica log is recovering from its journal", 0, sinceMillis, 0);
    }
    if (!running) {
      return new Status(
          State.FAILED,
          "replica log is restarting after a journal failure: " + reason,
          failures,
          sinceMillis,
          0);
    }
    if (failures > 0) {
      return new Status(
          State.RESTARTED,
          "replica log restarted after a journal failure: " + reason,
          failures,
          sinceMillis,
          lastFailureAt + timeouts.stableAfterMillis());
    }
    return new Status(State.RUNNING, "", failures, sinceMillis, 0);
  }
}
