package io.openkms.kms.replication;

import static io.openkms.kms.replication.Expected.RULE;
import static io.openkms.kms.replication.Expected.entry;
import static io.openkms.kms.replication.Expected.promised;
import static io.openkms.kms.replication.LeaderInput.AppendRejected.Reason.CONFLICT;
import static io.openkms.kms.replication.LeaderInput.AppendRejected.Reason.GAP;
import static io.openkms.kms.replication.LeaderInput.AppendRejected.Reason.REMOVED;
import static io.openkms.kms.replication.LeaderInput.AppendRejected.Reason.STALE_TERM;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.openkms.kms.replication.LeaderInput.AppendAck;
import io.openkms.kms.replication.LeaderInput.AppendRejected;
import io.openkms.kms.replication.LeaderInput.EntriesFetched;
import io.openkms.kms.replication.LeaderInput.PromiseGranted;
import io.openkms.kms.replication.LeaderInput.PromiseRejected;
import io.openkms.kms.replication.ReplicaInput.Append;
import io.openkms.kms.replication.ReplicaInput.FetchEntries;
import io.openkms.kms.replication.ReplicaInput.Promise;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;

/**
 * Rule tests of {@link ReplicaStateMachine}: every input in every state, with the exact output.
 * Node 1 of members {0, 1, 2} unless a test says otherwise.
 */
class ReplicaStateMachineTest {

  static final Set<Integer> MEMBERS = Set.of(0, 1, 2);
  static final Entry<String> E1 = entry(1, 1, "a");
  static final Entry<String> E2 = entry(1, 2, "b");
  static final Entry<String> E3 = entry(1, 3, "c");

  static Expected<String> expect() {
    return Expected.output();
  }

  static ReplicaStateMachine<String> fresh() {
    return ReplicaStateMachine.fresh(1, MEMBERS, RULE);
  }

  /** A fresh replica that received E1, E2 from leader 0 of term 1. */
  static ReplicaStateMachine<String> withTwoEntries() {
    ReplicaStateMachine<String> replica = fresh();
    replica.step(new Append<>(0, 1, 0, 0, List.of(E1, E2), 0));
    return replica;
  }

  /**
   * docs/ARCHITECTURE.md §3 "Terms and takeover": the promise not to accept entries of older terms.
   */
  @Nested
  class Promises {

    @Test
    void promiseOfAHigherTermIsPersistedBeforeItIsGranted() {
      assertEquals(
          expect()
              .saveHardState(promised(1, 0))
              .send(0, new PromiseGranted<>(1, 1, 0, 0, MEMBERS, false, Set.of(), Map.of()))
              .build(),
          fresh().step(new Promise<>(0, 1)));
    }

    @Test
    void grantReportsTheLastEntryTheMembersAndTheEvictedIds() {
      ReplicaStateMachine<String> replica =
          new ReplicaStateMachine<>(1, new HardState(3, 0, false, Set.of(2)), 2, 5, MEMBERS, RULE);
      assertEquals(
          expect()
              .saveHardState(new HardState(4, 2, false, Set.of(2)))
              .send(2, new PromiseGranted<>(1, 4, 2, 5, Set.of(0, 1), false, Set.of(2), Map.of()))
              .build(),
          replica.step(new Promise<>(2, 4)));
    }

    @Test
    void aRepeatedPromiseFromTheSameCandidateIsGrantedAgainWithoutPersisting() {
      ReplicaStateMachine<String> replica =
          new ReplicaStateMachine<>(1, promised(3, 0), 2, 5, MEMBERS, RULE);
      assertEquals(
          expect()
              .send(0, new PromiseGranted<>(1, 3, 2, 5, MEMBERS, false, Set.of(), Map.of()))
              .build(),
          replica.step(new Promise<>(0, 3)));
    }

    @Test
    void theSameTermIsNeverPromisedToTwoCandidates() {
      ReplicaStateMachine<String> replica =
          new ReplicaStateMachine<>(1, promised(3, 0), 2, 5, MEMBERS, RULE);
      assertEquals(
          expect().send(2, new PromiseRejected<>(1, 3, 3)).build(),
          replica.step(new Promise<>(2, 3)));
      assertEquals(promised(3, 0), replica.hardState());
    }

