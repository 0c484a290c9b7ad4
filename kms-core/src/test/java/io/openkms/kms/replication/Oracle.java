package io.openkms.kms.replication;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.SortedSet;
import java.util.TreeSet;

/**
 * The simulation's ground truth and invariant checks (docs/ARCHITECTURE.md §3 "Invariants"). It
 * sees every apply and every reply of every node and throws {@link AssertionError} at the first
 * violation.
 */
final class Oracle {

  private final SortedSet<Integer> genesis;
  private final long writeTimeoutMillis;

  /** The first entry applied anywhere at each index; every later apply must match it. */
  private final Map<Long, Entry<SimCommand>> entries = new HashMap<>();

  /** The digest of entries 1..i as first applied anywhere. */
  private final Map<Long, Long> digests = new HashMap<>();

  /** membersAfter.get(i): the member set after entries 1..i (i = 0: genesis), as far as known. */
  private final List<SortedSet<Integer>> membersAfter = new ArrayList<>();

  private final Set<Integer> removedOutOfBand = new TreeSet<>();

  /** The highest index of a membership change applied anywhere. */
  private long lastMembershipChange;

  /** Per node, the first index after which it was a member (0: genesis). */
  private final Map<Integer, Long> joinedAt = new HashMap<>();

  /** Writes acknowledged with Committed: request id → index. */
  final Map<Long, Long> acknowledged = new HashMap<>();

  /** Writes without a reply: request id → submission. */
  final Map<Long, Submission> outstanding = new HashMap<>();

  int committedReplies;
  int unavailableReplies;
  int noLeaderReplies;

  record Submission(long requestId, long leaderInstance, long submittedAtMillis) {}

  Oracle(Set<Integer> genesis, long writeTimeoutMillis) {
    this.genesis = Sets.sortedCopy(genesis);
    this.writeTimeoutMillis = writeTimeoutMillis;
    membersAfter.add(this.genesis);
    this.genesis.forEach(id -> joinedAt.put(id, 0L));
  }

  static long digest(long previous, Entry<SimCommand> entry) {
    long h = previous * 0x9E3779B97F4A7C15L;
    h ^= entry.term() * 31 + entry.index();
    h = h * 0xBF58476D1CE4E5B9L + entry.command().requestId();
    h ^= (h >>> 29) + entry.command().removes() * 7919L + entry.command().adds();
    return h * 0x94D049BB133111EBL;
  }

  /**
   * Invariants 1 and 5 at every apply: the same entry at the same index everywhere, equal prefix
   * digests, and a node no longer a member applies nothing.
   */
  void onApply(int nodeId, Entry<SimCommand> entry, long digestAfter) {
    long index = entry.index();
    SortedSet<Integer> before = membersAt(index - 1);
    if (before != null
        && wasMemberBefore(nodeId, index - 1)
        && !before.contains(nodeId)
        && !removedOutOfBand.contains(nodeId)) {
      throw new AssertionError(
          "invariant 5: node " + nodeId + " applied " + entry + " after its removal");
    }
    Entry<SimCommand> known = entries.putIfAbsent(index, entry);
    if (known == null && (entry.command().adds() >= 0 || entry.command().removes() >= 0)) {
      lastMembershipChange = Math.max(lastMembershipChange, index);
    }
    if (known != null && !known.equals(entry)) {
      throw new AssertionError(
          "invariant 1: node "
              + nodeId
              + " applied "
              + entry
              + " where another node applied "
              + known);
    }
    Long knownDigest = digests.putIfAbsent(index, digestAfter);
    if (knownDigest != null && knownDigest != digestAfter) {
      throw new AssertionError(
          "invariant 1: node " + nodeId + " has another state digest after index " + index);
    }
    extendMembership();
  }

  private void extendMembership() {
    while (entries.containsKey((long) membersAfter.size())) {
      long index = membersAfter.size();
      SortedSet<Integer> previous = membersAfter.get((int) index - 1);
      SortedSet<Integer> next =
          Sets.sortedCopy(SimCommand.RULE.apply(previous, entries.get(index).command()));
      membersAfter.add(next);
      next.forEach(id -> joinedAt.putIfAbsent(id, index));
    }
  }

  /** True if {@code nodeId} was a member after some index {@code <= index}. */
  private boolean wasMemberBefore(int nodeId, long index) {
    return joinedAt.getOrDefault(nodeId, Long.MAX_VALUE) <= index;
  }

  /** The member set after entries 1..index, or null if not all of them are known yet. */
  SortedSet<Integer> membersAt(long index) {
    return index < membersAfter.size() ? membersAfter.get((int) index) : null;
  }

  /** The nodes that must hold the entry at {@code index}: before ∪ after, minus edits. */
  SortedSet<Integer> mustHold(long index) {
    if (membersAt(index) == null) {
      throw new AssertionError("invariant 3: no surviving node holds entries up to " + index);
    }
    TreeSet<Integer> ids = new TreeSet<>(membersAt(index - 1));
    ids.addAll(membersAt(index));
    ids.removeAll(removedOutOfBand);
    return ids;
  }

