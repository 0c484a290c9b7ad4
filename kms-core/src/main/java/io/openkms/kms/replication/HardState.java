package io.openkms.kms.replication;

import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * The small durable record of a replica besides its log (like etcd's {@code HardState}).
 *
 * <p>Source: docs/ARCHITECTURE.md §3 "Terms and takeover" — a member promises a new leader not to
 * accept entries of older terms; the cluster-level persistent actor keeps "the highest promised
 * term". The promise must survive a crash, else a restarted member could accept a fenced leader's
 * entries.
 *
 * @param promisedTerm the highest term promised (0 before any promise)
 * @param promisedTo the node id of the leader the term was promised to ({@link #NO_NODE} when
 *     {@code promisedTerm} is 0); a repeated promise request of the same term from the same node is
 *     granted again, so duplicated messages cannot depose a legitimate leader
 * @param removed true once this node applied an entry (or an out-of-band edit) that removed it from
 *     the KMS membership; a removed replica applies nothing new (docs/ARCHITECTURE.md §3 invariant
 *     5)
 * @param evictedIds the node ids removed from this node's definition out of band ({@code edit
 *     --rm}, {@link MembershipChanged}); they never count as members again here, even if an older
 *     in-doubt log entry adds them, and every promise reports them so that any new leader ignores
 *     them. Node ids are never reused after a removal.
 * @param unconfirmedRemovals per member removed by a log entry this replica applied, the index of
 *     that entry, until the replica learns that it is committed (from a leader's commit index);
 *     also this node's own removal, until it learns it committed ({@link #mayLeave}). Every promise
 *     reports them: a new leader must bring such a member up to its own removal even if the
 *     leader's node already counts it out (docs/ARCHITECTURE.md §3 invariant 5: the removed node
 *     must learn it, or it would go on serving as a member)
 * @throws IllegalArgumentException if {@code promisedTerm} is negative, {@code promisedTo} is below
 *     {@link #NO_NODE}, exactly one of them is "none", or an id or index is negative
 */
public record HardState(
    long promisedTerm,
    int promisedTo,
    boolean removed,
    Set<Integer> evictedIds,
    Map<Integer, Long> unconfirmedRemovals) {

  /** The {@code promisedTo} value when nothing was promised. */
  public static final int NO_NODE = -1;

  /** The hard state of a fresh node: no promise, not removed, nobody evicted. */
  public static final HardState INITIAL = new HardState(0, NO_NODE, false, Set.of(), Map.of());

  /** Validates the state and copies the set. */
  public HardState {
    if (promisedTerm < 0) {
      throw new IllegalArgumentException("promisedTerm must be >= 0, was " + promisedTerm);
    }
    if (promisedTo < NO_NODE) {
      throw new IllegalArgumentException("promisedTo must be a node id or -1, was " + promisedTo);
    }
    if ((promisedTerm == 0) != (promisedTo == NO_NODE)) {
      throw new IllegalArgumentException(
          "promisedTerm " + promisedTerm + " and promisedTo " + promisedTo + " disagree");
    }
    evictedIds = Sets.sortedCopy(evictedIds); // sorted: deterministic iteration and text
    unconfirmedRemovals = Sets.sortedIndexes(unconfirmedRemovals);
  }

  /**
   * A hard state without removals to confirm.
   *
   * @param promisedTerm the highest term promised
   * @param promisedTo the node id it was promised to
   * @param removed whether this node applied its own removal
   * @param evictedIds the ids removed out of band
   */
  public HardState(long promisedTerm, int promisedTo, boolean removed, Set<Integer> evictedIds) {
    this(promisedTerm, promisedTo, removed, evictedIds, Map.of());
  }

  /**
   * Tells whether the node whose hard state this is may leave its cluster for good: it was removed
   * and its removal is final — its own id is not among the removals still to confirm (it learned
   * the removal committed, or an operator removed it out of band). A removed node whose removal is
   * in doubt stays: a new leader may need its promise and its log up to the removal (the rule of
   * {@link Event.RemovalCommitted}).
   *
   * @param selfId the node's own id
   * @return true if removed and not waiting to learn that its removal committed
   */
  public boolean mayLeave(int selfId) {
    return removed && !unconfirmedRemovals.containsKey(selfId);
  }

  /**
   * Tells whether this node applied its own removal but has not learned that it committed: its own
   * id is still among the removals to confirm. Such a node must stay reachable for a new leader
   * (also across a restart: {@code lifecycle.NodeStart}); the opposite of {@link #mayLeave} for a
   * removed node.
   *
   * @param selfId the node's own id
   * @return true if removed and its own removal is still unconfirmed
   */
  public boolean removalInDoubt(int selfId) {
    return removed && unconfirmedRemovals.containsKey(selfId);
  }

  /** This state with {@code term} promised to {@code candidateId}. */
  HardState withPromise(long term, int candidateId) {
    return new HardState(term, candidateId, removed, evictedIds, unconfirmedRemovals);
  }

  /** This state marked removed. */
  HardState withRemoved() {
    return new HardState(promisedTerm, promisedTo, true, evictedIds, unconfirmedRemovals);
  }

  /** This state with {@code ids} evicted as well (nothing to confirm for them any more). */
  HardState withEvicted(Set<Integer> ids) {
    TreeSet<Integer> all = new TreeSet<>(evictedIds);
    all.addAll(ids);
    TreeMap<Integer, Long> removals = new TreeMap<>(unconfirmedRemovals);
    removals.keySet().removeAll(ids);
    return new HardState(promisedTerm, promisedTo, removed, all, removals);
  }

  /** This state with {@code removals} to confirm. */
  HardState withUnconfirmedRemovals(Map<Integer, Long> removals) {
    return new HardState(promisedTerm, promisedTo, removed, evictedIds, removals);
  }
}