    @Test
    void aLowerTermIsRejectedWithThePromisedTerm() {
      ReplicaStateMachine<String> replica =
          new ReplicaStateMachine<>(1, promised(3, 0), 2, 5, MEMBERS, RULE);
      assertEquals(
          expect().send(2, new PromiseRejected<>(1, 2, 3)).build(),
          replica.step(new Promise<>(2, 2)));
    }

    @Test
    void aRemovedReplicaStillPromisesAndSaysItIsRemoved() {
      ReplicaStateMachine<String> replica =
          new ReplicaStateMachine<>(
              1, new HardState(3, 0, true, Set.of()), 1, 2, Set.of(0, 2), RULE);
      assertEquals(
          expect()
              .saveHardState(new HardState(4, 0, true, Set.of()))
              .send(0, new PromiseGranted<>(1, 4, 1, 2, Set.of(0, 2), true, Set.of(), Map.of()))
              .build(),
          replica.step(new Promise<>(0, 4)));
    }
  }

  /** docs/ARCHITECTURE.md §3 "Write path" and invariants 1, 2 and 5. */
  @Nested
  class Appends {

    @Test
    void entriesArePersistedAfterTheTermThenAppliedThenAcknowledged() {
      assertEquals(
          expect()
              .saveHardState(promised(1, 0))
              .appendEntries(List.of(E1, E2))
              .apply(List.of(E1, E2))
              .send(0, new AppendAck<>(1, 1, 2))
              .build(),
          fresh().step(new Append<>(0, 1, 0, 0, List.of(E1, E2), 0)));
    }

    @Test
    void anAppendOfAStaleTermIsRejectedAndChangesNothing() {
      ReplicaStateMachine<String> replica =
          new ReplicaStateMachine<>(1, promised(3, 0), 1, 2, MEMBERS, RULE);
      assertEquals(
          expect().send(2, new AppendRejected<>(1, 2, STALE_TERM, 3, 2, 1)).build(),
          replica.step(new Append<>(2, 2, 2, 1, List.of(entry(2, 3, "x")), 0)));
      assertEquals(2, replica.lastIndex());
    }

    @Test
    void aDuplicateIsSkippedAndAcknowledgedAgain() {
      ReplicaStateMachine<String> replica = withTwoEntries();
      assertEquals(
          expect().send(0, new AppendAck<>(1, 1, 2)).build(),
          replica.step(new Append<>(0, 1, 0, 0, List.of(E1, E2), 0)));
    }

    @Test
    void anOverlappingAppendPersistsAndAppliesOnlyTheNewEntries() {
      ReplicaStateMachine<String> replica = withTwoEntries();
      assertEquals(
          expect()
              .appendEntries(List.of(E3))
              .apply(List.of(E3))
              .send(0, new AppendAck<>(1, 1, 3))
              .build(),
          replica.step(new Append<>(0, 1, 1, 1, List.of(E2, E3), 0)));
      assertEquals(3, replica.lastIndex());
      assertEquals(1, replica.lastTerm());
    }

    @Test
    void theAcknowledgementCoversOnlyWhatTheAppendCarried() {
      ReplicaStateMachine<String> replica = withTwoEntries();
      replica.step(new Append<>(0, 1, 2, 1, List.of(E3), 0));
      assertEquals(
          expect().send(0, new AppendAck<>(1, 1, 2)).build(),
          replica.step(new Append<>(0, 1, 1, 1, List.of(E2), 0)));
    }

    @Test
    void anEmptyAppendIsAProbeAcknowledgedAtItsPrevIndex() {
      assertEquals(
          expect().send(0, new AppendAck<>(1, 1, 1)).build(),
          withTwoEntries().step(new Append<>(0, 1, 1, 1, List.of(), 0)));
    }

    @Test
    void aGapIsRejectedWithTheLastIndexSoTheLeaderResendsFromThere() {
      assertEquals(
          expect().send(0, new AppendRejected<>(1, 1, GAP, 1, 2, 1)).build(),
          withTwoEntries().step(new Append<>(0, 1, 4, 1, List.of(entry(1, 5, "e")), 0)));
    }

