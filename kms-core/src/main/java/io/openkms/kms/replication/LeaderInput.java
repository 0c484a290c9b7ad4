package io.openkms.kms.replication;

import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;

/**
 * The inputs of a {@link LeaderStateMachine}: client writes, the clock, failure-detector events,
 * out-of-band membership edits and the replicas' answers.
 *
 * @param <C> the replicated command type
 */
public sealed interface LeaderInput<C>
    permits LeaderInput.ClientWrite,
        LeaderInput.Tick,
        LeaderInput.MemberUnreachable,
        LeaderInput.MemberReachable,
        Message.ToLeader,
        MembershipChanged {

  /**
   * A validated write to replicate (docs/ARCHITECTURE.md §3 "Write path"). Exactly one {@link
   * Reply} with the same {@code requestId} follows, within {@link
   * LeaderConfig#writeTimeoutMillis()} plus one tick interval (invariant 4).
   *
   * @param requestId the caller's id for the request, echoed in the reply
   * @param command the command, never null
   * @param <C> the replicated command type
   */
  record ClientWrite<C>(long requestId, C command) implements LeaderInput<C> {

    /** Validates the input. */
    public ClientWrite {
      Objects.requireNonNull(command, "command");
    }
  }

  /**
   * The caller's clock. The machine reads time only from ticks: a write that arrives between two
   * ticks is timed from the earlier one. Tick regularly (for example every 100 ms); a tick earlier
   * than the previous one is treated as the previous one.
   *
   * @param nowMillis the current time in milliseconds (any epoch, monotonic)
   * @param <C> the replicated command type
   */
  record Tick<C>(long nowMillis) implements LeaderInput<C> {}

  /**
   * The failure detector considers member {@code memberId} unreachable (Pekko's {@code
   * UnreachableMember}). While it is, the leader sends it nothing and refuses new writes at once
   * with {@link WriteOutcome.Unavailable} naming it (invariant 4: a write fails fast without full
   * membership).
   *
   * @param memberId the node id, at least 0
   * @param <C> the replicated command type
   */
  record MemberUnreachable<C>(int memberId) implements LeaderInput<C> {

    /** Validates the input. */
    public MemberUnreachable {
      if (memberId < 0) {
        throw new IllegalArgumentException("memberId must be >= 0, was " + memberId);
      }
    }
  }

  /**
   * The failure detector considers member {@code memberId} reachable again (Pekko's {@code
   * ReachableMember}); the leader at once re-sends what it lacks from its last acknowledged index
   * (or its promise request, while taking over).
   *
   * @param memberId the node id, at least 0
   * @param <C> the replicated command type
   */
  record MemberReachable<C>(int memberId) implements LeaderInput<C> {

    /** Validates the input. */
    public MemberReachable {
      if (memberId < 0) {
        throw new IllegalArgumentException("memberId must be >= 0, was " + memberId);
      }
    }
  }

  /**
   * A replica promised {@code term} (answer to {@link ReplicaInput.Promise}) and reports its log.
   *
   * @param from the replica's node id
   * @param term the promised term
   * @param lastTerm the term of the replica's last persisted entry (0 if its log is empty)
   * @param lastIndex the index of the replica's last persisted entry (0 if its log is empty)
   * @param members the replica's member set after its last entry (and any out-of-band edit)
   * @param removed true if the replica applied its own removal (it accepts no more entries)
   * @param evictedIds the ids removed out of band on the replica's node ({@code edit --rm}); the
   *     leader ignores them from then on
   * @param unconfirmedRemovals the replica's {@link HardState#unconfirmedRemovals()}: each such
   *     member must promise too and be brought up to the entry that removed it
   * @param <C> the replicated command type
   */
  record PromiseGranted<C>(
      int from,
      long term,
      long lastTerm,
      long lastIndex,
      Set<Integer> members,
      boolean removed,
      Set<Integer> evictedIds,
      Map<Integer, Long> unconfirmedRemovals)
      implements Message.ToLeader<C> {

    /** Validates the message and copies the sets. */
    public PromiseGranted {
      if (lastIndex < 0 || lastTerm < 0 || (lastIndex == 0) != (lastTerm == 0)) {
        throw new IllegalArgumentException(
            "inconsistent lastIndex " + lastIndex + " / lastTerm " + lastTerm);
      }
      members = Sets.sortedCopy(members);
      evictedIds = Sets.sortedCopy(evictedIds);
      unconfirmedRemovals = Sets.sortedIndexes(unconfirmedRemovals);
    }
  }

  /**
   * A replica refused to promise {@code term}: it already promised {@code promisedTerm}, which is
   * higher, or equal but to another candidate. The leader steps down.
   *
   * @param from the replica's node id
   * @param term the term that was asked for
   * @param promisedTerm the replica's promised term
   * @param <C> the replicated command type
   */
  record PromiseRejected<C>(int from, long term, long promisedTerm)
      implements Message.ToLeader<C> {}

  /**
   * A replica persisted and applied everything up to {@code lastIndex} (answer to {@link
   * ReplicaInput.Append}).
   *
   * @param from the replica's node id
   * @param term the term of the append being acknowledged
   * @param lastIndex the replica's last persisted index after the append
   * @param commitIndex the commit index the replica learned from this append ({@code min(append
   *     commit index, lastIndex)}) and acted on: every removal it had to confirm up to there is
   *     confirmed and persisted. 0 when unknown (an older sender). The leader tells a removed
   *     member that it may leave only once every remaining member echoed its removal's index
   * @param <C> the replicated command type
   */
  record AppendAck<C>(int from, long term, long lastIndex, long commitIndex)
      implements Message.ToLeader<C> {

    /**
     * An acknowledgement that echoes no commit index (0).
     *
     * @param from the replica's node id
     * @param term the term of the append being acknowledged
     * @param lastIndex the replica's last persisted index after the append
     */
    public AppendAck(int from, long term, long lastIndex) {
      this(from, term, lastIndex, 0);
    }
  }

  /**
   * A replica refused an {@link ReplicaInput.Append}.
   *
   * @param from the replica's node id
   * @param term the term of the refused append
   * @param reason why
   * @param promisedTerm the replica's promised term
   * @param lastIndex the replica's last persisted index
   * @param lastTerm the term of that entry (0 if the log is empty)
   * @param <C> the replicated command type
   */
  record AppendRejected<C>(
      int from, long term, Reason reason, long promisedTerm, long lastIndex, long lastTerm)
      implements Message.ToLeader<C> {

    /** Validates the message. */
    public AppendRejected {
      Objects.requireNonNull(reason, "reason");
    }

    /** Why a replica refused entries. */
    public enum Reason {
      /**
       * The append's term is below the replica's promised term: the sender is a stale, fenced
       * leader (docs/ARCHITECTURE.md §3: "Each replica log rejects any append with an older term").
       */
      STALE_TERM,
      /**
       * The entries do not follow the replica's log ({@code prevIndex > lastIndex}); the leader
       * re-sends from {@code lastIndex + 1}.
       */
      GAP,
      /**
       * The entry at the replica's last index has another term than the leader's: the logs
       * diverged, which the protocol rules out; the leader steps down rather than overwrite.
       */
      CONFLICT,
      /** The replica applied its own removal at {@code lastIndex} and accepts nothing after it. */
      REMOVED
    }
  }

  /**
   * A replica's persisted entries (answer to {@link ReplicaInput.FetchEntries}), built by the
   * caller when it executes a {@link SendEntries}.
   *
   * @param from the replica's node id
   * @param term the term of the fetch request being answered
   * @param fromIndex the index of the first entry
   * @param entries contiguous entries from {@code fromIndex}; empty if the replica has none there
   * @param <C> the replicated command type
   * @throws IllegalArgumentException if the entries are not contiguous from {@code fromIndex}
   */
  record EntriesFetched<C>(int from, long term, long fromIndex, List<Entry<C>> entries)
      implements Message.ToLeader<C> {

    /** Validates the message and copies the entry list. */
    public EntriesFetched {
      entries = List.copyOf(entries);
      long expected = fromIndex;
      for (Entry<C> entry : entries) {
        if (entry.index() != expected) {
          throw new IllegalArgumentException(
              "entries must be contiguous: expected index " + expected + ", got " + entry.index());
        }
        expected++;
      }
    }
  }
}
