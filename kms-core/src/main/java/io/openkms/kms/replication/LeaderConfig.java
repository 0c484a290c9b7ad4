package io.openkms.kms.replication;

/**
 * Timing and size limits of a {@link LeaderStateMachine}. All durations in milliseconds of the
 * caller's clock, as carried by {@link LeaderInput.Tick}.
 *
 * @param writeTimeoutMillis how long a write may wait for every member's acknowledgement before it
 *     fails with {@link WriteOutcome.Unavailable} (docs/ARCHITECTURE.md §3 "Write path": "a bounded
 *     time (default 10 s)"); at least 1
 * @param resendIntervalMillis how long the leader waits for an answer before it re-sends a promise
 *     request, entries or a fetch request; at least 1
 * @param maxQueuedWrites how many writes may wait while the leader is still taking over; one more
 *     is refused at once with {@link WriteOutcome.NoLeader}; at least 0
 * @param maxEntriesPerMessage the most entries in one {@link ReplicaInput.Append} or {@link
 *     ReplicaInput.FetchEntries}; at least 1
 * @param maxAppendsInFlight the most appends with new entries sent to one member and not yet
 *     answered; entries assigned meanwhile wait and go out together in the member's next append
 *     (group commit: the member journals them in one write). At least 1
 * @throws IllegalArgumentException if a value is out of range
 */
public record LeaderConfig(
    long writeTimeoutMillis,
    long resendIntervalMillis,
    int maxQueuedWrites,
    int maxEntriesPerMessage,
    int maxAppendsInFlight) {

  /** The default write timeout: 10 000 ms (docs/ARCHITECTURE.md §3 "Write path"). */
  public static final long DEFAULT_WRITE_TIMEOUT_MILLIS = 10_000;

  /**
   * The default number of appends in flight per member: 2, so that a member journals one batch
   * while the next one travels, and writes that arrive meanwhile share the batch after it.
   */
  public static final int DEFAULT_APPENDS_IN_FLIGHT = 2;

  /** Validates the limits. */
  public LeaderConfig {
    if (writeTimeoutMillis < 1) {
      throw new IllegalArgumentException(
          "writeTimeoutMillis must be >= 1, was " + writeTimeoutMillis);
    }
    if (resendIntervalMillis < 1) {
      throw new IllegalArgumentException(
          "resendIntervalMillis must be >= 1, was " + resendIntervalMillis);
    }
    if (maxQueuedWrites < 0) {
      throw new IllegalArgumentException("maxQueuedWrites must be >= 0, was " + maxQueuedWrites);
    }
    if (maxEntriesPerMessage < 1) {
      throw new IllegalArgumentException(
          "maxEntriesPerMessage must be >= 1, was " + maxEntriesPerMessage);
    }
    if (maxAppendsInFlight < 1) {
      throw new IllegalArgumentException(
          "maxAppendsInFlight must be >= 1, was " + maxAppendsInFlight);
    }
  }

  /**
   * Returns the defaults: write timeout 10 000 ms, resend interval 500 ms, 1 000 queued writes, 64
   * entries per message, {@value #DEFAULT_APPENDS_IN_FLIGHT} appends in flight per member.
   *
   * @return the default configuration
   */
  public static LeaderConfig defaults() {
    return new LeaderConfig(
        DEFAULT_WRITE_TIMEOUT_MILLIS, 500, 1_000, 64, DEFAULT_APPENDS_IN_FLIGHT);
  }
}
