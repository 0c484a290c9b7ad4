package io.openkms.kms.actors;

import io.openkms.kms.domain.KmsException;
import io.openkms.kms.domain.KmsState;
import io.openkms.persistence.Sealed;

/**
 * The durable state of one node's replica: the applied {@link KmsState}, the position of the last
 * applied entry and the highest promised term. Snapshots of it are sealed like events.
 *
 * @param kms the state after applying entries 1..lastIndex
 * @param lastTerm term of the last applied entry (0 before the first)
 * @param lastIndex index of the last applied entry: the node's commit index
 * @param promisedTerm highest term this node promised to (ARCHITECTURE §3, fencing)
 */
public record ReplicaState(KmsState kms, long lastTerm, long lastIndex, long promisedTerm)
    implements Sealed {

  /** The state of a node that has applied nothing. */
  public static ReplicaState empty() {
    return new ReplicaState(KmsState.empty(), 0, 0, 0);
  }

  /**
   * Applies one event. An entry whose change the domain rejects still advances the index: the
   * leader validated it against the same state, so every replica rejects it the same way and the
   * replicas stay equal (ARCHITECTURE §3 invariant 1).
   */
  public ReplicaState apply(ReplicaEvent event) {
    if (event instanceof ReplicaEvent.EntryAppended e) {
      KmsState next;
      try {
        next = kms.apply(e.change());
      } catch (KmsException rejected) {
        next = kms;
      }
      return new ReplicaState(next, e.term(), e.index(), Math.max(promisedTerm, e.term()));
    }
    ReplicaEvent.TermPromised p = (ReplicaEvent.TermPromised) event;
    return new ReplicaState(kms, lastTerm, lastIndex, Math.max(promisedTerm, p.term()));
  }
}
