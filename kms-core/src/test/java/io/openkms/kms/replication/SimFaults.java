package io.openkms.kms.replication;

/**
 * The fault mix of a {@link SimulatedCluster} walk: the weights of its random steps (out of their
 * sum) and the fate of a delivered message (percent).
 */
record SimFaults(
    int deliver,
    int tick,
    int write,
    int failureDetector,
    int crash,
    int restart,
    int partition,
    int heal,
    int newLeader,
    int removeInLog,
    int removeOutOfBand,
    int addInLog,
    int spuriousUnreachable,
    int wipe,
    int journalFailure,
    int dropPercent,
    int duplicatePercent) {

  /** Everything goes wrong often. */
  static final SimFaults HOSTILE =
      new SimFaults(520, 140, 140, 40, 20, 40, 20, 30, 20, 10, 5, 10, 15, 5, 10, 8, 6);

  /** Rare faults: long logs, many commits, catch-up in batches. */
  static final SimFaults CALM =
      new SimFaults(600, 120, 200, 20, 3, 20, 3, 20, 3, 3, 1, 3, 2, 1, 2, 2, 2);

  int total() {
    return deliver
        + tick
        + write
        + failureDetector
        + crash
        + restart
        + partition
        + heal
        + newLeader
        + removeInLog
        + removeOutOfBand
        + addInLog
        + spuriousUnreachable
        + wipe
        + journalFailure;
  }
}