  /**
   * {@code edit --rm}: the node is dead for good and its state is discarded (it must be wiped to
   * rejoin), so the ground truth is rebuilt from the surviving nodes' applied logs alone. An
   * in-doubt entry only the removed node held may now be replaced by another write; an acknowledged
   * one cannot, since every surviving member holds it.
   */
  void removeOutOfBand(int nodeId, SimulatedCluster cluster) {
    removedOutOfBand.add(nodeId);
    entries.clear();
    digests.clear();
    lastMembershipChange = 0;
    membersAfter.subList(1, membersAfter.size()).clear();
    joinedAt.clear();
    genesis.forEach(id -> joinedAt.put(id, 0L));
    for (int id : cluster.survivingNodeIds()) {
      long previous = 0;
      for (long index = 1; index <= cluster.appliedCount(id); index++) {
        Entry<SimCommand> entry = cluster.persistedEntry(id, index);
        previous = digest(previous, entry);
        onApply(id, entry, previous);
      }
    }
  }

  /**
   * True if every membership change applied anywhere was acknowledged: only then may an operator
   * remove a node without quorum (a removal while a change is in doubt can split the views of the
   * survivors for good).
   */
  boolean membershipSettled() {
    long acknowledgedUpTo =
        acknowledged.values().stream().mapToLong(Long::longValue).max().orElse(0);
    return acknowledgedUpTo >= lastMembershipChange;
  }

  boolean hasEverBeenMember(int nodeId) {
    return joinedAt.containsKey(nodeId);
  }

  boolean isRemovedOutOfBand(int nodeId) {
    return removedOutOfBand.contains(nodeId);
  }

  /** The nodes that are members now (after every known entry, minus edits). */
  SortedSet<Integer> currentMembers() {
    TreeSet<Integer> ids = new TreeSet<>(membersAfter.get(membersAfter.size() - 1));
    ids.removeAll(removedOutOfBand);
    return ids;
  }

  void onSubmit(long requestId, long leaderInstance, long nowMillis) {
    outstanding.put(requestId, new Submission(requestId, leaderInstance, nowMillis));
  }

  /** Invariant 2 at every acknowledgement, and one reply per write. */
  void onReply(Reply reply, SimulatedCluster cluster) {
    if (outstanding.remove(reply.requestId()) == null) {
      throw new AssertionError("reply to a write that is not waiting: " + reply);
    }
    WriteOutcome outcome = reply.outcome();
    if (outcome instanceof WriteOutcome.Committed committed) {
      committedReplies++;
      long index = committed.index();
      Entry<SimCommand> entry = entries.get(index);
      if (entry == null || entry.command().requestId() != reply.requestId()) {
        throw new AssertionError(
            "acknowledged write "
                + reply.requestId()
                + " is not the entry at "
                + index
                + ": "
                + entry);
      }
      acknowledged.put(reply.requestId(), index);
      for (int id : mustHold(index)) {
        if (cluster.appliedCount(id) < index) {
          throw new AssertionError(
              "invariant 2: write "
                  + reply.requestId()
                  + " acknowledged at "
                  + index
                  + " but member "
                  + id
                  + " applied only "
                  + cluster.appliedCount(id));
        }
      }
    } else if (outcome instanceof WriteOutcome.Unavailable) {
      unavailableReplies++;
    } else {
      noLeaderReplies++;
    }
  }

  /** The caller of a leader that crashed or was stopped gets a transport error instead. */
  void forgetWritesOf(long leaderInstance) {
    outstanding.values().removeIf(s -> s.leaderInstance() == leaderInstance);
  }

  /** Invariant 4: no write waits longer than the write timeout on a live leader. */
  void checkNoWriteHangs(long nowMillis) {
    for (Submission submission : outstanding.values()) {
      if (nowMillis - submission.submittedAtMillis() >= writeTimeoutMillis) {
        throw new AssertionError(
            "invariant 4: write "
                + submission.requestId()
                + " submitted at "
                + submission.submittedAtMillis()
                + " has no reply at "
                + nowMillis);
      }
    }
  }

  /** Invariant 3: every acknowledged write is still the entry at its index on every holder. */
  void checkAcknowledgedKept(SimulatedCluster cluster) {
    for (Map.Entry<Long, Long> ack : acknowledged.entrySet()) {
      long index = ack.getValue();
      for (int id : mustHold(index)) {
        Entry<SimCommand> held = cluster.persistedEntry(id, index);
        if (held == null || held.command().requestId() != ack.getKey()) {
          throw new AssertionError(
              "invariant 3: acknowledged write "
                  + ack.getKey()
                  + " at "
                  + index
                  + " is not held by member "
                  + id
                  + ": "
                  + held);
        }
      }
    }
  }

  long knownDigest(long index) {
    return index == 0 ? 0 : digests.get(index);
  }
}
