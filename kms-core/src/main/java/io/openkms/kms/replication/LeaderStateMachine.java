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
import java.util.Iterator;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.SortedMap;
import java.util.SortedSet;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * The leader's replication rules for one term (docs/ARCHITECTURE.md §3), on the node that hosts the
 * leader singleton. Pure and deterministic; see the package documentation for how the caller
 * executes an {@link Output}. The leader stores nothing durable: it reaches its own node's replica
 * log by messages to its own node id, exactly like every other member's, and is recreated (with a
 * higher term) after a crash or step-down. Host it on a member whose applied state is current: its
 * start set is that node's member set, and from a view that names no live member the takeover
 * cannot finish.
 *
 * <h2>Taking over ({@link LeaderRole#TAKING_OVER})</h2>
 *
 * Source: docs/ARCHITECTURE.md §3 "Terms and takeover"; the rules are listed in {@link Takeover}.
 * In short: {@link #start(long)} sends {@link Promise} to every member of the start set (re-sent
 * every {@link LeaderConfig#resendIntervalMillis()} until answered); more members must promise as
 * the answers reveal them (in the log, as unconfirmed removals, or named by removed members); the
 * log's end is the highest last index promised; missing entries are fetched ({@link FetchEntries})
 * and sent to every member that lacks them; when all hold what they must, the leader is {@link
 * LeaderRole#SERVING} with commit index = the end ({@link Event.BecameServing}).
 *
 * <p>Writes that arrive meanwhile are queued, up to {@link LeaderConfig#maxQueuedWrites()}; one
 * more is refused at once with {@link WriteOutcome.NoLeader}, and one that needs a member known
 * unreachable with {@link WriteOutcome.Unavailable}. A queued write fails with {@code Unavailable}
 * (naming the members that block the takeover, nothing written) when {@link
 * LeaderConfig#writeTimeoutMillis()} passes; when serving starts, the remaining queued writes are
 * assigned indexes in arrival order, keeping their deadline.
 *
 * <h2>Serving ({@link LeaderRole#SERVING})</h2>
 *
 * Source: docs/ARCHITECTURE.md §3 "Write path", invariants 2 and 4.
 *
 * <ul>
 *   <li>{@link ClientWrite}: if a member that must acknowledge it is known unreachable, refused at
 *       once ({@link WriteOutcome.Unavailable}, nothing written); if nobody would hold it, {@link
 *       WriteOutcome.NoLeader}. Otherwise assigned {@code (term, lastIndex + 1)} and sent ({@link
 *       Append}, carrying the commit index) to every member that must acknowledge it, the leader's
 *       own node included — except a joiner that has not yet received its own addition: it gets
 *       only entries every other member holds (see {@link PeerReplication}).
 *   <li>The entry at {@code i} commits when every id in {@code before(i) ∪ after(i)} (see {@link
 *       MembershipRule}) acknowledged {@code ≥ i} in this term and all earlier entries committed
 *       ({@link CommitRule}); the write is then answered {@link WriteOutcome.Committed}. When a
 *       membership change commits, the new commit index is announced at once with empty appends, so
 *       replicas confirm the removals they applied.
 *   <li>{@link Tick}: a write not committed within the write timeout is answered {@link
 *       WriteOutcome.Unavailable} with the members that lack it and its index — in doubt: the entry
 *       stays and is re-sent every resend interval to every member that lacks it, until it
 *       acknowledges or is removed.
 *   <li>{@link AppendRejected} {@code GAP}: sending resumes after the member's last index (a claim
 *       the next append checks; only acknowledgements count for commit). {@code REMOVED}: the
 *       member holds everything up to its removal and needs nothing more.
 *   <li>{@link MemberUnreachable} / {@link MemberReachable}: stop sending / re-send at once from
 *       the member's last acknowledged index.
 *   <li>A member removed by a committed entry leaves the cluster when it learns the commit (issue
 *       12, {@link Event.RemovalCommitted}); it learns it only after every witness of the removal
 *       (members before, after and now) echoed a commit index at or above it, so that no member
 *       reports the removal unconfirmed to a later leader, which would then wait for the departed
 *       node's promise. Announcements are repeated every resend interval until echoed.
 *   <li>{@link MembershipChanged}: the removed ids no longer have to acknowledge anything, so
 *       pending writes that waited only for them commit; their later answers are ignored.
 * </ul>
 *
 * <h2>Stepping down ({@link LeaderRole#STEPPED_DOWN})</h2>
 *
 * A member that promised a higher term ({@link AppendRejected} {@code STALE_TERM} or {@link
 * PromiseRejected}), or the same term to a rival, fences this leader (docs/ARCHITECTURE.md §3:
 * "This fences a stale leader ... even if two singletons ever overlap"); so does a log conflict
 * ({@code CONFLICT}, or a promise or fetched entry that contradicts a known term). Output: {@link
 * Event.SteppedDown}, and every waiting write is answered {@link WriteOutcome.NoLeader} (with its
 * index if it had one: in doubt, the next leader completes it if any member persisted it).
 * Afterwards every write is answered {@code NoLeader(0)} and other inputs are ignored.
 *
 * <h2>Memory</h2>
 *
 * The leader keeps in memory the entries some member that must hold them still lacks (all of them
 * for a member that joins without a snapshot) and one member set per membership change.
 *
 * @param <C> the replicated command type
 */
public final class LeaderStateMachine<C> {

  private final int selfId;
  private final long term;
  private final SortedSet<Integer> startMembers;
  private final MembershipRule<C> rule;
  private final LeaderConfig config;
  private final PeerReplication<C> peers;
  private final LeaderLog<C> log;
  private final MembershipHistory memberships;

  private boolean started;
  private LeaderRole role = LeaderRole.TAKING_OVER;
  private long commitIndex;

  private final Takeover<C> takeover;

  private final TreeMap<Long, PendingWrite> pending = new TreeMap<>();
  private final ArrayDeque<QueuedWrite<C>> queued = new ArrayDeque<>();

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
   * @throws IllegalArgumentException if {@code selfId} is negative, {@code term} below 1 or {@code
   *     members} empty
   */
  public LeaderStateMachine(
      int selfId, long term, Set<Integer> members, MembershipRule<C> rule, LeaderConfig config) {
    this(selfId, term, members, rule, config, MessageBudget.unbounded());
  }

  /**
   * Creates the leader of {@code term} whose messages are bounded by bytes as well as by entries;
   * call {@link #start(long)} next. The caller refuses changes larger than {@link
   * MessageBudget#maxChangeBytes()} before it submits them ({@link MessageBudget#admits}).
   *
   * @param selfId the node id hosting this leader, at least 0 (the sender id of its messages)
   * @param term the new term (see the other constructor)
   * @param members the member set of the hosting node's applied state, not empty
   * @param rule how commands change membership
   * @param config timing and size limits
   * @param budget the byte bound of a message and the size of a command
   * @throws IllegalArgumentException if {@code selfId} is negative, {@code term} below 1 or {@code
   *     members} empty
   */
  public LeaderStateMachine(
      int selfId,
      long term,
      Set<Integer> members,
      MembershipRule<C> rule,
      LeaderConfig config,
      MessageBudget<C> budget) {
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
    this.peers = new PeerReplication<>(selfId, term, config, Objects.requireNonNull(budget));
    this.log = peers.log;
    this.memberships = peers.memberships;
    memberships.reset(0, startMembers);
    this.takeover = new Takeover<>(startMembers, rule, peers);
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
    peers.setNow(nowMillis);
    OutputBuilder<C> out = new OutputBuilder<>();
    takeover.start(out);
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
      peers.unreachable.add(down.memberId());
    } else if (input instanceof MemberReachable<C> up) {
      onMemberReachable(up.memberId(), out);
    } else if (input instanceof MembershipChanged<C> changed) {
      onMembershipChanged(changed, out);
    }
    return out.build();
  }

  // ---------------------------------------------------------------- client writes

  private void onClientWrite(ClientWrite<C> write, OutputBuilder<C> out) {
    long deadline = peers.now() + config.writeTimeoutMillis();
    switch (role) {
      case STEPPED_DOWN -> out.reply(write.requestId(), new WriteOutcome.NoLeader(0));
      case SERVING -> assign(write.requestId(), write.command(), deadline, out);
      case TAKING_OVER -> {
        SortedSet<Integer> blockers = takeover.unreachableRequired();
        if (!blockers.isEmpty()) {
          out.reply(write.requestId(), new WriteOutcome.Unavailable(blockers, 0));
        } else if (queued.size() >= config.maxQueuedWrites()) {
          out.reply(write.requestId(), new WriteOutcome.NoLeader(0));
        } else {
          queued.add(new QueuedWrite<>(write.requestId(), write.command(), deadline));
        }
      }
    }
  }

  /**
   * Assigns the next index to a write and sends it (serving). Refused without an index if a member
   * that must acknowledge it is unreachable, or if nobody would hold it.
   */
  private void assign(long requestId, C command, long deadlineMillis, OutputBuilder<C> out) {
    long index = log.lastIndex() + 1;
    SortedSet<Integer> before = memberships.at(index - 1);
    Set<Integer> after = rule.apply(before, command);
    TreeSet<Integer> holders = new TreeSet<>(before);
    holders.addAll(after);
    holders.removeIf(id -> peers.removedAt.getOrDefault(id, Long.MAX_VALUE) < index);
    Set<Integer> released = rule.releases(command);
    holders.removeAll(released);
    if (holders.isEmpty()) {
      out.reply(requestId, new WriteOutcome.NoLeader(0));
      return;
    }
    holders.retainAll(peers.unreachable);
    if (!holders.isEmpty()) {
      out.reply(requestId, new WriteOutcome.Unavailable(holders, 0));
      return;
    }
    long prevTerm = log.lastTerm();
    Entry<C> entry = new Entry<>(term, index, command);
    log.append(entry);
    memberships.record(index, after, released);
    pending.put(index, new PendingWrite(requestId, deadlineMillis));
    peers.replicateNew(entry, prevTerm, out);
    advanceCommit(out);
  }

  // ---------------------------------------------------------------- replica answers

  private void onAppendAck(AppendAck<C> ack, OutputBuilder<C> out) {
    if (ack.term() != term || role == LeaderRole.STEPPED_DOWN) {
      return;
    }
    peers.raiseMatch(ack.from(), Math.min(ack.lastIndex(), log.lastIndex()));
    peers.confirmed(ack.from(), ack.commitIndex());
    if (role == LeaderRole.SERVING) {
      advanceCommit(out);
      peers.replicateIdle(out); // this member's next batch, or a joiner's entries now held by all
      peers.tellRemovals(out); // a removed member may leave once all remaining ones confirmed
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
      case STALE_TERM -> {} // only possible with a promised term above ours, handled above
      case CONFLICT ->
          stepDown(
              Event.SteppedDown.Reason.LOG_CONFLICT, Math.max(term, rejected.promisedTerm()), out);
      case GAP, REMOVED -> {
        long reported = Math.min(rejected.lastIndex(), log.lastIndex());
        if (rejected.reason() == AppendRejected.Reason.REMOVED) {
          // final: it will never acknowledge more, and it holds everything up to its removal
          peers.removedAt.merge(from, rejected.lastIndex(), Math::max);
          peers.raiseMatch(from, reported);
        }
        // a claim, not an acknowledgement: sending resumes after it, the next append checks it
        peers.claim(from, reported);
        if (role == LeaderRole.SERVING) {
          advanceCommit(out);
          if (peers.needs(from)) {
            peers.sendBatchIfFresh(from, out);
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
    if (!takeover.promised(granted, out)) {
      stepDown(Event.SteppedDown.Reason.LOG_CONFLICT, term, out);
      return;
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
        || peers.excluded.contains(fetched.from())) {
      return; // a removed node's log may hold in-doubt entries that were dropped
    }
    for (Entry<C> entry : fetched.entries()) {
      if (!log.learn(entry)) {
        stepDown(Event.SteppedDown.Reason.LOG_CONFLICT, term, out);
        return;
      }
    }
    peers.fetched(fetched.fromIndex(), fetched.entries().size());
    if (role == LeaderRole.TAKING_OVER) {
      advanceTakeover(out);
    } else {
      peers.replicateIdle(out);
    }
  }

  // ---------------------------------------------------------------- clock, failure detector, edits

  private void onTick(Tick<C> tick, OutputBuilder<C> out) {
    peers.setNow(tick.nowMillis());
    if (role == LeaderRole.TAKING_OVER) {
      takeover.resendPromises(out);
      advanceTakeover(out);
      if (role == LeaderRole.TAKING_OVER && takeover.folded()) {
        peers.resendDue(out);
      }
      expireQueued(out);
    } else if (role == LeaderRole.SERVING) {
      expirePending(out);
      peers.resendDue(out);
      peers.tellRemovals(out);
    }
  }

  private void onMemberReachable(int id, OutputBuilder<C> out) {
    peers.unreachable.remove(id);
    if (role == LeaderRole.TAKING_OVER) {
      takeover.reachable(id, out);
      advanceTakeover(out);
      if (role == LeaderRole.TAKING_OVER && takeover.folded() && peers.needs(id)) {
        peers.sendBatch(id, out);
      }
    } else if (role == LeaderRole.SERVING && peers.needs(id)) {
      peers.sendBatch(id, out);
    }
  }

  private void onMembershipChanged(MembershipChanged<C> changed, OutputBuilder<C> out) {
    if (role == LeaderRole.STEPPED_DOWN) {
      return;
    }
    if (role == LeaderRole.TAKING_OVER) {
      takeover.exclude(changed.removedIds());
      advanceTakeover(out);
    } else {
      peers.excluded.addAll(changed.removedIds());
      peers.evictThroughEnd(changed.removedIds());
      advanceCommit(out);
    }
  }

  // ---------------------------------------------------------------- takeover

  /** Moves the takeover as far as it can; serves when it is complete. */
  private void advanceTakeover(OutputBuilder<C> out) {
    if (role == LeaderRole.TAKING_OVER && takeover.advance(out)) {
      becomeServing(out);
    }
  }

  private void becomeServing(OutputBuilder<C> out) {
    role = LeaderRole.SERVING;
    commitIndex = log.lastIndex();
    peers.setCommitIndex(commitIndex);
    if (!peers.excluded.isEmpty()) {
      peers.evictThroughEnd(peers.excluded);
    }
    out.event(new Event.BecameServing(term, commitIndex));
    peers.tellRemovals(out); // removals completed by the takeover: confirm them, then tell
    peers.evictCache(commitIndex);
    while (!queued.isEmpty()) {
      QueuedWrite<C> write = queued.poll();
      assign(write.requestId(), write.command(), write.deadlineMillis(), out);
    }
  }

  private void expireQueued(OutputBuilder<C> out) {
    for (Iterator<QueuedWrite<C>> it = queued.iterator(); it.hasNext(); ) {
      QueuedWrite<C> write = it.next();
      if (write.deadlineMillis() <= peers.now()) {
        out.reply(write.requestId(), new WriteOutcome.Unavailable(takeover.blockers(), 0));
        it.remove();
      }
    }
  }

  // ---------------------------------------------------------------- commit, timeouts, step-down

  private void advanceCommit(OutputBuilder<C> out) {
    if (role != LeaderRole.SERVING) {
      return;
    }
    long newCommit = CommitRule.advance(commitIndex, log.lastIndex(), peers::ackSet, peers.match);
    if (newCommit == commitIndex) {
      return;
    }
    Map<Long, PendingWrite> done = pending.headMap(newCommit, true);
    for (Map.Entry<Long, PendingWrite> write : done.entrySet()) {
      out.reply(write.getValue().requestId(), new WriteOutcome.Committed(write.getKey()));
    }
    done.clear();
    boolean membershipChanged = memberships.changesIn(commitIndex, newCommit);
    commitIndex = newCommit;
    peers.setCommitIndex(commitIndex);
    if (membershipChanged) {
      peers.announceCommit(out); // replicas confirm the removals they applied
      peers.tellRemovals(out);
    }
    peers.evictCache(commitIndex);
  }

  private void expirePending(OutputBuilder<C> out) {
    for (Iterator<Map.Entry<Long, PendingWrite>> it = pending.entrySet().iterator();
        it.hasNext(); ) {
      Map.Entry<Long, PendingWrite> write = it.next();
      if (write.getValue().deadlineMillis() <= peers.now()) {
        long index = write.getKey();
        out.reply(
            write.getValue().requestId(),
            new WriteOutcome.Unavailable(peers.lacking(index, commitIndex), index));
        it.remove();
      }
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
   * Returns the index of the last entry the leader knows (assigned or completed; while taking over,
   * the highest index promised so far).
   *
   * @return the last index
   */
  public long lastIndex() {
    return log.lastIndex();
  }

  /**
   * Returns the members: while taking over, those whose promise is required; while serving, those
   * that must acknowledge the next write.
   *
   * @return an unmodifiable sorted set of node ids
   */
  public SortedSet<Integer> members() {
    if (role == LeaderRole.TAKING_OVER) {
      return takeover.required();
    }
    TreeSet<Integer> ids = new TreeSet<>(memberships.at(log.lastIndex()));
    ids.removeIf(id -> peers.removedAt.getOrDefault(id, Long.MAX_VALUE) <= log.lastIndex());
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

  /**
   * Returns, per member that must acknowledge the next write, the highest index it is known to hold
   * (acknowledged, or reported in its promise; 0 when nothing is known yet).
   *
   * @return a new sorted map node id → index
   */
  public SortedMap<Integer, Long> matchIndexes() {
    SortedMap<Integer, Long> out = new TreeMap<>();
    for (int id : members()) {
      out.put(id, peers.matchOf(id));
    }
    return out;
  }

  /** Number of entries held in memory (for tests of the eviction rule). */
  int cachedEntries() {
    return log.cachedEntries();
  }

  /** The highest index member {@code id} is known to hold (for tests). */
  long matchIndex(int id) {
    return peers.matchOf(id);
  }
}
