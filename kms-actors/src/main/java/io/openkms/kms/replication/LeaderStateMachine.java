package io.openkms.kms.replication;

import io.openkms.kms.replication.LeaderInput.AppendAck;
import io.openkms.kms.replication.LeaderInput.AppendRejected;
import io.openkms.kms.replication.LeaderInput.ClientWrite;
import io.openkms.kms.replication.LeaderInput.EntriesFetched;
import io.openkms.kms.replication.LeaderInput.MemberReachable;
import io.openkms.kms.replication.LeaderInput.MemberUnreachable;
import io.openkms.kms.replication.LeaderInput.PromiseGranted;
import io.openkms.kms.replication.LeaderInput.PromiseRejected;
import io.openkms.kms.replication.LeaderInput.Tick;
import io.openkms.kms.replication.ReplicaInput.Append;
import io.openkms.kms.replication.ReplicaInput.FetchEntries;
import io.openkms.kms.replication.ReplicaInput.Promise;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.OptionalLong;
import java.util.Set;
import java.util.SortedSet;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * The leader's replication rules for one term (ARCHITECTURE §3), on the node that hosts the leader
 * singleton. Pure and deterministic; see the package documentation for how the caller executes an
 * {@link Output}. The leader stores nothing durable: it reaches its own node's replica log by
 * messages to its own node id, exactly like every other member's, and is recreated (with a higher
 * term) after a crash or step-down.
 *
 * <h2>Taking over ({@link LeaderRole#TAKING_OVER})</h2>
 * Source: ARCHITECTURE §3 "Terms and takeover".
 * <ol>
 *   <li>{@link #start(long)} sends {@link Promise} to every member of the start set; unanswered
 *       requests are re-sent every {@link LeaderConfig#resendIntervalMillis()}.
 *   <li>When every required member promised: the lowest last index of a member that is not removed
 *       is the base, the highest last index (of any member) the end. The leader fetches the entries
 *       between them from the member that holds the end ({@link FetchEntries}), then folds them
 *       through the {@link MembershipRule} from the base member's reported member set. Every id
 *       that is a member anywhere in that range must promise too (it may still lack an entry it
 *       must hold, such as its own in-doubt removal).
 *   <li>Every member receives what it lacks up to the highest index it must acknowledge; when all
 *       hold it the leader is {@link LeaderRole#SERVING} with commit index = the end
 *       ({@link Event.BecameServing}).
 * </ol>
 * Writes that arrive meanwhile are queued, up to {@link LeaderConfig#maxQueuedWrites()}; one more is
 * refused at once with {@link WriteOutcome.NoLeader}. A queued write fails with
 * {@link WriteOutcome.Unavailable} (naming the members that block the takeover, nothing written)
 * when {@link LeaderConfig#writeTimeoutMillis()} passes; when serving starts, the remaining queued
 * writes are assigned indexes in arrival order, keeping their deadline.
 *
 * <h2>Serving ({@link LeaderRole#SERVING})</h2>
 * Source: ARCHITECTURE §3 "Write path", invariants 2 and 4.
 * <ul>
 *   <li>{@link ClientWrite}: if a member that must acknowledge it is known unreachable, refused at
 *       once ({@link WriteOutcome.Unavailable}, nothing written). Otherwise assigned
 *       {@code (term, lastIndex + 1)} and sent ({@link Append}) to every member that must
 *       acknowledge it, the leader's own node included.
 *   <li>The entry at {@code i} commits when every id in {@code before(i) ∪ after(i)} (see
 *       {@link MembershipRule}) acknowledged {@code ≥ i} and all earlier entries committed
 *       ({@link CommitRule}); the write is then answered {@link WriteOutcome.Committed}.
 *   <li>{@link Tick}: a write not committed within the write timeout is answered
 *       {@link WriteOutcome.Unavailable} with the members that lack it and its index — in doubt: the
 *       entry stays and is re-sent every resend interval to every member that lacks it, until it
 *       acknowledges or is removed.
 *   <li>{@link AppendRejected} {@code GAP}: re-send from the member's last index. Messages lost in
 *       flight are re-sent on ticks.
 *   <li>{@link MemberUnreachable} / {@link MemberReachable}: stop sending / re-send at once from the
 *       member's last acknowledged index.
 *   <li>{@link MembershipChanged}: the removed ids no longer have to acknowledge anything, so
 *       pending writes that waited only for them commit.
 * </ul>
 *
 * <h2>Stepping down ({@link LeaderRole#STEPPED_DOWN})</h2>
 * A member that promised a higher term ({@link AppendRejected} {@code STALE_TERM} or
 * {@link PromiseRejected}) fences this leader (ARCHITECTURE §3: "This fences a stale leader ... even
 * if two singletons ever overlap"); so does a log conflict. Output: {@link Event.SteppedDown}, and
 * every waiting write is answered {@link WriteOutcome.NoLeader} (with its index if it had one: in
 * doubt, the next leader completes it if any member persisted it). Afterwards every write is
 * answered {@code NoLeader(0)} and other inputs are ignored.
 *
 * @param <C> the replicated command type
 */
public final class LeaderStateMachine<C> {

  private static final long NEVER = Long.MIN_VALUE / 4;

  private final int selfId;
  private final long term;
  private final SortedSet<Integer> startMembers;
  private final MembershipRule<C> rule;
  private final LeaderConfig config;

  private boolean started;
  private LeaderRole role = LeaderRole.TAKING_OVER;
  private long nowMillis;

  private final LeaderLog<C> log = new LeaderLog<>();
  private final MembershipHistory memberships = new MembershipHistory();
  private long commitIndex;
  /** The highest index this leader ever sent: its log never ends below it. */
  private long sentMax;

  /** Per node id, the highest index it is known to hold. */
  private final Map<Integer, Long> match = new TreeMap<>();
  private final Map<Integer, Peer> peers = new TreeMap<>();
  private final Set<Integer> unreachable = new TreeSet<>();
  /** Per node id that reported its own removal, the index it stopped at. */
  private final Map<Integer, Long> removedAt = new TreeMap<>();
  /** Per fetch start index, when it was last requested. */
  private final TreeMap<Long, Long> fetchSentAt = new TreeMap<>();

  private final Set<Integer> required = new TreeSet<>();
  private final Map<Integer, PromiseGranted<C>> promises = new TreeMap<>();
  /** Ids removed out of band (MembershipChanged): their logs no longer count. */
  private final Set<Integer> excluded = new TreeSet<>();
  private boolean folded;
  private long baseIndex;

  private final TreeMap<Long, PendingWrite> pending = new TreeMap<>();
  private final ArrayDeque<QueuedWrite<C>> queued = new ArrayDeque<>();

  /** What the leader sent a member and when. */
  private static final class Peer {
    /** The last index the member claimed to hold (promise, GAP): where sending resumes. */
    long hint;
    long sentUpTo;
    long lastSentAt = NEVER;
    long lastBatchFrom;
    long promiseSentAt = NEVER;
  }

  private record PendingWrite(long requestId, long deadlineMillis) {}

  private record QueuedWrite<C>(long requestId, C command, long deadlineMillis) {}

  /**
   * Creates the leader of {@code term}; call {@link #start(long)} next.
   *
   * @param selfId the node id hosting this leader, at least 0 (the sender id of its messages)
   * @param term the new term: higher than any term this node knows (its replica's promised term
   *     plus one, or a {@link Event.SteppedDown#observedTerm()} plus one)
   * @param members the member set of the hosting node's applied state, not empty
   * @param rule how commands change membership
   * @param config timing and size limits
   * @throws IllegalArgumentException if {@code selfId} is negative, {@code term} below 1 or
   *     {@code members} empty
   */
  public LeaderStateMachine(
      int selfId, long term, Set<Integer> members, MembershipRule<C> rule, LeaderConfig config) {
    if (selfId < 0) {
      throw new IllegalArgumentException("selfId must be >= 0, was " + selfId);
    }
    if (term < 1) {
      throw new IllegalArgumentException("term must be >= 1, was " + term);
    }
    this.startMembers = Sets.sortedCopy(members);
    if (startMembers.isEmpty()) {
      throw new IllegalArgumentException("members must not be empty");
    }
    this.selfId = selfId;
    this.term = term;
    this.rule = Objects.requireNonNull(rule, "rule");
    this.config = Objects.requireNonNull(config, "config");
    memberships.reset(0, startMembers);
  }

  /**
   * Starts the takeover: asks every member for its promise.
   *
   * @param nowMillis the current time in milliseconds
   * @return the promise requests to send
   * @throws IllegalStateException if already started
   */
  public Output<C> start(long nowMillis) {
    if (started) {
      throw new IllegalStateException("already started");
    }
    started = true;
    this.nowMillis = nowMillis;
    OutputBuilder<C> out = new OutputBuilder<>();
    required.addAll(startMembers);
    for (int id : required) {
      sendPromise(id, out);
    }
    return out.build();
  }

  /**
   * Handles one input.
   *
   * @param input the input
   * @return what the caller must do, in order
   * @throws IllegalStateException if {@link #start(long)} was not called
   */
  public Output<C> step(LeaderInput<C> input) {
    Objects.requireNonNull(input, "input");
    if (!started) {
      throw new IllegalStateException("start() first");
    }
    OutputBuilder<C> out = new OutputBuilder<>();
    if (input instanceof ClientWrite<C> write) {
      onClientWrite(write, out);
    } else if (input instanceof Tick<C> tick) {
      onTick(tick, out);
    } else if (input instanceof AppendAck<C> ack) {
      onAppendAck(ack, out);
    } else if (input instanceof AppendRejected<C> rejected) {
      onAppendRejected(rejected, out);
    } else if (input instanceof PromiseGranted<C> granted) {
      onPromiseGranted(granted, out);
    } else if (input instanceof PromiseRejected<C> rejected) {
      onPromiseRejected(rejected, out);
    } else if (input instanceof EntriesFetched<C> fetched) {
      onEntriesFetched(fetched, out);
    } else if (input instanceof MemberUnreachable<C> down) {
      unreachable.add(down.memberId());
    } else if (input instanceof MemberReachable<C> up) {
      onMemberReachable(up.memberId(), out);
    } else if (input instanceof MembershipChanged<C> changed) {
      onMembershipChanged(changed, out);
    }
    return out.build();
  }

  // ---------------------------------------------------------------- client writes

  private void onClientWrite(ClientWrite<C> write, OutputBuilder<C> out) {
    switch (role) {
      case STEPPED_DOWN -> out.reply(write.requestId(), new WriteOutcome.NoLeader(0));
      case SERVING -> assign(
          write.requestId(), write.command(), nowMillis + config.writeTimeoutMillis(), out);
      case TAKING_OVER -> {
        SortedSet<Integer> blockers = new TreeSet<>(required);
        blockers.retainAll(unreachable);
        if (!blockers.isEmpty()) {
          out.reply(write.requestId(), new WriteOutcome.Unavailable(blockers, 0));
        } else if (queued.size() >= config.maxQueuedWrites()) {
          out.reply(write.requestId(), new WriteOutcome.NoLeader(0));
        } else {
          queued.add(new QueuedWrite<>(
              write.requestId(), write.command(), nowMillis + config.writeTimeoutMillis()));
        }
      }
    }
  }

  /** Assigns the next index to a write and sends it (Serving). */
  private void assign(long requestId, C command, long deadlineMillis, OutputBuilder<C> out) {
    long index = log.lastIndex() + 1;
    SortedSet<Integer> before = memberships.at(index - 1);
    Set<Integer> after = rule.apply(before, command);
    TreeSet<Integer> blockers = new TreeSet<>(before);
    blockers.addAll(after);
    blockers.removeIf(id -> removedAt.getOrDefault(id, Long.MAX_VALUE) < index);
    blockers.retainAll(unreachable);
    if (!blockers.isEmpty()) {
      out.reply(requestId, new WriteOutcome.Unavailable(blockers, 0));
      return;
    }
    long prevTerm = log.lastTerm();
    Entry<C> entry = new Entry<>(term, index, command);
    log.append(entry);
    memberships.record(index, after);
    pending.put(index, new PendingWrite(requestId, deadlineMillis));
    for (int id : ackSet(index)) {
      Peer peer = peer(id);
      if (unreachable.contains(id)) {
        continue;
      }
      if (peer.sentUpTo == index - 1) {
        out.send(id, new Append<>(selfId, term, index - 1, prevTerm, List.of(entry)));
        peer.sentUpTo = index;
        peer.lastSentAt = nowMillis;
        sentMax = Math.max(sentMax, index);
      } else if (peer.sentUpTo <= believed(id)) {
        sendBatchIfFresh(id, out);
      }
    }
    advanceCommit(out);
  }

  // ---------------------------------------------------------------- replica answers

  private void onAppendAck(AppendAck<C> ack, OutputBuilder<C> out) {
    if (ack.term() != term || role == LeaderRole.STEPPED_DOWN) {
      return;
    }
    raiseMatch(ack.from(), Math.min(ack.lastIndex(), log.lastIndex()));
    if (role == LeaderRole.SERVING) {
      advanceCommit(out);
      if (needs(ack.from()) && peer(ack.from()).sentUpTo <= believed(ack.from())) {
        sendBatchIfFresh(ack.from(), out);
      }
    } else {
      advanceTakeover(out);
    }
  }

  private void onAppendRejected(AppendRejected<C> rejected, OutputBuilder<C> out) {
    if (role == LeaderRole.STEPPED_DOWN) {
      return;
    }
    if (rejected.reason() == AppendRejected.Reason.STALE_TERM && rejected.promisedTerm() > term) {
      stepDown(Event.SteppedDown.Reason.HIGHER_TERM, rejected.promisedTerm(), out);
      return;
    }
    if (rejected.term() != term) {
      return;
    }
    int from = rejected.from();
    switch (rejected.reason()) {
      case STALE_TERM -> { } // only possible with a promised term above ours, handled above
      case CONFLICT -> stepDown(
          Event.SteppedDown.Reason.LOG_CONFLICT, Math.max(term, rejected.promisedTerm()), out);
      case GAP, REMOVED -> {
        long reported = Math.min(rejected.lastIndex(), log.lastIndex());
        Peer peer = peer(from);
        if (rejected.reason() == AppendRejected.Reason.REMOVED) {
          // final: it will never acknowledge more, and it holds everything up to its removal
          removedAt.merge(from, rejected.lastIndex(), Math::max);
          raiseMatch(from, reported);
        }
        // a claim, not an acknowledgement: sending resumes after it, the next append checks it
        peer.hint = Math.max(peer.hint, reported);
        peer.sentUpTo = believed(from); // whatever was in flight beyond it was lost
        if (role == LeaderRole.SERVING) {
          advanceCommit(out);
          if (needs(from)) {
            sendBatchIfFresh(from, out);
          }
        } else {
          advanceTakeover(out);
        }
      }
    }
  }

  private void onPromiseGranted(PromiseGranted<C> granted, OutputBuilder<C> out) {
    if (granted.term() != term || role != LeaderRole.TAKING_OVER) {
      return;
    }
    if (!promises.containsKey(granted.from())) {
      // the first answer counts: later duplicates may report entries this leader sent since
      if (!log.learnTerm(granted.lastIndex(), granted.lastTerm())) {
        stepDown(Event.SteppedDown.Reason.LOG_CONFLICT, term, out);
        return;
      }
      promises.put(granted.from(), granted);
      raiseMatch(granted.from(), granted.lastIndex());
      peer(granted.from()).hint = Math.max(peer(granted.from()).hint, granted.lastIndex());
      if (granted.removed()) {
        removedAt.merge(granted.from(), granted.lastIndex(), Math::max);
      }
    }
    advanceTakeover(out);
  }

  private void onPromiseRejected(PromiseRejected<C> rejected, OutputBuilder<C> out) {
    if (role == LeaderRole.STEPPED_DOWN) {
      return;
    }
    boolean higher = rejected.promisedTerm() > term;
    boolean rival = rejected.term() == term && rejected.promisedTerm() == term;
    if (higher || rival) {
      stepDown(Event.SteppedDown.Reason.HIGHER_TERM, rejected.promisedTerm(), out);
    }
  }

  private void onEntriesFetched(EntriesFetched<C> fetched, OutputBuilder<C> out) {
    if (fetched.term() != term
        || role == LeaderRole.STEPPED_DOWN
        || excluded.contains(fetched.from())) {
      return; // a removed node's log may hold in-doubt entries that were dropped
    }
    for (Entry<C> entry : fetched.entries()) {
      if (!log.learn(entry)) {
        stepDown(Event.SteppedDown.Reason.LOG_CONFLICT, term, out);
        return;
      }
    }
    if (!fetched.entries().isEmpty()) {
      fetchSentAt.subMap(fetched.fromIndex(), true, fetched.fromIndex() + fetched.entries().size(), false)
          .clear();
    }
    if (role == LeaderRole.TAKING_OVER) {
      advanceTakeover(out);
    } else {
      for (int id : new ArrayList<>(match.keySet())) {
        if (needs(id) && peer(id).sentUpTo <= believed(id)) {
          sendBatchIfFresh(id, out);
        }
      }
    }
  }

  // ---------------------------------------------------------------- clock, failure detector, edits

  private void onTick(Tick<C> tick, OutputBuilder<C> out) {
    nowMillis = Math.max(nowMillis, tick.nowMillis());
    fetchSentAt.values().removeIf(sentAt -> nowMillis - sentAt >= config.resendIntervalMillis());
    if (role == LeaderRole.TAKING_OVER) {
      for (int id : required) {
        if (!promises.containsKey(id) && due(peer(id).promiseSentAt)) {
          sendPromise(id, out);
        }
      }
      advanceTakeover(out);
      resendDue(out);
      expireQueued(out);
    } else if (role == LeaderRole.SERVING) {
      expirePending(out);
      resendDue(out);
    }
  }

  private void onMemberReachable(int id, OutputBuilder<C> out) {
    unreachable.remove(id);
    if (role == LeaderRole.TAKING_OVER) {
      if (required.contains(id) && !promises.containsKey(id)) {
        sendPromise(id, out);
      }
      advanceTakeover(out);
      if (folded && needs(id)) {
        sendBatch(id, out);
      }
    } else if (role == LeaderRole.SERVING && needs(id)) {
      sendBatch(id, out);
    }
  }

  private void onMembershipChanged(MembershipChanged<C> changed, OutputBuilder<C> out) {
    if (role == LeaderRole.TAKING_OVER) {
      excluded.addAll(changed.removedIds());
      required.removeAll(changed.removedIds());
      advanceTakeover(out);
    } else if (role == LeaderRole.SERVING) {
      excluded.addAll(changed.removedIds());
      evictThroughEnd(changed.removedIds());
      advanceCommit(out);
    }
  }

  /** Frees {@code ids} from every entry up to the log's end and from the member set. */
  private void evictThroughEnd(Set<Integer> ids) {
    long end = log.lastIndex();
    for (int id : ids) {
      memberships.evict(id, end);
    }
    TreeSet<Integer> tail = new TreeSet<>(memberships.at(end));
    tail.removeAll(ids);
    memberships.override(end, tail);
  }

  // ---------------------------------------------------------------- takeover

  /** Moves the takeover as far as the known promises and entries allow. */
  private void advanceTakeover(OutputBuilder<C> out) {
    if (role != LeaderRole.TAKING_OVER) {
      return;
    }
    folded = false;
    for (int id : required) {
      if (!promises.containsKey(id)) {
        return;
      }
    }
    PromiseGranted<C> base = null;
    PromiseGranted<C> top = null;
    for (PromiseGranted<C> promise : promises.values()) {
      if (excluded.contains(promise.from())) {
        continue;
      }
      if (top == null || promise.lastIndex() > top.lastIndex()) {
        top = promise;
      }
      if (!promise.removed() && (base == null || promise.lastIndex() < base.lastIndex())) {
        base = promise;
      }
    }
    if (base == null) {
      return; // only removed replicas answered: nothing to serve
    }
    long minLast = base.lastIndex();
    // never below what was already sent: a member may have persisted it
    long maxLast = Math.max(top.lastIndex(), sentMax);
    log.setLast(
        maxLast,
        maxLast == top.lastIndex() ? top.lastTerm() : log.termAt(maxLast).getAsLong());
    long missing = minLast < maxLast ? log.firstMissing(minLast + 1, maxLast) : 0;
    if (missing > 0) {
      requestFetch(missing, maxLast, out);
      return;
    }
    memberships.reset(minLast, base.members());
    for (long index = minLast + 1; index <= maxLast; index++) {
      memberships.record(index, rule.apply(memberships.at(index - 1), log.get(index).command()));
    }
    baseIndex = minLast;
    boolean asked = false;
    for (int id : memberships.everyone(minLast, maxLast)) {
      if (!excluded.contains(id) && required.add(id)) {
        sendPromise(id, out);
        asked = true;
      }
    }
    if (asked) {
      return;
    }
    folded = true;
    boolean caughtUp = true;
    for (int id : required) {
      if (needs(id)) {
        caughtUp = false;
        if (peer(id).sentUpTo <= believed(id)) {
          sendBatchIfFresh(id, out);
        }
      }
    }
    if (caughtUp) {
      becomeServing(out);
    }
  }

  private void becomeServing(OutputBuilder<C> out) {
    role = LeaderRole.SERVING;
    commitIndex = log.lastIndex();
    if (!excluded.isEmpty()) {
      evictThroughEnd(excluded);
    }
    out.event(new Event.BecameServing(term, commitIndex));
    evictCache();
    while (!queued.isEmpty()) {
      QueuedWrite<C> write = queued.poll();
      assign(write.requestId(), write.command(), write.deadlineMillis(), out);
    }
  }

  /** The members whose missing promise or entries keep the takeover from finishing. */
  private SortedSet<Integer> takeoverBlockers() {
    TreeSet<Integer> blockers = new TreeSet<>();
    for (int id : required) {
      if (!promises.containsKey(id)) {
        blockers.add(id);
      }
    }
    if (blockers.isEmpty() && folded) {
      for (int id : required) {
        if (needs(id)) {
          blockers.add(id);
        }
      }
    }
    if (blockers.isEmpty()) {
      blockers.addAll(required.isEmpty() ? startMembers : required);
    }
    return blockers;
  }

  private void expireQueued(OutputBuilder<C> out) {
    for (Iterator<QueuedWrite<C>> it = queued.iterator(); it.hasNext(); ) {
      QueuedWrite<C> write = it.next();
      if (write.deadlineMillis() <= nowMillis) {
        out.reply(write.requestId(), new WriteOutcome.Unavailable(takeoverBlockers(), 0));
        it.remove();
      }
    }
  }

  // ---------------------------------------------------------------- commit and timeouts

  private void advanceCommit(OutputBuilder<C> out) {
    if (role != LeaderRole.SERVING) {
      return;
    }
    long newCommit = CommitRule.advance(commitIndex, log.lastIndex(), this::ackSet, match);
    if (newCommit == commitIndex) {
      return;
    }
    Map<Long, PendingWrite> done = pending.headMap(newCommit, true);
    for (Map.Entry<Long, PendingWrite> write : done.entrySet()) {
      out.reply(write.getValue().requestId(), new WriteOutcome.Committed(write.getKey()));
    }
    done.clear();
    commitIndex = newCommit;
    evictCache();
  }

  private void expirePending(OutputBuilder<C> out) {
    for (Iterator<Map.Entry<Long, PendingWrite>> it = pending.entrySet().iterator(); it.hasNext(); ) {
      Map.Entry<Long, PendingWrite> write = it.next();
      if (write.getValue().deadlineMillis() <= nowMillis) {
        out.reply(
            write.getValue().requestId(),
            new WriteOutcome.Unavailable(lacking(write.getKey()), write.getKey()));
        it.remove();
      }
    }
  }

  /** The members that lack an entry in {@code (commitIndex, index]} they must acknowledge. */
  private SortedSet<Integer> lacking(long index) {
    TreeSet<Integer> ids = new TreeSet<>();
    for (int id : match.keySet()) {
      long mustHold = Math.min(index, target(id));
      if (mustHold > commitIndex && matchOf(id) < mustHold) {
        ids.add(id);
      }
    }
    if (ids.isEmpty()) {
      ids.addAll(ackSet(commitIndex + 1));
    }
    return ids;
  }

  // ---------------------------------------------------------------- sending

  /** Re-sends to every member that lacks entries and heard nothing for a resend interval. */
  private void resendDue(OutputBuilder<C> out) {
    if (role == LeaderRole.TAKING_OVER && !folded) {
      return;
    }
    for (int id : new ArrayList<>(match.keySet())) {
      if (needs(id) && due(peer(id).lastSentAt)) {
        sendBatch(id, out);
      }
    }
  }

  /** Like {@link #sendBatch} unless the same batch start went out less than an interval ago. */
  private void sendBatchIfFresh(int id, OutputBuilder<C> out) {
    Peer peer = peer(id);
    if (peer.lastBatchFrom == Math.min(believed(id), target(id)) + 1 && !due(peer.lastSentAt)) {
      return;
    }
    sendBatch(id, out);
  }

  /**
   * Sends member {@code id} the entries after the index it is believed to hold, up to what it must
   * hold; if it is believed to hold all of them, an empty append that it acknowledges after
   * checking the term at that index.
   */
  private void sendBatch(int id, OutputBuilder<C> out) {
    if (unreachable.contains(id)) {
      return;
    }
    long target = target(id);
    if (matchOf(id) >= target) {
      return;
    }
    long start = Math.min(believed(id), target);
    long to = Math.min(target, start + config.maxEntriesPerMessage());
    OptionalLong prevTerm = log.termAt(start);
    if (prevTerm.isEmpty()) {
      requestFetch(start, to, out);
      return;
    }
    List<Entry<C>> entries = List.of();
    if (to > start) {
      long missing = log.firstMissing(start + 1, to);
      if (missing > 0) {
        requestFetch(missing, to, out);
        return;
      }
      entries = log.range(start + 1, to);
    }
    out.send(id, new Append<>(selfId, term, start, prevTerm.getAsLong(), entries));
    Peer peer = peer(id);
    peer.sentUpTo = to;
    peer.lastSentAt = nowMillis;
    peer.lastBatchFrom = start + 1;
    sentMax = Math.max(sentMax, to);
  }

  /** Asks a member that holds them for the entries from {@code from} (at most one message). */
  private void requestFetch(long from, long to, OutputBuilder<C> out) {
    long end = Math.min(to, from + config.maxEntriesPerMessage() - 1);
    if (fetchSentAt.containsKey(from)) {
      return; // requested less than a resend interval ago (older requests are pruned on ticks)
    }
    int holder = holderOf(end);
    if (holder < 0) {
      return;
    }
    fetchSentAt.put(from, nowMillis);
    out.send(holder, new FetchEntries<>(selfId, term, from, end));
  }

  /** A reachable node known to hold {@code index}, preferring this node; -1 if none. */
  private int holderOf(long index) {
    if (holds(selfId, index)) {
      return selfId;
    }
    for (int id : match.keySet()) {
      if (holds(id, index)) {
        return id;
      }
    }
    return -1;
  }

  private boolean holds(int id, long index) {
    return match.getOrDefault(id, -1L) >= index
        && !unreachable.contains(id)
        && !excluded.contains(id);
  }

  private void sendPromise(int id, OutputBuilder<C> out) {
    peer(id).promiseSentAt = nowMillis;
    if (!unreachable.contains(id)) {
      out.send(id, new Promise<>(selfId, term));
    }
  }

  private void stepDown(Event.SteppedDown.Reason reason, long observedTerm, OutputBuilder<C> out) {
    role = LeaderRole.STEPPED_DOWN;
    for (Map.Entry<Long, PendingWrite> write : pending.entrySet()) {
      out.reply(write.getValue().requestId(), new WriteOutcome.NoLeader(write.getKey()));
    }
    pending.clear();
    for (QueuedWrite<C> write : queued) {
      out.reply(write.requestId(), new WriteOutcome.NoLeader(0));
    }
    queued.clear();
    out.event(new Event.SteppedDown(term, observedTerm, reason));
  }

  // ---------------------------------------------------------------- small helpers

  /** The ids that must acknowledge the entry at {@code index}. */
  private SortedSet<Integer> ackSet(long index) {
    SortedSet<Integer> ids = memberships.ackSet(index);
    ids.removeIf(id -> removedAt.getOrDefault(id, Long.MAX_VALUE) < index);
    return ids;
  }

  /** The highest index member {@code id} must hold (0: none). */
  private long target(int id) {
    if (excluded.contains(id) && role == LeaderRole.TAKING_OVER) {
      return 0;
    }
    long target = memberships.target(id, log.lastIndex());
    Long removed = removedAt.get(id);
    return removed != null ? Math.min(target, removed) : target;
  }

  private boolean needs(int id) {
    return matchOf(id) < target(id);
  }

  private long matchOf(int id) {
    return match.getOrDefault(id, 0L);
  }

  /** The last index member {@code id} acknowledged or claimed to hold. */
  private long believed(int id) {
    return Math.max(matchOf(id), peer(id).hint);
  }

  private void raiseMatch(int id, long index) {
    long raised = Math.max(matchOf(id), index);
    match.put(id, raised);
    Peer peer = peer(id);
    peer.sentUpTo = Math.max(peer.sentUpTo, raised);
  }

  private Peer peer(int id) {
    match.putIfAbsent(id, 0L);
    return peers.computeIfAbsent(id, key -> new Peer());
  }

  private boolean due(long sentAt) {
    return nowMillis - sentAt >= config.resendIntervalMillis();
  }

  /** Drops cached entries that no member can need any more. */
  private void evictCache() {
    long floor = commitIndex;
    for (int id : match.keySet()) {
      if (needs(id)) {
        floor = Math.min(floor, matchOf(id));
      }
    }
    log.evictThrough(floor);
  }

  // ---------------------------------------------------------------- observers

  /**
   * Returns the node id hosting this leader.
   *
   * @return the node id
   */
  public int selfId() {
    return selfId;
  }

  /**
   * Returns this leader's term.
   *
   * @return the term
   */
  public long term() {
    return term;
  }

  /**
   * Returns the current role.
   *
   * @return the role
   */
  public LeaderRole role() {
    return role;
  }

  /**
   * Returns the highest index every member that must acknowledge it holds (0 before serving).
   *
   * @return the commit index
   */
  public long commitIndex() {
    return commitIndex;
  }

  /**
   * Returns the index of the last entry the leader knows (assigned or completed).
   *
   * @return the last index
   */
  public long lastIndex() {
    return log.lastIndex();
  }

  /**
   * Returns the members that must acknowledge the next write (meaningful while serving).
   *
   * @return an unmodifiable sorted set of node ids
   */
  public SortedSet<Integer> members() {
    if (role == LeaderRole.TAKING_OVER) {
      return Sets.sortedCopy(required);
    }
    TreeSet<Integer> ids = new TreeSet<>(memberships.at(log.lastIndex()));
    ids.removeIf(id -> removedAt.getOrDefault(id, Long.MAX_VALUE) <= log.lastIndex());
    return Sets.sortedCopy(ids);
  }

  /**
   * Returns how many writes wait for a reply (assigned, or queued while taking over).
   *
   * @return the number of waiting writes
   */
  public int waitingWrites() {
    return pending.size() + queued.size();
  }

  /** Number of entries held in memory (for tests of the eviction rule). */
  int cachedEntries() {
    return log.cachedEntries();
  }

  /** The highest index member {@code id} is known to hold (for tests). */
  long matchIndex(int id) {
    return matchOf(id);
  }
}
