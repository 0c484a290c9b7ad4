package io.openkms.kms.actors;

import com.fasterxml.jackson.annotation.JsonSubTypes;
import com.fasterxml.jackson.annotation.JsonTypeInfo;
import io.openkms.kms.domain.Change;
import io.openkms.persistence.Sealed;

/**
 * What a node's {@link ReplicaLog} journals. Every event is {@link Sealed}: the persistence
 * layer seals it under the node's root encryption key before it reaches the journal
 * (ARCHITECTURE §2).
 */
@JsonTypeInfo(use = JsonTypeInfo.Id.NAME, property = "t")
@JsonSubTypes({
  @JsonSubTypes.Type(value = ReplicaEvent.EntryAppended.class, name = "entry"),
  @JsonSubTypes.Type(value = ReplicaEvent.TermPromised.class, name = "promise")
})
public sealed interface ReplicaEvent extends Sealed {

  /**
   * One committed log entry: the change at position {@code index} (1-based, contiguous) assigned
   * by the leader of {@code term}.
   */
  record EntryAppended(long term, long index, Change change) implements ReplicaEvent {}

  /** This node promised not to accept entries of terms below {@code term} (ARCHITECTURE §3). */
  record TermPromised(long term) implements ReplicaEvent {}
}
