package io.openkms.kms.actors;

import com.fasterxml.jackson.annotation.JsonSubTypes;
import com.fasterxml.jackson.annotation.JsonTypeInfo;
import io.openkms.kms.domain.Change;
import io.openkms.kms.domain.KmsState;
import io.openkms.persistence.Sealed;
import java.util.Map;
import java.util.Set;

/**
 * What a node's {@link ReplicaLog} journals. Every event is {@link Sealed}: the persistence layer
 * seals it under the node's root encryption key before it reaches the journal (docs/ARCHITECTURE.md
 * §2). The events are the durable side of {@link io.openkms.kms.replication.ReplicaStateMachine}:
 * its hard state and its log, plus the two things that replace them from outside the log (a
 * snapshot installed on a joining node, an out-of-band {@code edit --rm}).
 */
@JsonTypeInfo(use = JsonTypeInfo.Id.NAME, property = "t")
@JsonSubTypes({
  @JsonSubTypes.Type(value = ReplicaEvent.EntryAppended.class, name = "entry"),
  @JsonSubTypes.Type(value = ReplicaEvent.TermPromised.class, name = "promise"),
  @JsonSubTypes.Type(value = ReplicaEvent.HardStateSaved.class, name = "hard-state"),
  @JsonSubTypes.Type(value = ReplicaEvent.SnapshotInstalled.class, name = "snapshot"),
  @JsonSubTypes.Type(value = ReplicaEvent.MembersEdited.class, name = "edit")
})
public sealed interface ReplicaEvent extends Sealed {

  /**
   * One log entry: the change at position {@code index} (1-based, contiguous) assigned by the
   * leader of {@code term}; for {@link Change.AddNode} {@code addedNodeId} is the new node's id
   * (else {@link LogCommand#NO_NODE}).
   */
  record EntryAppended(long term, long index, Change change, int addedNodeId)
      implements ReplicaEvent {

    /** The entry's command. */
    public LogCommand command() {
      return new LogCommand(change, addedNodeId);
    }
  }

  /**
   * This node promised not to accept entries of terms below {@code term} (docs/ARCHITECTURE.md §3).
   * Written by single-node builds before replication; read for compatibility.
   */
  record TermPromised(long term) implements ReplicaEvent {}

  /**
   * The replica's hard state ({@link io.openkms.kms.replication.HardState}): the promised term, the
   * node it was promised to, whether this node applied its own removal, the ids removed out of band
   * and the removals it still has to see committed.
   */
  record HardStateSaved(
      long promisedTerm,
      int promisedTo,
      boolean removed,
      Set<Integer> evictedIds,
      Map<Integer, Long> unconfirmedRemovals)
      implements ReplicaEvent {}

  /**
   * A joining node replaced its own bootstrap state by the cluster's state at {@code lastIndex}
   * (docs/ARCHITECTURE.md §3 "Joining": snapshot, then log), became node {@code selfId} and
   * promised {@code promisedTerm} to the leader {@code promisedTo}.
   */
  record SnapshotInstalled(
      int selfId, KmsState kms, long lastTerm, long lastIndex, long promisedTerm, int promisedTo)
      implements ReplicaEvent {}

  /**
   * {@code minkms edit --rm}: the ids left this node's cluster definition without a log entry
   * (docs/REFERENCE.md §4 "Removal").
   */
  record MembersEdited(Set<Integer> removedIds) implements ReplicaEvent {}
}
