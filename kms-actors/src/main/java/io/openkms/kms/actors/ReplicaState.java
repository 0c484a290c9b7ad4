package io.openkms.kms.actors;

import io.openkms.kms.domain.KmsException;
import io.openkms.kms.domain.KmsState;
import io.openkms.kms.domain.Membership;
import io.openkms.kms.replication.HardState;
import io.openkms.persistence.Sealed;
import java.util.Map;
import java.util.Set;
import java.util.SortedSet;
import java.util.TreeSet;

/**
 * The durable state of one node's replica: the applied {@link KmsState}, the position of the last
 * applied entry and the replica's hard state (docs/ARCHITECTURE.md §3). Snapshots of it are sealed
 * like events.
 *
 * @param kms the state after applying entries 1..lastIndex (and any out-of-band edit)
 * @param lastTerm term of the last applied entry (0 before the first)
 * @param lastIndex index of the last applied entry: the node's commit index
 * @param promisedTerm highest term this node promised (docs/ARCHITECTURE.md §3, fencing)
 * @param promisedTo the node the term was promised to ({@link HardState#NO_NODE} when none)
 * @param removed true once this node applied its own removal: it applies and serves nothing more
 *     (invariant 5)
 * @param selfId this node's id: 0 for a node that bootstrapped its own cluster, the id given by the
 *     leader for a node that joined one
 * @param evictedIds ids removed out of band ({@link HardState#evictedIds()})
 * @param unconfirmedRemovals removals to confirm ({@link HardState#unconfirmedRemovals()})
 */
public record ReplicaState(
    KmsState kms,
    long lastTerm,
    long lastIndex,
    long promisedTerm,
    int promisedTo,
    boolean removed,
    int selfId,
    Set<Integer> evictedIds,
    Map<Integer, Long> unconfirmedRemovals)
    implements Sealed {

  /** Copies the collections (null = empty: snapshots written before they existed). */
  public ReplicaState {
    evictedIds = evictedIds == null ? Set.of() : Set.copyOf(evictedIds);
    unconfirmedRemovals = unconfirmedRemovals == null ? Map.of() : Map.copyOf(unconfirmedRemovals);
  }

  /** The state of a node that has applied nothing. */
  public static ReplicaState empty() {
    return new ReplicaState(
        KmsState.empty(), 0, 0, 0, HardState.NO_NODE, false, 0, Set.of(), Map.of());
  }

  /**
   * True if this node may leave its cluster for good: removed, and the removal is final ({@link
   * HardState#mayLeave}); a node whose removal is in doubt stays to answer a new leader (issue 12).
   */
  public boolean mayLeave() {
    return hardState().mayLeave(selfId);
  }

  /**
   * True if this node applied its own removal but has not learned that it committed ({@link
   * HardState#removalInDoubt}): it serves nothing but stays in its cluster for a new leader, also
   * after a restart ({@code lifecycle.NodeStart}, issue 12).
   */
  public boolean removalInDoubt() {
    return hardState().removalInDoubt(selfId);
  }

  /** The replication machine's view of the hard state. */
  public HardState hardState() {
    if (promisedTerm == 0) {
      return new HardState(0, HardState.NO_NODE, removed, evictedIds, unconfirmedRemovals);
    }
    return new HardState(
        promisedTerm, Math.max(promisedTo, 0), removed, evictedIds, unconfirmedRemovals);
  }

  private ReplicaState with(
      KmsState kms,
      long lastTerm,
      long lastIndex,
      long promisedTerm,
      int promisedTo,
      boolean removed) {
    return new ReplicaState(
        kms,
        lastTerm,
        lastIndex,
        promisedTerm,
        promisedTo,
        removed,
        selfId,
        evictedIds,
        unconfirmedRemovals);
  }

  /**
   * The member ids after the applied log: the membership's ids, or {@code {selfId}} before the
   * node's cluster is initialized (the genesis set of a founding node).
   */
  public SortedSet<Integer> members() {
    Membership m = kms.membership();
    if (!m.initialized()) {
      return new TreeSet<>(Set.of(selfId));
    }
    return new TreeSet<>(m.nodes().keySet());
  }

  /**
   * True for a node that holds nothing but its own bootstrap: only its {@code InitCluster} entry
   * (docs/ARCHITECTURE.md §3 "Joining": only a fresh node may be added).
   */
  public boolean fresh() {
    return lastIndex <= 1
        && !removed
        && kms.membership().nodes().size() <= 1
        && kms.enclaves().isEmpty()
        && kms.sysAdmins().isEmpty();
  }

  /**
   * Applies one event. An entry whose change the domain rejects still advances the index: the
   * leader validated it against the same state, so every replica rejects it the same way and the
   * replicas stay equal (docs/ARCHITECTURE.md §3 invariant 1).
   */
  public ReplicaState apply(ReplicaEvent event) {
    if (event instanceof ReplicaEvent.EntryAppended e) {
      KmsState next;
      try {
        next = kms.apply(e.change());
      } catch (KmsException rejected) {
        next = kms;
      }
      return with(
          next,
          e.term(),
          e.index(),
          Math.max(promisedTerm, e.term()),
          e.term() > promisedTerm ? HardState.NO_NODE : promisedTo,
          removed);
    }
    if (event instanceof ReplicaEvent.HardStateSaved h) {
      return new ReplicaState(
          kms,
          lastTerm,
          lastIndex,
          h.promisedTerm(),
          h.promisedTo(),
          h.removed(),
          selfId,
          h.evictedIds(),
          h.unconfirmedRemovals());
    }
    if (event instanceof ReplicaEvent.SnapshotInstalled s) {
      return new ReplicaState(
          s.kms(),
          s.lastTerm(),
          s.lastIndex(),
          s.promisedTerm(),
          s.promisedTo(),
          false,
          s.selfId(),
          Set.of(),
          Map.of());
    }
    if (event instanceof ReplicaEvent.MembersEdited edit) {
      return with(
          withoutMembers(kms, edit.removedIds()),
          lastTerm,
          lastIndex,
          promisedTerm,
          promisedTo,
          removed || edit.removedIds().contains(selfId));
    }
    ReplicaEvent.TermPromised p = (ReplicaEvent.TermPromised) event;
    return with(
        kms,
        lastTerm,
        lastIndex,
        Math.max(promisedTerm, p.term()),
        p.term() > promisedTerm ? selfId : promisedTo,
        removed);
  }

  /**
   * {@code state} without the members {@code ids} (an out-of-band {@code edit --rm}): same
   * enclaves, identities and commit index; the ids are not reused.
   */
  public static KmsState withoutMembers(KmsState state, Set<Integer> ids) {
    return io.openkms.kms.lifecycle.LeaderWrites.withoutMembers(state, ids);
  }
}