    @Test
    void aGapFromAHigherTermStillRaisesThePromise() {
      assertEquals(
          expect()
              .saveHardState(promised(2, 2))
              .send(2, new AppendRejected<>(1, 2, GAP, 2, 2, 1))
              .build(),
          withTwoEntries().step(new Append<>(2, 2, 5, 1, List.of(entry(2, 6, "f")), 0)));
    }

    @Test
    void anotherTermAtPrevIndexIsAConflictAndNothingIsOverwritten() {
      ReplicaStateMachine<String> replica = withTwoEntries();
      assertEquals(
          expect()
              .saveHardState(promised(2, 0))
              .send(0, new AppendRejected<>(1, 2, CONFLICT, 2, 2, 1))
              .build(),
          replica.step(new Append<>(0, 2, 2, 2, List.of(entry(2, 3, "x")), 0)));
      assertEquals(2, replica.lastIndex());
    }

    @Test
    void anotherTermForAnEntryAlreadyPersistedIsAConflict() {
      assertEquals(
          expect()
              .saveHardState(promised(2, 0))
              .send(0, new AppendRejected<>(1, 2, CONFLICT, 2, 2, 1))
              .build(),
          withTwoEntries().step(new Append<>(0, 2, 0, 0, List.of(entry(2, 1, "x")), 0)));
    }

    @Test
    void aRestoredReplicaChecksTheTermOfItsLastEntryOnly() {
      ReplicaStateMachine<String> replica =
          new ReplicaStateMachine<>(1, promised(2, 0), 2, 5, MEMBERS, RULE);
      assertEquals(
          expect().send(0, new AppendRejected<>(1, 2, CONFLICT, 2, 5, 2)).build(),
          replica.step(new Append<>(0, 2, 5, 1, List.of(), 0)));
      // the term at index 4 is unknown after a restart: only the entry at 5 is checked
      assertEquals(
          expect().send(0, new AppendAck<>(1, 2, 5)).build(),
          replica.step(new Append<>(0, 2, 3, 1, List.of(entry(1, 4, "d"), entry(2, 5, "e")), 0)));
    }

    @Test
    void theEntryThatRemovesThisNodeIsTheLastOneItApplies() {
      ReplicaStateMachine<String> replica = fresh();
      Entry<String> removal = entry(1, 2, "rm:1");
      assertEquals(
          expect()
              .saveHardState(new HardState(1, 0, true, Set.of(), Map.of(1, 2L)))
              .appendEntries(List.of(E1, removal))
              .apply(List.of(E1, removal))
              .send(0, new AppendAck<>(1, 1, 2))
              .event(new Event.RemovedFromCluster(2))
              .build(),
          replica.step(new Append<>(0, 1, 0, 0, List.of(E1, removal, E3), 0)));
      assertTrue(replica.isRemoved());
      assertFalse(replica.mayLeave(), "its removal is in doubt: it stays");
      assertEquals(Set.of(0, 2), replica.members());
    }

    /** Issue 12: a removed node leaves only once it learns its removal committed. */
    @Test
    void aRemovedReplicaLearnsItsRemovalCommittedFromTheCommitIndexAndMayThenLeave() {
      ReplicaStateMachine<String> replica = fresh();
      replica.step(new Append<>(0, 1, 0, 0, List.of(E1, entry(1, 2, "rm:1")), 0));
      // a commit index below its removal: it echoes what it learned, and stays
      assertEquals(
          expect()
              .send(0, new AppendAck<>(1, 1, 2, 1))
              .send(0, new AppendRejected<>(1, 1, REMOVED, 1, 2, 1))
              .build(),
          replica.step(new Append<>(0, 1, 2, 1, List.of(), 1)));
      assertFalse(replica.mayLeave());
      // the commit index reaches it: confirmed (persisted first), echoed, and it may leave
      assertEquals(
          expect()
              .saveHardState(new HardState(1, 0, true, Set.of(), Map.of()))
              .send(0, new AppendAck<>(1, 1, 2, 2))
              .event(new Event.RemovalCommitted(2))
              .build(),
          replica.step(new Append<>(0, 1, 2, 1, List.of(), 2)));
      assertTrue(replica.mayLeave());
      // told again (its echo was lost): the same echo, no second event
      assertEquals(
          expect().send(0, new AppendAck<>(1, 1, 2, 2)).build(),
          replica.step(new Append<>(0, 1, 2, 1, List.of(), 2)));
    }

