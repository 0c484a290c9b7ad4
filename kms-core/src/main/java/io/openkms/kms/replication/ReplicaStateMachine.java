package io.openkms.kms.replication;

import io.openkms.kms.replication.LeaderInput.AppendAck;
import io.openkms.kms.replication.LeaderInput.AppendRejected;
import io.openkms.kms.replication.LeaderInput.EntriesFetched;
import io.openkms.kms.replication.LeaderInput.PromiseGranted;
import io.openkms.kms.replication.LeaderInput.PromiseRejected;
import io.openkms.kms.replication.ReplicaInput.Append;
import io.openkms.kms.replication.ReplicaInput.FetchEntries;
import io.openkms.kms.replication.ReplicaInput.Promise;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.OptionalLong;
import java.util.Set;
import java.util.SortedSet;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * The replica log rules of one node (docs/ARCHITECTURE.md §3): promise terms, accept or refuse
 * entries, serve entries to a new leader. Pure and deterministic; see the package documentation for
 * how the caller executes an {@link Output}.
 *
 * <h2>Rules</h2>
 *
 * <ul>
 *   <li><b>Promise</b> ({@link Promise}): granted if its term is above the promised term, or equal
 *       and from the same candidate (a duplicate); the new term is persisted before the answer.
 *       Otherwise refused with the promised term (docs/ARCHITECTURE.md §3 "Terms and takeover").
 *   <li><b>Append</b> ({@link Append}), in this order:
 *       <ol>
 *         <li>term below the promised term → {@code STALE_TERM} (fences a stale leader, §3);
 *         <li>this node applied its own removal → {@code REMOVED} (invariant 5);
 *         <li>a higher term is adopted as promised (persisted first);
 *         <li>{@code prevIndex > lastIndex} → {@code GAP} with the last index, so the leader
 *             re-sends from there;
 *         <li>the message gives another term than this log to {@code prevIndex} or to an entry
 *             already persisted → {@code CONFLICT} (the log is never overwritten: an applied entry
 *             cannot be un-applied). Terms are checked where this machine knows them: for every
 *             entry persisted since it was created, and the restored last entry;
 *         <li>otherwise entries already persisted are skipped (duplicates), the new ones are
 *             persisted, applied in index order exactly once and acknowledged with {@link
 *             AppendAck}{@code (term, prevIndex + entries.size())} — what this append covered,
 *             never more (invariants 1 and 2). If one of them removes this node (per the {@link
 *             MembershipRule}) it is the last one accepted and the acknowledgement stops there; the
 *             node's own removal is remembered as unconfirmed too, and the node stays (answers
 *             promises) until it learns it committed. An entry that removes another member is
 *             remembered in {@link HardState#unconfirmedRemovals()} until the append's {@code
 *             commitIndex} (within what the append covered) reaches it; promises report those
 *             removals so that a new leader brings the removed member up to its removal (invariant
 *             5). A removal that {@linkplain MembershipRule#releases releases} the removed member
 *             (it was dead) is not remembered.
 *       </ol>
 *   <li><b>FetchEntries</b> ({@link FetchEntries}): answered with the persisted entries of the
 *       range (through {@link SendEntries}), whatever the term: persisted entries are facts.
 *   <li><b>MembershipChanged</b>: out-of-band removal ({@code edit --rm}); the ids are added to
 *       {@link HardState#evictedIds()} (persisted) and leave the member set for good, also when an
 *       older in-doubt entry adds them later; if this node is among them it is removed ({@link
 *       Event.RemovedFromCluster}) and may leave at once ({@link Event.RemovalCommitted}). Promises
 *       report the evicted ids to every new leader.
 *   <li><b>Leaving</b> (issue 12): a replica removed by a log entry accepts no more entries, but
 *       learns the commit index of the appends that still reach it; when it reaches its own
 *       removal, {@link Event.RemovalCommitted} says the node may leave the cluster for good
 *       ({@link #mayLeave()}). Acknowledgements echo the commit index the replica acted on.
 *   <li><b>RemovalConfirmed</b> ({@link RemovalConfirmed}): a node in doubt about its own removal
 *       learned from its members ({@code lifecycle.RemovalCheck}) that it committed and that no
 *       member reports it unconfirmed: its removals to confirm are cleared (persisted) and {@link
 *       Event.RemovalCommitted} lets it leave, also when no leader can reach it any more.
 * </ul>
 *
 * <h2>Durable state</h2>
 *
 * The caller stores the {@link HardState} and the log as asked by {@link Output#persist()}. To
 * restart, it builds the machine with the stored hard state, the last entry's term and index, and
 * the member set after applying the log (its applied state's membership; the genesis membership for
 * an empty log). The hard state's evicted ids are taken out of that set.
 *
 * @param <C> the replicated command type
 */
public final class ReplicaStateMachine<C> {

  private final int selfId;
  private final MembershipRule<C> rule;
  private HardState hardState;
  private long lastTerm;
  private long lastIndex;
  private SortedSet<Integer> members;

  /**
   * The terms of the entries persisted since this machine was created, run-length encoded (first
   * index of a run → its term), plus the restored last entry; terms below {@link #termsKnownFrom}
   * are unknown. Few entries: one per term change.
   */
  private final TreeMap<Long, Long> termRuns = new TreeMap<>();

  private final long termsKnownFrom;

  /**
   * Restores a replica from its durable state.
   *
   * @param selfId this node's id, at least 0
   * @param hardState the stored hard state
   * @param lastTerm the term of the last persisted entry (0 if the log is empty)
   * @param lastIndex the index of the last persisted entry (0 if the log is empty)
   * @param members the member set after applying entries {@code 1..lastIndex}
   * @param rule how commands change membership
   * @throws IllegalArgumentException if {@code selfId}, {@code lastIndex} or {@code lastTerm} is
   *     negative, exactly one of {@code lastIndex}/{@code lastTerm} is 0, or {@code lastTerm} is
   *     above the promised term (the hard state was not persisted before the entries)
   */
  public ReplicaStateMachine(
      int selfId,
      HardState hardState,
      long lastTerm,
      long lastIndex,
      Set<Integer> members,
      MembershipRule<C> rule) {
    if (selfId < 0) {
      throw new IllegalArgumentException("selfId must be >= 0, was " + selfId);
    }
    Objects.requireNonNull(hardState, "hardState");
    if (lastIndex < 0 || lastTerm < 0 || (lastIndex == 0) != (lastTerm == 0)) {
      throw new IllegalArgumentException(
          "inconsistent lastIndex " + lastIndex + " / lastTerm " + lastTerm);
    }
    if (lastTerm > hardState.promisedTerm()) {
      throw new IllegalArgumentException(
          "lastTerm " + lastTerm + " above promisedTerm " + hardState.promisedTerm());
    }
    this.selfId = selfId;
    this.hardState = hardState;
    this.lastTerm = lastTerm;
    this.lastIndex = lastIndex;
    this.members = withoutEvicted(members, hardState);
    this.rule = Objects.requireNonNull(rule, "rule");
    this.termsKnownFrom = lastIndex;
    if (lastIndex > 0) {
      termRuns.put(lastIndex, lastTerm);
    }
  }

  /**
   * Creates the replica of a node with an empty log and no promise.
   *
   * @param selfId this node's id, at least 0
   * @param members the genesis member set (for a founding node: itself)
   * @param rule how commands change membership
   * @param <C> the replicated command type
   * @return the replica
   */
  public static <C> ReplicaStateMachine<C> fresh(
      int selfId, Set<Integer> members, MembershipRule<C> rule) {
    return new ReplicaStateMachine<>(selfId, HardState.INITIAL, 0, 0, members, rule);
  }

  /**
   * Handles one input.
   *
   * @param input the input
   * @return what the caller must do, in order
   */
  public Output<C> step(ReplicaInput<C> input) {
    Objects.requireNonNull(input, "input");
    OutputBuilder<C> out = new OutputBuilder<>();
    if (input instanceof Promise<C> promise) {
      onPromise(promise, out);
    } else if (input instanceof Append<C> append) {
      onAppend(append, out);
    } else if (input instanceof FetchEntries<C> fetch) {
      onFetch(fetch, out);
    } else if (input instanceof MembershipChanged<C> changed) {
      onMembershipChanged(changed, out);
    } else if (input instanceof RemovalConfirmed<C>) {
      onRemovalConfirmed(out);
    }
    return out.build();
  }

  private void onPromise(Promise<C> promise, OutputBuilder<C> out) {
    long promised = hardState.promisedTerm();
    boolean higher = promise.term() > promised;
    boolean repeated =
        promise.term() == promised && promise.candidateId() == hardState.promisedTo();
    if (!higher && !repeated) {
      out.send(promise.candidateId(), new PromiseRejected<>(selfId, promise.term(), promised));
      return;
    }
    if (higher) {
      hardState = hardState.withPromise(promise.term(), promise.candidateId());
      out.persist(new Persist.SaveHardState<>(hardState));
    }
    out.send(
        promise.candidateId(),
        new PromiseGranted<>(
            selfId,
            promise.term(),
            lastTerm,
            lastIndex,
            members,
            hardState.removed(),
            hardState.evictedIds(),
            hardState.unconfirmedRemovals()));
  }

  private void onAppend(Append<C> append, OutputBuilder<C> out) {
    if (append.term() < hardState.promisedTerm()) {
      reject(append, AppendRejected.Reason.STALE_TERM, out);
      return;
    }
    if (hardState.removed()) {
      onAppendWhileRemoved(append, out);
      return;
    }
    boolean termRaised = append.term() > hardState.promisedTerm();
    if (termRaised) {
      hardState = hardState.withPromise(append.term(), append.leaderId());
    }
    if (append.prevIndex() > lastIndex) {
      persistHardStateIf(termRaised, out);
      reject(append, AppendRejected.Reason.GAP, out);
      return;
    }
    if (contradictsLog(append)) {
      persistHardStateIf(termRaised, out);
      reject(append, AppendRejected.Reason.CONFLICT, out);
      return;
    }
    List<Entry<C>> accepted = new ArrayList<>();
    boolean removedNow = false;
    TreeMap<Integer, Long> removals = new TreeMap<>(hardState.unconfirmedRemovals());
    for (Entry<C> entry : append.entries()) {
      if (entry.index() <= lastIndex) {
        continue; // already persisted: a duplicate or an overlapping re-send
      }
      accepted.add(entry);
      SortedSet<Integer> before = members;
      members = withoutEvicted(rule.apply(members, entry.command()), hardState);
      Set<Integer> released = rule.releases(entry.command());
      // a joiner replaying the log before its own addition does not remember removals: it gets
      // only entries every established member holds, and they report them (issue 12: its report
      // made a later takeover wait for a member that had left for good)
      boolean established = before.contains(selfId);
      for (int id : before) {
        if (established && !members.contains(id) && id != selfId && !released.contains(id)) {
          removals.put(id, entry.index()); // it must learn this entry: confirm when committed
        }
      }
      if (before.contains(selfId) && !members.contains(selfId)) {
        removedNow = true;
        removals.put(selfId, entry.index()); // it stays until it learns this entry committed
        break; // invariant 5: nothing after this node's own removal
      }
    }
    long covered =
        Math.min(
            accepted.isEmpty() ? lastIndex : accepted.get(accepted.size() - 1).index(),
            append.prevIndex() + append.entries().size());
    long learned = Math.min(append.commitIndex(), covered);
    removals.values().removeIf(index -> index <= learned);
    HardState before = hardState;
    hardState = hardState.withUnconfirmedRemovals(removals);
    if (removedNow) {
      hardState = hardState.withRemoved();
    }
    persistHardStateIf(termRaised || !hardState.equals(before), out);
    if (!accepted.isEmpty()) {
      out.persist(new Persist.AppendEntries<>(accepted));
      out.apply(accepted);
      for (Entry<C> entry : accepted) {
        recordTerm(entry);
      }
      Entry<C> last = accepted.get(accepted.size() - 1);
      lastIndex = last.index();
      lastTerm = last.term();
    }
    // acknowledge what this append covered and was checked, not more (Raft's matchIndex rule)
    out.send(append.leaderId(), new AppendAck<>(selfId, append.term(), covered, learned));
    if (removedNow) {
      out.event(new Event.RemovedFromCluster(lastIndex));
      if (!hardState.unconfirmedRemovals().containsKey(selfId)) {
        out.event(new Event.RemovalCommitted(lastIndex)); // committed already: leave at once
      }
    }
  }

  /**
   * An append reaching a replica that applied its own removal: it accepts no entries, but learns
   * the leader's commit index over the log it holds and confirms the removals up to it (persisted
   * first), its own included. It then answers with an {@link AppendAck} echoing that commit index
   * (so that the leader knows what it confirmed, and stops telling it), and, while its own removal
   * is not confirmed, with {@code REMOVED} as well. Confirming its own removal emits {@link
   * Event.RemovalCommitted}: the node may leave.
   */
  private void onAppendWhileRemoved(Append<C> append, OutputBuilder<C> out) {
    boolean fits = append.prevIndex() <= lastIndex && !contradictsLog(append);
    long covered = Math.min(append.prevIndex() + append.entries().size(), lastIndex);
    long learned = fits ? Math.min(append.commitIndex(), covered) : 0;
    Long own = hardState.unconfirmedRemovals().get(selfId);
    TreeMap<Integer, Long> removals = new TreeMap<>(hardState.unconfirmedRemovals());
    removals.values().removeIf(index -> index <= learned);
    if (!removals.equals(hardState.unconfirmedRemovals())) {
      hardState = hardState.withUnconfirmedRemovals(removals);
      out.persist(new Persist.SaveHardState<>(hardState));
    }
    if (learned > 0) {
      out.send(append.leaderId(), new AppendAck<>(selfId, append.term(), covered, learned));
    }
    if (removals.containsKey(selfId) || (own == null && learned < lastIndex)) {
      reject(append, AppendRejected.Reason.REMOVED, out);
    }
    if (own != null && !removals.containsKey(selfId)) {
      out.event(new Event.RemovalCommitted(own));
    }
  }

  /**
   * True if the append gives another term than this log to an index both know: at {@code prevIndex}
   * or at an entry this replica already holds.
   */
  private boolean contradictsLog(Append<C> append) {
    if (append.prevIndex() > 0) {
      OptionalLong known = termAt(append.prevIndex());
      if (known.isPresent() && known.getAsLong() != append.prevTerm()) {
        return true;
      }
    }
    for (Entry<C> entry : append.entries()) {
      if (entry.index() > lastIndex) {
        break;
      }
      OptionalLong known = termAt(entry.index());
      if (known.isPresent() && known.getAsLong() != entry.term()) {
        return true;
      }
    }
    return false;
  }

  /** The term of the persisted entry at {@code index} if this machine knows it. */
  private OptionalLong termAt(long index) {
    if (index > lastIndex || index < termsKnownFrom || index < 1) {
      return OptionalLong.empty();
    }
    return OptionalLong.of(termRuns.floorEntry(index).getValue());
  }

  private void recordTerm(Entry<C> entry) {
    Map.Entry<Long, Long> run = termRuns.lastEntry();
    if (run == null || run.getValue() != entry.term()) {
      termRuns.put(entry.index(), entry.term());
    }
  }

  private void persistHardStateIf(boolean changed, OutputBuilder<C> out) {
    if (changed) {
      out.persist(new Persist.SaveHardState<>(hardState));
    }
  }

  private void reject(Append<C> append, AppendRejected.Reason reason, OutputBuilder<C> out) {
    out.send(
        append.leaderId(),
        new AppendRejected<>(
            selfId, append.term(), reason, hardState.promisedTerm(), lastIndex, lastTerm));
  }

  private void onFetch(FetchEntries<C> fetch, OutputBuilder<C> out) {
    if (fetch.fromIndex() > lastIndex) {
      out.send(
          fetch.leaderId(),
          new EntriesFetched<>(selfId, fetch.term(), fetch.fromIndex(), List.of()));
      return;
    }
    out.sendEntries(
        new SendEntries(
            fetch.leaderId(),
            fetch.term(),
            fetch.fromIndex(),
            Math.min(fetch.toIndex(), lastIndex)));
  }

  private void onMembershipChanged(MembershipChanged<C> changed, OutputBuilder<C> out) {
    boolean wasMember = members.contains(selfId);
    boolean wasLeaving = hardState.unconfirmedRemovals().containsKey(selfId);
    HardState before = hardState;
    hardState = hardState.withEvicted(changed.removedIds());
    members = withoutEvicted(members, hardState);
    boolean removedNow = wasMember && !members.contains(selfId) && !hardState.removed();
    if (removedNow) {
      hardState = hardState.withRemoved();
    }
    if (!hardState.equals(before)) {
      out.persist(new Persist.SaveHardState<>(hardState));
    }
    if (removedNow) {
      out.event(new Event.RemovedFromCluster(lastIndex));
    }
    if (changed.removedIds().contains(selfId) && (removedNow || wasLeaving)) {
      // the operator's removal is final at once (edit --rm skips write quorum)
      out.event(new Event.RemovalCommitted(lastIndex));
    }
  }

  /**
   * The members showed that this node's in-doubt removal committed ({@link RemovalConfirmed}):
   * every removal it lists is at or below its own (it applied nothing after it), so all are
   * confirmed.
   */
  private void onRemovalConfirmed(OutputBuilder<C> out) {
    Long own = hardState.unconfirmedRemovals().get(selfId);
    if (!hardState.removed() || own == null) {
      return;
    }
    hardState = hardState.withUnconfirmedRemovals(Map.of());
    out.persist(new Persist.SaveHardState<>(hardState));
    out.event(new Event.RemovalCommitted(own));
  }

  private static SortedSet<Integer> withoutEvicted(Set<Integer> ids, HardState hardState) {
    TreeSet<Integer> kept = new TreeSet<>(ids);
    kept.removeAll(hardState.evictedIds());
    return Sets.sortedCopy(kept);
  }

  /**
   * Returns this node's id.
   *
   * @return the node id
   */
  public int selfId() {
    return selfId;
  }

  /**
   * Returns the current hard state (what the last persisted {@link Persist.SaveHardState} holds).
   *
   * @return the hard state
   */
  public HardState hardState() {
    return hardState;
  }

  /**
   * Returns the index of the last persisted entry; also the number of applied entries (the "Commit"
   * of {@code minkms stat}, docs/REFERENCE.md §2).
   *
   * @return the last index, 0 if the log is empty
   */
  public long lastIndex() {
    return lastIndex;
  }

  /**
   * Returns the term of the last persisted entry.
   *
   * @return the last term, 0 if the log is empty
   */
  public long lastTerm() {
    return lastTerm;
  }

  /**
   * Returns the member set after the persisted log (and out-of-band edits).
   *
   * @return an unmodifiable sorted set of node ids
   */
  public SortedSet<Integer> members() {
    return members;
  }

  /**
   * Tells whether this node applied its own removal.
   *
   * @return true if removed
   */
  public boolean isRemoved() {
    return hardState.removed();
  }

  /**
   * Tells whether this node may leave the cluster for good: it is removed and its removal is final
   * ({@link HardState#mayLeave}; the rule of {@link Event.RemovalCommitted}).
   *
   * @return true if removed and no longer needed by any leader
   */
  public boolean mayLeave() {
    return hardState.mayLeave(selfId);
  }
}
