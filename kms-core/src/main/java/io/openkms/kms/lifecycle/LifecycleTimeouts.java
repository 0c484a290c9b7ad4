package io.openkms.kms.lifecycle;

/**
 * Every timeout of the node lifecycle machines in one place: {@link NodeJoin} (adding a node),
 * {@link Readmission} (probing unreachable members that may have come back fresh), {@link
 * ClusterWatch} (starting, joining and restarting the clustered actor system) and {@link
 * ReplicaHealth} (restarting the replica log after a journal failure). All values are milliseconds
 * of the clock the caller feeds the machines. {@link #DEFAULTS} holds the values the product runs
 * with; the actor shells pass them in ({@code ClusterSettings}), the seeded simulation varies some
 * per seed. They are internal, not operator settings: docs/CONFIGURATION.md §5 lists them with the
 * bounds that depend on them (the {@code CLUSTER:ADDNODE} bound of 100 s covers {@link
 * #joinMillis()} + {@link #installMillis()} plus slack).
 *
 * @param joinMillis {@link NodeJoin}: bound on adding a node, from the request until the install of
 *     the state starts (default 30 000: above a stuck termination of the joining node's one-node
 *     system, {@link #terminateMillis()} twice, plus its join)
 * @param installMillis {@link NodeJoin}: bound on installing the state on the joining node (default
 *     30 000)
 * @param readmissionProbeAfterMillis {@link Readmission}: how long a member stays unreachable
 *     before the leader asks it who it is (default 2 000)
 * @param readmissionProbeIntervalMillis {@link Readmission}: interval between two probes of a
 *     member that stays unreachable (default 3 000)
 * @param systemJoinMillis {@link ClusterWatch}: bound on one join attempt of the clustered system
 *     (and on a downed system) before it is restarted (default 30 000, as {@link #joinMillis()})
 * @param terminateMillis {@link ClusterWatch}: bound on a clustered system's termination before the
 *     supervisor abandons it and releases its port, which it waits for as long again (default 8
 *     000: Artery's stuck shutdown, CoordinatedShutdown's 10 s phase timeout, made every join of a
 *     node that left a one-node cluster miss a 20 s bound about once in a few CI runs)
 * @param checkMillis {@link ClusterWatch}: how often the supervisor looks at a joining or running
 *     system (default 1 000)
 * @param unreachableMillis {@link ClusterWatch}: how long a member may stay unreachable from an Up
 *     system before it is asked whether it still counts this node in (default 15 000)
 * @param probeTimeoutMillis {@link ClusterWatch}: bound on one status probe of another member
 *     (default 3 000)
 * @param unreachableProbeMillis {@link ClusterWatch}: interval between two probes of members that
 *     stay unreachable (default 5 000)
 * @param restartDelayMillis {@link ClusterWatch}: how long after a system stopped by itself a new
 *     one starts (default 2 000)
 * @param minBackoffMillis {@link ReplicaHealth}: first restart delay after a journal failure
 *     (default 200)
 * @param maxBackoffMillis {@link ReplicaHealth}: longest restart delay (default 5 000)
 * @param resetBackoffAfterMillis {@link ReplicaHealth}: quiet time after which the restart delay
 *     falls back to the minimum and a new failure opens a new episode (default 30 000)
 * @param stableAfterMillis {@link ReplicaHealth}: how long a restarted replica must go without a
 *     failure to count as healthy without a successful write (default 3 000)
 * @param repeatLogMillis {@link ReplicaHealth}: least time between two log lines about the same
 *     failure episode (default 30 000)
 */
public record LifecycleTimeouts(
    long joinMillis,
    long installMillis,
    long readmissionProbeAfterMillis,
    long readmissionProbeIntervalMillis,
    long systemJoinMillis,
    long terminateMillis,
    long checkMillis,
    long unreachableMillis,
    long probeTimeoutMillis,
    long unreachableProbeMillis,
    long restartDelayMillis,
    long minBackoffMillis,
    long maxBackoffMillis,
    long resetBackoffAfterMillis,
    long stableAfterMillis,
    long repeatLogMillis) {

  /** The values the product runs with (see each component). */
  public static final LifecycleTimeouts DEFAULTS =
      new LifecycleTimeouts(
          30_000, 30_000, 2_000, 3_000, 30_000, 8_000, 1_000, 15_000, 3_000, 5_000, 2_000, 200,
          5_000, 30_000, 3_000, 30_000);

  /**
   * Validates the values.
   *
   * @throws IllegalArgumentException if a value is not positive, or {@code minBackoffMillis >
   *     maxBackoffMillis}
   */
  public LifecycleTimeouts {
    long[] values = {
      joinMillis,
      installMillis,
      readmissionProbeAfterMillis,
      readmissionProbeIntervalMillis,
      systemJoinMillis,
      terminateMillis,
      checkMillis,
      unreachableMillis,
      probeTimeoutMillis,
      unreachableProbeMillis,
      restartDelayMillis,
      minBackoffMillis,
      maxBackoffMillis,
      resetBackoffAfterMillis,
      stableAfterMillis,
      repeatLogMillis
    };
    for (long value : values) {
      if (value <= 0) {
        throw new IllegalArgumentException("lifecycle timeouts must be positive: " + value);
      }
    }
    if (minBackoffMillis > maxBackoffMillis) {
      throw new IllegalArgumentException(
          "minBackoffMillis " + minBackoffMillis + " > maxBackoffMillis " + maxBackoffMillis);
    }
  }

  /** These timeouts with the replica's restart rules replaced (see the components). */
  public LifecycleTimeouts withReplicaHealth(
      long minBackoffMillis,
      long maxBackoffMillis,
      long resetBackoffAfterMillis,
      long stableAfterMillis,
      long repeatLogMillis) {
    return new LifecycleTimeouts(
        joinMillis,
        installMillis,
        readmissionProbeAfterMillis,
        readmissionProbeIntervalMillis,
        systemJoinMillis,
        terminateMillis,
        checkMillis,
        unreachableMillis,
        probeTimeoutMillis,
        unreachableProbeMillis,
        restartDelayMillis,
        minBackoffMillis,
        maxBackoffMillis,
        resetBackoffAfterMillis,
        stableAfterMillis,
        repeatLogMillis);
  }

  /** These timeouts with the join bounds of {@link NodeJoin} replaced. */
  public LifecycleTimeouts withJoin(long joinMillis, long installMillis) {
    return new LifecycleTimeouts(
        joinMillis,
        installMillis,
        readmissionProbeAfterMillis,
        readmissionProbeIntervalMillis,
        systemJoinMillis,
        terminateMillis,
        checkMillis,
        unreachableMillis,
        probeTimeoutMillis,
        unreachableProbeMillis,
        restartDelayMillis,
        minBackoffMillis,
        maxBackoffMillis,
        resetBackoffAfterMillis,
        stableAfterMillis,
        repeatLogMillis);
  }
}
