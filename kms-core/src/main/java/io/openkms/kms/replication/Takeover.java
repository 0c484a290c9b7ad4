package io.openkms.kms.replication;

import io.openkms.kms.replication.LeaderInput.PromiseGranted;
import java.util.Map;
import java.util.Set;
import java.util.SortedSet;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * The takeover rules of a new leader (docs/ARCHITECTURE.md §3 "Terms and takeover"): collect a
 * promise from every member, find the log's end, complete every member's log, then let the leader
 * serve. Owned by one {@link LeaderStateMachine} while it is {@link LeaderRole#TAKING_OVER}.
 *
 * <p>Rules, applied again after every answer:
 *
 * <ol>
 *   <li>Every required member must promise: first the start set, then every member found later
 *       (below). The first answer of each member counts.
 *   <li>Ids that any promise reports evicted ({@code edit --rm}) are ignored from then on; members
 *       that a promise reports removed by an unconfirmed entry must promise too (they must learn
 *       their removal, invariant 5).
 *   <li>The base is the promise with the lowest last index among members not removed, leaving out
 *       joiners that have not applied their own addition (their log is a prefix of every
 *       established member's: a joiner gets only entries all others hold; otherwise a joiner that
 *       replays the log from the start would make every member removed before its addition
 *       required, also one that left for good); the end is the highest last index promised, and
 *       never below what this leader already sent. If only removed members answered, the members
 *       they name must promise.
 *   <li>The entries between base and end are fetched from members that hold them, then folded
 *       through the {@link MembershipRule} from the base member's member set; every id that is a
 *       member somewhere in that range must promise, except ids that an entry of the range
 *       {@linkplain MembershipRule#releases releases} (a dead member's removal).
 *   <li>Every required member gets what it lacks up to the last index it must acknowledge; when all
 *       hold it, the takeover is complete.
 * </ol>
 */
final class Takeover<C> {

  private final SortedSet<Integer> startMembers;
  private final MembershipRule<C> rule;
  private final PeerReplication<C> peers;
  private final Set<Integer> required = new TreeSet<>();
  private final Map<Integer, PromiseGranted<C>> promises = new TreeMap<>();

  /** The log range is known, fetched and folded into the membership history. */
  private boolean folded;

  Takeover(SortedSet<Integer> startMembers, MembershipRule<C> rule, PeerReplication<C> peers) {
    this.startMembers = startMembers;
    this.rule = rule;
    this.peers = peers;
  }

  /** Asks every member of the start set for its promise. */
  void start(OutputBuilder<C> out) {
    required.addAll(startMembers);
    for (int id : required) {
      peers.sendPromise(id, out);
    }
  }

  /**
   * Records a promise (only the first of each member counts).
   *
   * @return false if it contradicts the log the leader knows (the leader must step down)
   */
  boolean promised(PromiseGranted<C> granted, OutputBuilder<C> out) {
    int from = granted.from();
    if (promises.containsKey(from)) {
      return true; // later duplicates may report entries this leader sent since
    }
    if (!peers.log.learnTerm(granted.lastIndex(), granted.lastTerm())) {
      return false;
    }
    promises.put(from, granted);
    // an out-of-band removal done on any member binds this leader too
    exclude(granted.evictedIds());
    // a member removed by an entry not known to be committed must still learn that entry: its
    // promise (with its shorter log) moves the base below the removal
    for (int removedId : granted.unconfirmedRemovals().keySet()) {
      require(removedId, out);
    }
    peers.raiseMatch(from, granted.lastIndex());
    peers.claim(from, granted.lastIndex());
    if (granted.removed()) {
      peers.removedAt.merge(from, granted.lastIndex(), Math::max);
    }
    return true;
  }

  /** Ids removed out of band: no promise needed, their logs no longer count. */
  void exclude(Set<Integer> ids) {
    peers.excluded.addAll(ids);
    required.removeAll(ids);
  }

  /** Re-sends the promise requests that went unanswered for a resend interval. */
  void resendPromises(OutputBuilder<C> out) {
    for (int id : required) {
      if (!promises.containsKey(id) && peers.promiseDue(id)) {
        peers.sendPromise(id, out);
      }
    }
  }

  /** A member became reachable: asks it at once if its promise is missing. */
  void reachable(int id, OutputBuilder<C> out) {
    if (required.contains(id) && !promises.containsKey(id)) {
      peers.sendPromise(id, out);
    }
  }

  /**
   * Moves the takeover as far as the known promises and entries allow.
   *
   * @return true when every required member holds what it must: the leader may serve, with the
   *     log's end as commit index
   */
  boolean advance(OutputBuilder<C> out) {
    folded = false;
    for (int id : required) {
      if (!promises.containsKey(id)) {
        return false;
      }
    }
    PromiseGranted<C> base = null;
    PromiseGranted<C> joinerBase = null;
    PromiseGranted<C> top = null;
    for (PromiseGranted<C> promise : promises.values()) {
      if (peers.excluded.contains(promise.from())) {
        continue;
      }
      if (top == null || promise.lastIndex() > top.lastIndex()) {
        top = promise;
      }
      if (promise.removed()) {
        continue;
      }
      if (!promise.members().contains(promise.from())) {
        // a joiner that has not applied its own addition: its log is a prefix of what every
        // established member holds, so it does not set the base (it is caught up like any member)
        if (joinerBase == null || promise.lastIndex() < joinerBase.lastIndex()) {
          joinerBase = promise;
        }
      } else if (base == null || promise.lastIndex() < base.lastIndex()) {
        base = promise;
      }
    }
    if (base == null) {
      base = joinerBase;
    }
    if (base == null) {
      // only removed replicas answered (this node's view is stale): ask the members they name
      for (PromiseGranted<C> promise : promises.values()) {
        for (int id : promise.members()) {
          require(id, out);
        }
      }
      return false;
    }
    LeaderLog<C> log = peers.log;
    long minLast = base.lastIndex();
    // never below what was already sent: a member may have persisted it
    long maxLast = Math.max(top.lastIndex(), peers.sentMax());
    log.setLast(
        maxLast, maxLast == top.lastIndex() ? top.lastTerm() : log.termAt(maxLast).getAsLong());
    long missing = minLast < maxLast ? log.firstMissing(minLast + 1, maxLast) : 0;
    if (missing > 0) {
      peers.requestFetch(missing, maxLast, out);
      return false;
    }
    MembershipHistory memberships = peers.memberships;
    memberships.reset(minLast, base.members());
    for (long index = minLast + 1; index <= maxLast; index++) {
      C command = log.get(index).command();
      memberships.record(
          index, rule.apply(memberships.at(index - 1), command), rule.releases(command));
    }
    boolean asked = false;
    for (int id : memberships.everyone(minLast, maxLast)) {
      if (memberships.released(id)) {
        // removed while dead by an entry in this log: everything up to it commits without it,
        // and it holds nothing after it (logs are contiguous), so its promise is not needed
        required.remove(id);
        continue;
      }
      asked |= require(id, out); // a member somewhere in the range: it may lack entries too
    }
    if (asked) {
      return false;
    }
    folded = true;
    boolean caughtUp = true;
    for (int id : required) {
      if (peers.needs(id)) {
        caughtUp = false;
        if (peers.idle(id)) {
          peers.sendBatchIfFresh(id, out);
        }
      }
    }
    return caughtUp;
  }

  /** Requires {@code id}'s promise (unless excluded); true if it was not required yet. */
  private boolean require(int id, OutputBuilder<C> out) {
    if (peers.excluded.contains(id) || !required.add(id)) {
      return false;
    }
    peers.sendPromise(id, out);
    return true;
  }

  /** True once the log range is folded: member targets are known and entries may be re-sent. */
  boolean folded() {
    return folded;
  }

  /** The required members that are reported unreachable (a write fails at once). */
  SortedSet<Integer> unreachableRequired() {
    TreeSet<Integer> ids = new TreeSet<>(required);
    ids.retainAll(peers.unreachable);
    return ids;
  }

  /** The members whose missing promise or entries keep the takeover from finishing. */
  SortedSet<Integer> blockers() {
    TreeSet<Integer> blockers = new TreeSet<>();
    for (int id : required) {
      if (!promises.containsKey(id) || (folded && peers.needs(id))) {
        blockers.add(id);
      }
    }
    if (blockers.isEmpty()) {
      blockers.addAll(required.isEmpty() ? startMembers : required);
    }
    return blockers;
  }

  /** The members whose promise is required so far. */
  SortedSet<Integer> required() {
    return Sets.sortedCopy(required);
  }
}