    /** Issue 12: its members showed the removal committed (lifecycle.RemovalCheck). */
    @Test
    void aRemovalConfirmedByTheMembersIsFinal() {
      ReplicaStateMachine<String> replica =
          new ReplicaStateMachine<>(
              1, new HardState(1, 0, true, Set.of(), Map.of(1, 2L)), 1, 2, Set.of(0, 2), RULE);
      assertEquals(
          expect()
              .saveHardState(new HardState(1, 0, true, Set.of(), Map.of()))
              .event(new Event.RemovalCommitted(2))
              .build(),
          replica.step(new RemovalConfirmed<>()));
      assertTrue(replica.mayLeave());
      // again, or on a member: nothing
      assertEquals(expect().build(), replica.step(new RemovalConfirmed<>()));
      assertEquals(expect().build(), fresh().step(new RemovalConfirmed<>()));
    }

    @Test
    void aCommitIndexFromAnAppendThatDoesNotFitItsLogConfirmsNothing() {
      ReplicaStateMachine<String> replica = fresh();
      replica.step(new Append<>(0, 1, 0, 0, List.of(E1, entry(1, 2, "rm:1")), 0));
      // another term at its last index: the leader's commit index is not about this log
      assertEquals(
          expect().send(0, new AppendRejected<>(1, 2, REMOVED, 1, 2, 1)).build(),
          replica.step(new Append<>(0, 2, 2, 2, List.of(), 5)));
      assertFalse(replica.mayLeave());
    }

    @Test
    void aRemovalAlreadyCommittedWhenItArrivesLetsTheNodeLeaveAtOnce() {
      ReplicaStateMachine<String> replica = fresh();
      assertEquals(
          expect()
              .saveHardState(new HardState(1, 0, true, Set.of(), Map.of()))
              .appendEntries(List.of(E1, entry(1, 2, "rm:1")))
              .apply(List.of(E1, entry(1, 2, "rm:1")))
              .send(0, new AppendAck<>(1, 1, 2, 2))
              .event(new Event.RemovedFromCluster(2))
              .event(new Event.RemovalCommitted(2))
              .build(),
          replica.step(new Append<>(0, 1, 0, 0, List.of(E1, entry(1, 2, "rm:1")), 2)));
      assertTrue(replica.mayLeave());
    }

    @Test
    void aRestoredReplicaWhoseRemovalIsInDoubtStays() {
      HardState stored = new HardState(1, 0, true, Set.of(), Map.of(1, 2L));
      assertFalse(new ReplicaStateMachine<>(1, stored, 1, 2, Set.of(0, 2), RULE).mayLeave());
      // a store written before the rule knows no own entry: removed means it may leave
      HardState old = new HardState(1, 0, true, Set.of());
      assertTrue(new ReplicaStateMachine<>(1, old, 1, 2, Set.of(0, 2), RULE).mayLeave());
    }

    @Test
    void aRemovedReplicaRejectsEveryAppend() {
      ReplicaStateMachine<String> replica = fresh();
      replica.step(new Append<>(0, 1, 0, 0, List.of(E1, entry(1, 2, "rm:1")), 0));
      assertEquals(
          expect().send(0, new AppendRejected<>(1, 1, REMOVED, 1, 2, 1)).build(),
          replica.step(new Append<>(0, 1, 2, 1, List.of(E3), 0)));
      assertEquals(
          expect().send(0, new AppendRejected<>(1, 2, REMOVED, 1, 2, 1)).build(),
          replica.step(new Append<>(0, 2, 2, 1, List.of(entry(2, 3, "x")), 0)));
    }

    @Test
    void aJoinerAppliesEntriesBeforeTheOneThatAddsIt() {
      ReplicaStateMachine<String> joiner = ReplicaStateMachine.fresh(3, MEMBERS, RULE);
      Entry<String> addition = entry(1, 2, "add:3");
      assertEquals(
          expect()
              .saveHardState(promised(1, 0))
              .appendEntries(List.of(E1, addition, E3))
              .apply(List.of(E1, addition, E3))
              .send(0, new AppendAck<>(3, 1, 3))
              .build(),
          joiner.step(new Append<>(0, 1, 0, 0, List.of(E1, addition, E3), 0)));
      assertEquals(Set.of(0, 1, 2, 3), joiner.members());
      assertFalse(joiner.isRemoved());
    }

