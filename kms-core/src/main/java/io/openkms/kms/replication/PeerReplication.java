package io.openkms.kms.replication;

import io.openkms.kms.replication.ReplicaInput.Append;
import io.openkms.kms.replication.ReplicaInput.FetchEntries;
import io.openkms.kms.replication.ReplicaInput.Promise;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;
import java.util.Set;
import java.util.SortedSet;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * The leader's bookkeeping per member — what each holds, what it must hold, what was sent to it and
 * when — and the sending rules built on it (docs/ARCHITECTURE.md §3 "Write path": the leader "keeps
 * re-sending an entry that any replica has persisted until all members have it or the member is
 * removed"). Owned by one {@link LeaderStateMachine}, which decides when to call it.
 *
 * <p>Rules:
 *
 * <ul>
 *   <li>A member's {@code match} (the highest index it acknowledged, or reported in its promise) is
 *       the only thing that counts towards commit; a {@code GAP} answer only moves where sending
 *       resumes ({@code hint}), and the next append verifies it.
 *   <li>A member must hold everything up to its {@link #target}: the last index whose ack set
 *       contains it. A joiner gets entries only once every other member holds them ({@link
 *       #sendLimit}).
 *   <li>Entries go out in batches of at most {@link LeaderConfig#maxEntriesPerMessage()} whose
 *       serialized sizes add up to at most {@link MessageBudget#maxMessageBytes()} (at least one
 *       entry per batch, see {@link MessageBudget#fitting}); the same batch is not repeated within
 *       {@link LeaderConfig#resendIntervalMillis()} unless the resend is due. Entries the leader
 *       does not hold are fetched from a reachable member that holds them, preferring the leader's
 *       own node.
 *   <li>At most {@link LeaderConfig#maxAppendsInFlight()} appends with entries beyond what a member
 *       is believed to hold are unanswered at a time. A new entry for a member with no free slot is
 *       not sent at once: it goes out, together with every entry assigned meanwhile, in the append
 *       that the next answer frees a slot for (group commit: the member journals the batch in one
 *       write). Only when appends go out changes; what they carry and what counts towards commit do
 *       not.
 *   <li>Nothing is sent to a member the failure detector reports unreachable.
 * </ul>
 */
final class PeerReplication<C> {

  /** A send time meaning "never sent": always due. */
  private static final long NEVER = Long.MIN_VALUE;

  final LeaderLog<C> log;
  final MembershipHistory memberships = new MembershipHistory();

  /** Per node id, the highest index it is known to hold. */
  final Map<Integer, Long> match = new TreeMap<>();

  final Set<Integer> unreachable = new TreeSet<>();

  /** Per node id that reported its own removal, the index it stopped at. */
  final Map<Integer, Long> removedAt = new TreeMap<>();

  /** Ids removed out of band: their logs no longer count. */
  final Set<Integer> excluded = new TreeSet<>();

  /**
   * Per node id, the highest commit index it echoed in an acknowledgement of this term: it
   * confirmed (and persisted) every removal up to there.
   */
  private final Map<Integer, Long> confirmed = new TreeMap<>();

  private final int selfId;
  private final long term;
  private final LeaderConfig config;
  private final Map<Integer, Peer> peers = new TreeMap<>();

  /** Per fetch start index, when it was last requested. */
  private final TreeMap<Long, Long> fetchSentAt = new TreeMap<>();

  /** The highest index this leader ever sent: its log never ends below it. */
  private long sentMax;

  private long nowMillis;
  private boolean clockStarted;

  /** The leader's commit index, carried by every append (0 while taking over). */
  private long commitIndex;

  /** What the leader sent a member and when. */
  private static final class Peer {
    /** The last index the member claimed to hold (promise, GAP): where sending resumes. */
    long hint;

    long sentUpTo;

    /** The last index of each append with entries sent since sending last restarted, in order. */
    final ArrayDeque<Long> inFlight = new ArrayDeque<>();

    long lastSentAt = NEVER;
    long lastBatchFrom;
    long promiseSentAt = NEVER;

    /** When the commit index was last announced to it for a removal ({@link #tellRemovals}). */
    long toldAt = NEVER;
  }

  PeerReplication(int selfId, long term, LeaderConfig config, MessageBudget<C> budget) {
    this.log = new LeaderLog<>(budget);
    this.selfId = selfId;
    this.term = term;
    this.config = config;
  }

  /** Advances the clock (the first value is taken as is; later ones never move it back). */
  void setNow(long nowMillis) {
    this.nowMillis = clockStarted ? Math.max(this.nowMillis, nowMillis) : nowMillis;
    clockStarted = true;
    fetchSentAt.values().removeIf(this::due);
  }

  long now() {
    return nowMillis;
  }

  long sentMax() {
    return sentMax;
  }

  void setCommitIndex(long commitIndex) {
    this.commitIndex = commitIndex;
  }

  // ---------------------------------------------------------------- what members hold and need

  /** The ids that must acknowledge the entry at {@code index}. */
  SortedSet<Integer> ackSet(long index) {
    SortedSet<Integer> ids = memberships.ackSet(index);
    ids.removeIf(id -> removedAt.getOrDefault(id, Long.MAX_VALUE) < index || excluded.contains(id));
    return ids;
  }

  /** The highest index member {@code id} must hold (0: none). */
  long target(int id) {
    if (excluded.contains(id)) {
      return 0; // removed out of band: ids are never reused
    }
    long target = memberships.target(id, log.lastIndex());
    Long removed = removedAt.get(id);
    return removed != null ? Math.min(target, removed) : target;
  }

  boolean needs(int id) {
    return matchOf(id) < target(id);
  }

  /**
   * The highest index that may be sent to {@code id} now. A member that has not yet received the
   * entry that adds it (a joiner) only gets entries that every other member of that entry's ack set
   * already holds: its own addition is then durable on the members any later takeover asks, so a
   * later leader finds it in the log and never gives its indexes to other writes
   * (docs/ARCHITECTURE.md §3 invariant 1, "Joining").
   */
  long sendLimit(int id) {
    long target = target(id);
    long join = memberships.joinIndex(id, matchOf(id));
    if (join == 0 || join > target) {
      return target;
    }
    SortedSet<Integer> established = ackSet(join);
    established.remove(id);
    if (established.isEmpty()) {
      return target;
    }
    long heldByAll = CommitRule.highestAckedByAll(established, match);
    return heldByAll >= join ? target : Math.min(target, heldByAll);
  }

  long matchOf(int id) {
    return match.getOrDefault(id, 0L);
  }

  /** The last index member {@code id} acknowledged or claimed to hold. */
  long believed(int id) {
    return Math.max(matchOf(id), peer(id).hint);
  }

  /** Nothing sent to {@code id} is still unanswered beyond what it is believed to hold. */
  boolean idle(int id) {
    return peer(id).sentUpTo <= believed(id);
  }

  /**
   * How many appends sent to {@code id} carry entries beyond what it is believed to hold
   * (unanswered ones, or lost ones until the resend).
   */
  int inFlight(int id) {
    Peer peer = peer(id);
    long held = believed(id);
    while (!peer.inFlight.isEmpty() && peer.inFlight.peekFirst() <= held) {
      peer.inFlight.pollFirst();
    }
    return peer.inFlight.size();
  }

  private boolean slotFree(int id) {
    return inFlight(id) < config.maxAppendsInFlight();
  }

  void raiseMatch(int id, long index) {
    long raised = Math.max(matchOf(id), index);
    match.put(id, raised);
    Peer peer = peer(id);
    peer.sentUpTo = Math.max(peer.sentUpTo, raised);
  }

  /** Records a claim (promise, {@code GAP}): sending resumes after it; in-flight data was lost. */
  void claim(int id, long lastIndex) {
    Peer peer = peer(id);
    peer.hint = Math.max(peer.hint, lastIndex);
    peer.sentUpTo = believed(id);
    peer.inFlight.clear();
  }

  /** Ids known to this leader, in order (a copy: safe to iterate while sending). */
  List<Integer> knownIds() {
    return new ArrayList<>(match.keySet());
  }

  /**
   * The members that lack an entry in {@code (commitIndex, index]} they must acknowledge; never
   * empty when {@code index > commitIndex}.
   */
  SortedSet<Integer> lacking(long index, long commitIndex) {
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

  /** Drops cached entries that no member can need any more. */
  void evictCache(long commitIndex) {
    long floor = commitIndex;
    for (int id : match.keySet()) {
      if (needs(id)) {
        floor = Math.min(floor, matchOf(id));
      }
    }
    for (long removal : leaving().values()) {
      floor = Math.min(floor, removal); // the term at it: the removed member is told there
    }
    log.evictThrough(floor);
  }

  /** Frees {@code ids} from every entry up to the log's end and from the member set. */
  void evictThroughEnd(Set<Integer> ids) {
    long end = log.lastIndex();
    for (int id : ids) {
      memberships.evict(id, end);
    }
    TreeSet<Integer> tail = new TreeSet<>(memberships.at(end));
    tail.removeAll(ids);
    memberships.override(end, tail);
  }

  // ---------------------------------------------------------------- sending

  /**
   * Sends a newly assigned entry to every member that must acknowledge it: alone if the member is
   * in step and has a free slot (else it waits for {@link #replicateIdle}), as part of a catch-up
   * batch if the member is behind and idle.
   */
  void replicateNew(Entry<C> entry, long prevTerm, OutputBuilder<C> out) {
    long index = entry.index();
    for (int id : ackSet(index)) {
      Peer peer = peer(id);
      if (unreachable.contains(id) || sendLimit(id) < index) {
        continue;
      }
      if (peer.sentUpTo == index - 1) {
        if (slotFree(id)) {
          out.send(
              id, new Append<>(selfId, term, index - 1, prevTerm, List.of(entry), commitFor(id)));
          sentInStep(peer, index);
        }
      } else if (idle(id)) {
        sendBatchIfFresh(id, out);
      }
    }
  }

  /**
   * Sends a batch to every member that lacks entries and has nothing in flight, and the entries
   * that waited for a free slot to every member in step that has one.
   */
  void replicateIdle(OutputBuilder<C> out) {
    for (int id : knownIds()) {
      if (!needs(id)) {
        continue;
      }
      if (idle(id)) {
        sendBatchIfFresh(id, out);
      } else {
        sendNext(id, out);
      }
    }
  }

  /**
   * Sends member {@code id}, in step but with appends in flight, the entries after the last one
   * sent to it, if it has a free slot and may get them.
   */
  private void sendNext(int id, OutputBuilder<C> out) {
    Peer peer = peer(id);
    long target = sendLimit(id);
    if (unreachable.contains(id) || peer.sentUpTo >= target || !slotFree(id)) {
      return;
    }
    long start = peer.sentUpTo;
    long to = Math.min(target, start + config.maxEntriesPerMessage());
    OptionalLong prevTerm = log.termAt(start);
    if (prevTerm.isEmpty() || log.firstMissing(start + 1, to) > 0) {
      return; // not held: the member gets them in a batch from what it holds (resend, fetch)
    }
    to = log.fittingEnd(start + 1, to);
    out.send(
        id,
        new Append<>(
            selfId, term, start, prevTerm.getAsLong(), log.range(start + 1, to), commitFor(id)));
    sentInStep(peer, to);
  }

  /** Records an append with entries up to {@code to} sent to an in-step {@code peer}. */
  private void sentInStep(Peer peer, long to) {
    peer.sentUpTo = to;
    peer.inFlight.addLast(to);
    peer.lastSentAt = nowMillis;
    sentMax = Math.max(sentMax, to);
  }

  /** Re-sends to every member that lacks entries and heard nothing for a resend interval. */
  void resendDue(OutputBuilder<C> out) {
    for (int id : knownIds()) {
      if (needs(id) && due(peer(id).lastSentAt)) {
        sendBatch(id, out);
      }
    }
  }

  /** Like {@link #sendBatch} unless the same batch start went out less than an interval ago. */
  void sendBatchIfFresh(int id, OutputBuilder<C> out) {
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
  void sendBatch(int id, OutputBuilder<C> out) {
    if (unreachable.contains(id)) {
      return;
    }
    long target = sendLimit(id);
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
      to = log.fittingEnd(start + 1, to);
      entries = log.range(start + 1, to);
    }
    out.send(id, new Append<>(selfId, term, start, prevTerm.getAsLong(), entries, commitFor(id)));
    Peer peer = peer(id);
    peer.inFlight.clear(); // sending restarts from what the member holds
    if (to > start) {
      peer.inFlight.addLast(to);
    }
    peer.sentUpTo = to;
    peer.lastSentAt = nowMillis;
    peer.lastBatchFrom = start + 1;
    sentMax = Math.max(sentMax, to);
  }

  /**
   * Tells every member that holds the log up to the commit index about it, with an empty append
   * (after a membership change committed: replicas then drop the removals they had to confirm).
   */
  void announceCommit(OutputBuilder<C> out) {
    for (int id : knownIds()) {
      long held = matchOf(id);
      OptionalLong term = log.termAt(held);
      if (held >= commitIndex
          && !unreachable.contains(id)
          && !excluded.contains(id)
          && term.isPresent()
          && commitFor(id) == commitIndex) { // a removed member is told later: tellRemovals
        out.send(
            id, new Append<>(selfId, this.term, held, term.getAsLong(), List.of(), commitIndex));
        peer(id).toldAt = nowMillis;
      }
    }
  }

  // ---------------------------------------------------------------- removed members leaving

  /** Records the commit index {@code id} echoed: it confirmed every removal up to there. */
  void confirmed(int id, long commitIndex) {
    confirmed.merge(id, Math.min(commitIndex, this.commitIndex), Math::max);
  }

  long confirmedOf(int id) {
    return confirmed.getOrDefault(id, 0L);
  }

  /**
   * The index of the log entry that removed {@code id} (it reported it, or this leader's log
   * removes it), or 0: a member, unknown, removed out of band, or released (removed while dead: it
   * is not told).
   */
  long removalIndex(int id) {
    if (excluded.contains(id)) {
      return 0;
    }
    Long reported = removedAt.get(id);
    if (reported != null) {
      return reported;
    }
    long last = log.lastIndex();
    return memberships.at(last).contains(id) ? 0 : memberships.target(id, last);
  }

  /**
   * The nodes that may remember the removal of {@code removedId} at {@code removal} as unconfirmed
   * and report it to a new leader: the members before and after it, and those of now (a joiner may
   * replay it), also those removed since (they report it until they learn it committed), except ids
   * removed out of band.
   */
  private SortedSet<Integer> witnesses(int removedId, long removal) {
    TreeSet<Integer> ids = new TreeSet<>(memberships.at(removal - 1));
    ids.addAll(memberships.at(removal));
    ids.addAll(memberships.at(log.lastIndex()));
    ids.remove(removedId);
    ids.removeAll(excluded);
    return ids;
  }

  /**
   * True if every witness of the removal of {@code removedId} at {@code removal} echoed a commit
   * index at or above it: none of them reports it unconfirmed to a later leader any more, so no
   * takeover asks for the removed member's promise.
   */
  private boolean confirmedByWitnesses(int removedId, long removal) {
    for (int id : witnesses(removedId, removal)) {
      if (confirmedOf(id) < removal) {
        return false;
      }
    }
    return true;
  }

  /**
   * The commit index an append to {@code id} carries: the leader's, except for a member whose
   * committed removal not every remaining member confirmed yet — it learns the commit only after
   * them, since it leaves the cluster on learning it ({@link Event.RemovalCommitted}), and a member
   * that still lists its removal as unconfirmed would make every later takeover wait for its
   * promise (the wedge of issue 12).
   */
  private long commitFor(int id) {
    long removal = removalIndex(id);
    if (removal == 0 || removal > commitIndex || confirmedByWitnesses(id, removal)) {
      return commitIndex;
    }
    return Math.min(commitIndex, removal - 1);
  }

  /**
   * The removed members that have not yet confirmed their own committed removal, with the index of
   * the entry that removed them.
   */
  private Map<Integer, Long> leaving() {
    Map<Integer, Long> leaving = new TreeMap<>();
    for (int id : match.keySet()) {
      long removal = removalIndex(id);
      if (removal > 0 && removal <= commitIndex && confirmedOf(id) < removal) {
        leaving.put(id, removal);
      }
    }
    return leaving;
  }

  /**
   * While a committed removal is not confirmed by its removed member: announces the commit index
   * (an empty append, at most once per resend interval each) first to every witness of the removal
   * that has not echoed it and holds the log up to it, then — once all of them did — to the removed
   * member, which then leaves (docs: issue 12, "the cluster never wedges").
   *
   * @param out where the appends go
   */
  void tellRemovals(OutputBuilder<C> out) {
    for (Map.Entry<Integer, Long> leaving : leaving().entrySet()) {
      int removedId = leaving.getKey();
      long removal = leaving.getValue();
      boolean confirmed = true;
      for (int id : witnesses(removedId, removal)) {
        if (confirmedOf(id) < removal) {
          confirmed = false;
          if (!needs(id) && matchOf(id) >= removal) {
            tellCommit(id, matchOf(id), out); // one that lacks entries learns it with them
          }
        }
      }
      if (confirmed) {
        tellCommit(removedId, removal, out);
      }
    }
  }

  /** An empty append at {@code held} carrying the commit index, unless sent within an interval. */
  private void tellCommit(int id, long held, OutputBuilder<C> out) {
    Peer peer = peer(id);
    OptionalLong heldTerm = log.termAt(held);
    if (unreachable.contains(id) || !due(peer.toldAt) || heldTerm.isEmpty()) {
      return;
    }
    peer.toldAt = nowMillis;
    out.send(id, new Append<>(selfId, term, held, heldTerm.getAsLong(), List.of(), commitFor(id)));
  }

  /** Asks a member that holds them for the entries from {@code from} (at most one message). */
  void requestFetch(long from, long to, OutputBuilder<C> out) {
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

  /** Forgets the fetch requests that {@code entries} answered. */
  void fetched(long fromIndex, int count) {
    fetchSentAt.subMap(fromIndex, true, fromIndex + count, false).clear();
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

  /** Asks {@code id} for its promise (unless it is unreachable: then at the next due resend). */
  void sendPromise(int id, OutputBuilder<C> out) {
    peer(id).promiseSentAt = nowMillis;
    if (!unreachable.contains(id)) {
      out.send(id, new Promise<>(selfId, term));
    }
  }

  boolean promiseDue(int id) {
    return due(peer(id).promiseSentAt);
  }

  private Peer peer(int id) {
    match.putIfAbsent(id, 0L);
    return peers.computeIfAbsent(id, key -> new Peer());
  }

  private boolean due(long sentAt) {
    return sentAt == NEVER || nowMillis - sentAt >= config.resendIntervalMillis();
  }
}
