package io.openkms.kms.replication;

import java.util.List;

/**
 * The inputs of a {@link ReplicaStateMachine}: three messages from a leader, the out-of-band {@link
 * MembershipChanged}, and {@link RemovalConfirmed} (a node in doubt about its own removal learned
 * from its members that it committed).
 *
 * @param <C> the replicated command type
 */
public sealed interface ReplicaInput<C>
    permits Message.ToReplica, MembershipChanged, RemovalConfirmed {

  /**
   * A candidate leader asks for the promise not to accept entries of terms below {@code term}
   * (docs/ARCHITECTURE.md §3 "Terms and takeover").
   *
   * @param candidateId the node id of the candidate leader, at least 0
   * @param term the candidate's term, at least 1
   * @param <C> the replicated command type
   * @throws IllegalArgumentException if a value is out of range
   */
  record Promise<C>(int candidateId, long term) implements Message.ToReplica<C> {

    /** Validates the message. */
    public Promise {
      requireNodeId(candidateId, "candidateId");
      if (term < 1) {
        throw new IllegalArgumentException("term must be >= 1, was " + term);
      }
    }
  }

  /**
   * The leader sends log entries (docs/ARCHITECTURE.md §3 "Write path": the leader "sends it to the
   * replica log of every KMS member"). An empty {@code entries} list is a probe that only asks for
   * the replica's last index.
   *
   * @param leaderId the node id of the leader, at least 0
   * @param term the leader's term, at least 1
   * @param prevIndex the index just before the first entry (0 when the entries start the log)
   * @param prevTerm the term of the entry at {@code prevIndex} (0 exactly when {@code prevIndex} is
   *     0)
   * @param entries contiguous entries starting at {@code prevIndex + 1}, with terms not below
   *     {@code prevTerm}, never decreasing, and not above {@code term}
   * @param commitIndex the leader's commit index (0 while it takes over): lets the replica confirm
   *     the removals it applied ({@link HardState#unconfirmedRemovals()})
   * @param <C> the replicated command type
   * @throws IllegalArgumentException if the indexes or terms are inconsistent
   */
  record Append<C>(
      int leaderId,
      long term,
      long prevIndex,
      long prevTerm,
      List<Entry<C>> entries,
      long commitIndex)
      implements Message.ToReplica<C> {

    /** Validates the message and copies the entry list. */
    public Append {
      requireNodeId(leaderId, "leaderId");
      if (commitIndex < 0) {
        throw new IllegalArgumentException("commitIndex must be >= 0, was " + commitIndex);
      }
      if (term < 1) {
        throw new IllegalArgumentException("term must be >= 1, was " + term);
      }
      if (prevIndex < 0 || prevTerm < 0 || (prevIndex == 0) != (prevTerm == 0)) {
        throw new IllegalArgumentException(
            "inconsistent prevIndex " + prevIndex + " / prevTerm " + prevTerm);
      }
      if (prevTerm > term) {
        throw new IllegalArgumentException("prevTerm " + prevTerm + " above term " + term);
      }
      entries = List.copyOf(entries);
      long expected = prevIndex + 1;
      long lowestTerm = prevTerm;
      for (Entry<C> entry : entries) {
        if (entry.index() != expected) {
          throw new IllegalArgumentException(
              "entries must be contiguous: expected index " + expected + ", got " + entry.index());
        }
        if (entry.term() < lowestTerm || entry.term() > term) {
          throw new IllegalArgumentException(
              "entry "
                  + entry.index()
                  + " has term "
                  + entry.term()
                  + " outside ["
                  + lowestTerm
                  + ", "
                  + term
                  + "]");
        }
        lowestTerm = entry.term();
        expected++;
      }
    }
  }

  /**
   * A new leader pulls entries it lacks from a member that has them (docs/ARCHITECTURE.md §3 "Terms
   * and takeover": the leader "completes entries that some members have and others lack"). The
   * replica answers with at most the entries it has persisted in {@code [fromIndex, toIndex]}.
   *
   * @param leaderId the node id of the asking leader, at least 0
   * @param term the asking leader's term, at least 1 (echoed in the answer)
   * @param fromIndex the first index wanted, at least 1
   * @param toIndex the last index wanted, at least {@code fromIndex}
   * @param <C> the replicated command type
   * @throws IllegalArgumentException if a value is out of range
   */
  record FetchEntries<C>(int leaderId, long term, long fromIndex, long toIndex)
      implements Message.ToReplica<C> {

    /** Validates the message. */
    public FetchEntries {
      requireNodeId(leaderId, "leaderId");
      if (term < 1) {
        throw new IllegalArgumentException("term must be >= 1, was " + term);
      }
      if (fromIndex < 1 || toIndex < fromIndex) {
        throw new IllegalArgumentException("bad range [" + fromIndex + ", " + toIndex + "]");
      }
    }
  }

  /** Rejects negative node ids. */
  private static void requireNodeId(int id, String name) {
    if (id < 0) {
      throw new IllegalArgumentException(name + " must be >= 0, was " + id);
    }
  }
}