    @Test
    void anEvictedIdNeverCountsAsAMemberAgain() {
      ReplicaStateMachine<String> replica =
          new ReplicaStateMachine<>(1, new HardState(0, -1, false, Set.of(2)), 0, 0, MEMBERS, RULE);
      assertEquals(Set.of(0, 1), replica.members());
      replica.step(new Append<>(0, 1, 0, 0, List.of(entry(1, 1, "add:2")), 0));
      assertEquals(Set.of(0, 1), replica.members());
    }
  }

  /** docs/ARCHITECTURE.md §3 "Terms and takeover": a new leader pulls entries it lacks. */
  @Nested
  class Fetches {

    @Test
    void aFetchWithinTheLogIsReadFromStorageUpToTheLastEntry() {
      assertEquals(
          expect().sendEntries(0, 1, 1, 2).build(),
          withTwoEntries().step(new FetchEntries<>(0, 1, 1, 5)));
    }

    @Test
    void aFetchBeyondTheLogGetsAnEmptyAnswer() {
      assertEquals(
          expect().send(0, new EntriesFetched<>(1, 1, 3, List.of())).build(),
          withTwoEntries().step(new FetchEntries<>(0, 1, 3, 4)));
    }

    @Test
    void persistedEntriesAreServedWhateverTheTerm() {
      ReplicaStateMachine<String> replica =
          new ReplicaStateMachine<>(1, promised(7, 0), 2, 5, MEMBERS, RULE);
      assertEquals(
          expect().sendEntries(2, 3, 2, 4).build(), replica.step(new FetchEntries<>(2, 3, 2, 4)));
    }
  }

  /** docs/REFERENCE.md §2 {@code edit --rm}: removal without quorum. */
  @Nested
  class OutOfBandRemovals {

    @Test
    void anEvictionIsPersistedAndTheIdLeavesTheMemberSet() {
      ReplicaStateMachine<String> replica = fresh();
      assertEquals(
          expect().saveHardState(new HardState(0, -1, false, Set.of(2))).build(),
          replica.step(new MembershipChanged<>(Set.of(2))));
      assertEquals(Set.of(0, 1), replica.members());
      assertEquals(Output.empty(), replica.step(new MembershipChanged<>(Set.of(2))));
    }

    @Test
    void evictingThisNodeRemovesIt() {
      ReplicaStateMachine<String> replica = withTwoEntries();
      assertEquals(
          expect()
              .saveHardState(new HardState(1, 0, true, Set.of(1)))
              .event(new Event.RemovedFromCluster(2))
              .event(new Event.RemovalCommitted(2)) // the operator's removal is final at once
              .build(),
          replica.step(new MembershipChanged<>(Set.of(1))));
      assertTrue(replica.isRemoved());
      assertTrue(replica.mayLeave());
    }
  }

  @Nested
  class Restoring {

    @Test
    void badDurableStateIsRefused() {
      assertEquals(
          "selfId must be >= 0, was -1",
          assertThrows(
                  IllegalArgumentException.class,
                  () -> new ReplicaStateMachine<>(-1, HardState.INITIAL, 0, 0, MEMBERS, RULE))
              .getMessage());
      assertEquals(
          "inconsistent lastIndex 3 / lastTerm 0",
          assertThrows(
                  IllegalArgumentException.class,
                  () -> new ReplicaStateMachine<>(1, promised(1, 0), 0, 3, MEMBERS, RULE))
              .getMessage());
      assertEquals(
          "lastTerm 2 above promisedTerm 1",
          assertThrows(
                  IllegalArgumentException.class,
                  () -> new ReplicaStateMachine<>(1, promised(1, 0), 2, 3, MEMBERS, RULE))
              .getMessage());
    }

