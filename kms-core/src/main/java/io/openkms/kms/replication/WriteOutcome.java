package io.openkms.kms.replication;

import java.util.Set;

/** How a client write ended (the payload of a {@link Reply}). */
public sealed interface WriteOutcome
    permits WriteOutcome.Committed, WriteOutcome.Unavailable, WriteOutcome.NoLeader {

  /**
   * Every member persisted and applied the write at {@code index}: the client gets success
   * (docs/ARCHITECTURE.md §3 "Write path": write quorum N of N).
   *
   * @param index the log index of the write
   */
  record Committed(long index) implements WriteOutcome {}

  /**
   * The write failed with 503 because the listed members did not acknowledge within {@link
   * LeaderConfig#writeTimeoutMillis()} or are known to be unreachable (docs/ARCHITECTURE.md §3
   * "Write path": "a message that names the unreachable nodes").
   *
   * <p>If {@code assignedIndex} is 0 nothing was written. Otherwise the write is in doubt: its
   * entry stays in the log at {@code assignedIndex} and the leader (or the next one) keeps
   * re-sending it until every member has it, so it becomes visible everywhere without a retry.
   *
   * @param unreachableMemberIds the members that hold it back, not empty
   * @param assignedIndex the log index given to the write, or 0 if none was
   */
  record Unavailable(Set<Integer> unreachableMemberIds, long assignedIndex)
      implements WriteOutcome {

    /** Validates and copies the set. */
    public Unavailable {
      unreachableMemberIds = Sets.sortedCopy(unreachableMemberIds);
      if (unreachableMemberIds.isEmpty()) {
        throw new IllegalArgumentException("unreachableMemberIds must not be empty");
      }
      if (assignedIndex < 0) {
        throw new IllegalArgumentException("assignedIndex must be >= 0, was " + assignedIndex);
      }
    }
  }

  /**
   * This leader cannot take the write, retryable with the next leader: it stepped down, it is still
   * taking over and its queue is full, or its member set is empty (nobody would hold the entry).
   * {@code assignedIndex} has the meaning of {@link Unavailable#assignedIndex()}: 0 means nothing
   * was written; otherwise the entry is in doubt and the next leader completes it if any member
   * persisted it.
   *
   * @param assignedIndex the log index given to the write, or 0 if none was
   */
  record NoLeader(long assignedIndex) implements WriteOutcome {

    /** Validates the value. */
    public NoLeader {
      if (assignedIndex < 0) {
        throw new IllegalArgumentException("assignedIndex must be >= 0, was " + assignedIndex);
      }
    }
  }
}