    @Test
    void aRestoredReplicaStartsFromItsDurableState() {
      ReplicaStateMachine<String> replica =
          new ReplicaStateMachine<>(1, promised(3, 2), 2, 7, MEMBERS, RULE);
      assertEquals(1, replica.selfId());
      assertEquals(promised(3, 2), replica.hardState());
      assertEquals(7, replica.lastIndex());
      assertEquals(2, replica.lastTerm());
      assertEquals(MEMBERS, replica.members());
      assertFalse(replica.isRemoved());
    }
  }

  /** docs/ARCHITECTURE.md §3 invariant 5: a removed member must learn its removal. */
  @Nested
  class UnconfirmedRemovals {

    static final Entry<String> REMOVAL = entry(1, 2, "rm:2");

    @Test
    void aRemovalOfAnotherMemberIsRememberedUntilTheLeaderSaysItIsCommitted() {
      ReplicaStateMachine<String> replica = fresh();
      assertEquals(
          expect()
              .saveHardState(new HardState(1, 0, false, Set.of(), Map.of(2, 2L)))
              .appendEntries(List.of(E1, REMOVAL))
              .apply(List.of(E1, REMOVAL))
              .send(0, new AppendAck<>(1, 1, 2))
              .build(),
          replica.step(new Append<>(0, 1, 0, 0, List.of(E1, REMOVAL), 0)));
      assertEquals(
          expect()
              .send(
                  0, new PromiseGranted<>(1, 1, 1, 2, Set.of(0, 1), false, Set.of(), Map.of(2, 2L)))
              .build(),
          replica.step(new Promise<>(0, 1)));
      // the acknowledgement echoes the commit index it acted on: the leader counts it confirmed
      assertEquals(
          expect().saveHardState(promised(1, 0)).send(0, new AppendAck<>(1, 1, 2, 2)).build(),
          replica.step(new Append<>(0, 1, 2, 1, List.of(), 2)));
    }

    @Test
    void aCommitIndexBeyondWhatTheAppendCoveredConfirmsNothing() {
      ReplicaStateMachine<String> replica = fresh();
      replica.step(new Append<>(0, 1, 0, 0, List.of(E1, REMOVAL), 0));
      assertEquals(
          expect().send(0, new AppendAck<>(1, 1, 1, 1)).build(),
          replica.step(new Append<>(0, 1, 1, 1, List.of(), 2)));
      assertEquals(Map.of(2, 2L), replica.hardState().unconfirmedRemovals());
    }

    /**
     * Issue 12 (seed 6922): a joiner replaying the log remembered a removal as unconfirmed and
     * reported it; the next takeover waited for the removed member, which had left for good.
     */
    @Test
    void aJoinerReplayingTheLogBeforeItsAdditionRemembersNoRemoval() {
      ReplicaStateMachine<String> joiner = ReplicaStateMachine.fresh(3, MEMBERS, RULE);
      Entry<String> addition = entry(1, 3, "add:3");
      joiner.step(new Append<>(0, 1, 0, 0, List.of(E1, REMOVAL, addition), 0));
      assertEquals(Map.of(), joiner.hardState().unconfirmedRemovals());
      assertEquals(Set.of(0, 1, 3), joiner.members());
    }

    @Test
    void aDeadMembersRemovalIsNotRememberedItReleasesTheMember() {
      ReplicaStateMachine<String> replica = fresh();
      Entry<String> removal = entry(1, 2, "rm!:2");
      replica.step(new Append<>(0, 1, 0, 0, List.of(E1, removal), 0));
      assertEquals(Map.of(), replica.hardState().unconfirmedRemovals());
      assertEquals(
          expect()
              .send(0, new PromiseGranted<>(1, 1, 1, 2, Set.of(0, 1), false, Set.of(), Map.of()))
              .build(),
          replica.step(new Promise<>(0, 1)));
    }

    @Test
    void evictingTheRemovedMemberLeavesNothingToConfirm() {
      ReplicaStateMachine<String> replica = fresh();
      replica.step(new Append<>(0, 1, 0, 0, List.of(E1, REMOVAL), 0));
      assertEquals(
          expect().saveHardState(new HardState(1, 0, false, Set.of(2), Map.of())).build(),
          replica.step(new MembershipChanged<>(Set.of(2))));
    }
  }
}
