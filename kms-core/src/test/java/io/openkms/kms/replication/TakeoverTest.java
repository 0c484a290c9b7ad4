package io.openkms.kms.replication;

import static io.openkms.kms.replication.Expected.entry;
import static io.openkms.kms.replication.LeaderStateMachineTest.A;
import static io.openkms.kms.replication.LeaderStateMachineTest.B;
import static io.openkms.kms.replication.LeaderStateMachineTest.C;
import static io.openkms.kms.replication.LeaderStateMachineTest.D;
import static io.openkms.kms.replication.LeaderStateMachineTest.E;
import static io.openkms.kms.replication.LeaderStateMachineTest.MEMBERS;
import static io.openkms.kms.replication.LeaderStateMachineTest.START;
import static io.openkms.kms.replication.LeaderStateMachineTest.ack;
import static io.openkms.kms.replication.LeaderStateMachineTest.append;
import static io.openkms.kms.replication.LeaderStateMachineTest.expect;
import static io.openkms.kms.replication.LeaderStateMachineTest.granted;
import static io.openkms.kms.replication.LeaderStateMachineTest.ours;
import static io.openkms.kms.replication.LeaderStateMachineTest.started;
import static io.openkms.kms.replication.LeaderStateMachineTest.tick;
import static io.openkms.kms.replication.LeaderStateMachineTest.write;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;

import io.openkms.kms.replication.Event.BecameServing;
import io.openkms.kms.replication.Event.SteppedDown;
import io.openkms.kms.replication.LeaderInput.AppendAck;
import io.openkms.kms.replication.LeaderInput.EntriesFetched;
import io.openkms.kms.replication.LeaderInput.MemberReachable;
import io.openkms.kms.replication.LeaderInput.MemberUnreachable;
import io.openkms.kms.replication.LeaderInput.PromiseGranted;
import io.openkms.kms.replication.LeaderInput.PromiseRejected;
import io.openkms.kms.replication.ReplicaInput.Append;
import io.openkms.kms.replication.ReplicaInput.FetchEntries;
import io.openkms.kms.replication.ReplicaInput.Promise;
import io.openkms.kms.replication.WriteOutcome.NoLeader;
import io.openkms.kms.replication.WriteOutcome.Unavailable;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;

/**
 * Rule tests of {@link Takeover}, driven through {@link LeaderStateMachine} (docs/ARCHITECTURE.md
 * §3 "Terms and takeover"): exact outputs for every answer a new leader can get, and for writes
 * that arrive meanwhile. Same fixture as {@link LeaderStateMachineTest}: node 0, term 2, members
 * {0, 1, 2}, started at 1 000 ms.
 */
class TakeoverTest {

  @Test
  void withEqualLogsTheLeaderServesOnceEveryMemberPromised() {
    LeaderStateMachine<String> leader = started();
    assertEquals(Output.empty(), leader.step(granted(0, 1, 3)));
    assertEquals(Output.empty(), leader.step(granted(1, 1, 3)));
    assertEquals(expect().event(new BecameServing(2, 3)).build(), leader.step(granted(2, 1, 3)));
    assertEquals(LeaderRole.SERVING, leader.role());
    assertEquals(3, leader.commitIndex());
    assertEquals(3, leader.lastIndex());
  }

  @Test
  void aMemberThatLacksEntriesIsCompletedFromOneThatHasThem() {
    LeaderStateMachine<String> leader = started();
    leader.step(granted(0, 1, 3));
    leader.step(granted(1, 1, 3));
    assertEquals(
        expect().send(0, new FetchEntries<>(0, 2, 1, 3)).build(), leader.step(granted(2, 0, 0)));
    assertEquals(
        expect().send(2, append(0, 0, A, B, C)).build(),
        leader.step(new EntriesFetched<>(0, 2, 1, List.of(A, B, C))));
    assertEquals(LeaderRole.TAKING_OVER, leader.role());
    assertEquals(expect().event(new BecameServing(2, 3)).build(), leader.step(ack(2, 3)));
    assertEquals(0, leader.cachedEntries());
  }

  @Test
  void anEntryOnlyOneMemberHoldsIsCompletedOnEveryMember() {
    LeaderStateMachine<String> leader = started();
    leader.step(granted(0, 1, 3));
    leader.step(granted(1, 1, 4));
    assertEquals(
        expect().send(1, new FetchEntries<>(0, 2, 4, 4)).build(), leader.step(granted(2, 1, 3)));
    assertEquals(
        expect().send(0, append(3, 1, D)).send(2, append(3, 1, D)).build(),
        leader.step(new EntriesFetched<>(1, 2, 4, List.of(D))));
    assertEquals(Output.empty(), leader.step(ack(0, 4)));
    assertEquals(expect().event(new BecameServing(2, 4)).build(), leader.step(ack(2, 4)));
  }

  @Test
  void catchUpGoesInBatchesOfAtMostMaxEntriesPerMessage() {
    LeaderStateMachine<String> leader = started();
    leader.step(granted(0, 1, 5));
    leader.step(granted(1, 1, 5));
    assertEquals(
        expect().send(0, new FetchEntries<>(0, 2, 1, 3)).build(), leader.step(granted(2, 0, 0)));
    assertEquals(
        expect().send(0, new FetchEntries<>(0, 2, 4, 5)).build(),
        leader.step(new EntriesFetched<>(0, 2, 1, List.of(A, B, C))));
    assertEquals(
        expect().send(2, append(0, 0, A, B, C)).build(),
        leader.step(new EntriesFetched<>(0, 2, 4, List.of(D, E))));
    assertEquals(expect().send(2, append(3, 1, D, E)).build(), leader.step(ack(2, 3)));
    assertEquals(expect().event(new BecameServing(2, 5)).build(), leader.step(ack(2, 5)));
  }

  @Test
  void aMemberFoundInTheLogMustPromiseAndAJoinerGetsOnlyWhatEveryOtherMemberHolds() {
    Set<Integer> founders = Set.of(0, 1);
    Entry<String> addition = entry(1, 2, "add:2");
    LeaderStateMachine<String> leader = started(founders);
    leader.step(granted(0, 1, 2, MEMBERS));
    assertEquals(
        expect().send(0, new FetchEntries<>(0, 2, 1, 2)).build(),
        leader.step(granted(1, 0, 0, founders)));
    assertEquals(
        expect().send(2, new Promise<>(0, 2)).build(),
        leader.step(new EntriesFetched<>(0, 2, 1, List.of(A, addition))));
    // the joiner gets nothing before every other member holds its addition
    assertEquals(
        expect().send(1, append(0, 0, A, addition)).build(),
        leader.step(granted(2, 0, 0, founders)));
    assertEquals(expect().send(2, append(0, 0, A, addition)).build(), leader.step(ack(1, 2)));
    assertEquals(expect().event(new BecameServing(2, 2)).build(), leader.step(ack(2, 2)));
    assertEquals(MEMBERS, leader.members());
  }

  @Test
  void aMemberRemovedByAnUnconfirmedEntryMustPromiseAndLearnItsRemoval() {
    Set<Integer> remaining = Set.of(0, 1);
    Entry<String> removal = entry(1, 1, "rm:2");
    LeaderStateMachine<String> leader = started(remaining);
    assertEquals(
        expect().send(2, new Promise<>(0, 2)).build(),
        leader.step(new PromiseGranted<>(0, 2, 1, 1, remaining, false, Set.of(), Map.of(2, 1L))));
    assertEquals(Output.empty(), leader.step(granted(1, 1, 1, remaining)));
    assertEquals(
        expect().send(0, new FetchEntries<>(0, 2, 1, 1)).build(),
        leader.step(granted(2, 0, 0, MEMBERS)));
    assertEquals(
        expect().send(2, append(0, 0, removal)).build(),
        leader.step(new EntriesFetched<>(0, 2, 1, List.of(removal))));
    // serving: the witnesses confirm the completed removal first, then the removed member
    // learns it is committed and may leave (issue 12)
    assertEquals(
        expect()
            .sendToEach(new Append<>(0, 2, 1, 1, List.of(), 1), 0, 1)
            .event(new BecameServing(2, 1))
            .build(),
        leader.step(ack(2, 1)));
    assertEquals(remaining, leader.members());
    leader.step(new AppendAck<>(0, 2, 1, 1));
    assertEquals(
        expect().send(2, new Append<>(0, 2, 1, 1, List.of(), 1)).build(),
        leader.step(new AppendAck<>(1, 2, 1, 1)));
  }

  /**
   * Issue 12: a joiner that has not applied its own addition replays the log from its start; its
   * short log must not make a member removed before its addition required (that member may have
   * left for good).
   */
  @Test
  void aJoinersShortLogDoesNotRequireAMemberRemovedBeforeIt() {
    Set<Integer> members = Set.of(0, 2);
    Entry<String> removal = entry(1, 1, "rm:1");
    Entry<String> addition = entry(1, 2, "add:2");
    LeaderStateMachine<String> leader = started(members);
    leader.step(granted(0, 1, 2, members));
    Output<String> out = leader.step(granted(2, 0, 0, Set.of(0, 1)));
    for (Send<String> send : out.send()) {
      assertNotEquals(1, send.to(), "asks the departed member: " + out);
    }
    assertEquals(members, leader.members());
    leader.step(new EntriesFetched<>(0, 2, 1, List.of(removal, addition)));
    assertEquals(expect().event(new BecameServing(2, 2)).build(), leader.step(ack(2, 2)));
  }

  @Test
  void aMemberReleasedByADeadMembersRemovalInTheLogNeedsNoPromise() {
    Set<Integer> remaining = Set.of(0, 1);
    Entry<String> removal = entry(1, 2, "rm!:2");
    // node 1 has not applied the removal yet: its promise names node 2, whose promise would be
    // required if the fetched log did not release it
    LeaderStateMachine<String> leader = started(remaining);
    leader.step(new PromiseGranted<>(0, 2, 1, 2, remaining, false, Set.of(), Map.of()));
    assertEquals(
        expect().send(0, new FetchEntries<>(0, 2, 2, 2)).build(),
        leader.step(granted(1, 1, 1, MEMBERS)));
    assertEquals(
        expect().send(1, append(1, 1, removal)).build(),
        leader.step(new EntriesFetched<>(0, 2, 2, List.of(removal))));
    assertEquals(expect().event(new BecameServing(2, 2)).build(), leader.step(ack(1, 2)));
    assertEquals(remaining, leader.members());
  }

  @Test
  void whenOnlyRemovedMembersAnswerTheMembersTheyNameMustPromise() {
    LeaderStateMachine<String> leader = started(Set.of(1));
    assertEquals(
        expect().send(2, new Promise<>(0, 2)).send(3, new Promise<>(0, 2)).build(),
        leader.step(new PromiseGranted<>(1, 2, 1, 5, Set.of(2, 3), true, Set.of(), Map.of())));
  }

  @Test
  void idsEvictedOnAnyMemberNeedNoPromise() {
    LeaderStateMachine<String> leader = started();
    leader.step(new PromiseGranted<>(0, 2, 0, 0, Set.of(0, 1), false, Set.of(2), Map.of()));
    assertEquals(
        expect().event(new BecameServing(2, 0)).build(),
        leader.step(granted(1, 0, 0, Set.of(0, 1))));
    assertEquals(Set.of(0, 1), leader.members());
    assertEquals(
        expect().send(0, append(0, 0, ours(1, "w"))).send(1, append(0, 0, ours(1, "w"))).build(),
        leader.step(write(7, "w")));
  }

  @Test
  void anIdEvictedOnOneMemberIsIgnoredEvenWhereAnotherStillCountsIt() {
    LeaderStateMachine<String> leader = started();
    leader.step(new PromiseGranted<>(0, 2, 1, 1, Set.of(0, 1), false, Set.of(2), Map.of()));
    assertEquals(
        expect().send(0, new FetchEntries<>(0, 2, 1, 1)).build(),
        leader.step(granted(1, 0, 0, MEMBERS)));
    assertEquals(
        expect().send(1, append(0, 0, A)).build(),
        leader.step(new EntriesFetched<>(0, 2, 1, List.of(A))));
    assertEquals(expect().event(new BecameServing(2, 1)).build(), leader.step(ack(1, 1)));
    assertEquals(Set.of(0, 1), leader.members());
  }

  @Test
  void aJoinerDoesNotWaitForAMemberEvictedOutOfBand() {
    Entry<String> addition = entry(1, 2, "add:2");
    LeaderStateMachine<String> leader = started(Set.of(0, 1));
    assertEquals(
        expect().send(2, new Promise<>(0, 2)).build(),
        leader.step(new PromiseGranted<>(0, 2, 1, 2, Set.of(0, 2), false, Set.of(1), Map.of())));
    assertEquals(
        expect().send(0, new FetchEntries<>(0, 2, 1, 2)).build(),
        leader.step(granted(2, 0, 0, Set.of(0, 1))));
    assertEquals(
        expect().send(2, append(0, 0, A, addition)).build(),
        leader.step(new EntriesFetched<>(0, 2, 1, List.of(A, addition))));
    assertEquals(expect().event(new BecameServing(2, 2)).build(), leader.step(ack(2, 2)));
    assertEquals(Set.of(0, 2), leader.members());
  }

  @Test
  void theLogNeverEndsBelowWhatTheTakeoverAlreadySent() {
    LeaderStateMachine<String> leader = started();
    leader.step(granted(0, 0, 0));
    leader.step(granted(1, 0, 0));
    assertEquals(
        expect().send(2, new FetchEntries<>(0, 2, 1, 2)).build(), leader.step(granted(2, 1, 2)));
    assertEquals(
        expect().send(0, append(0, 0, A, B)).send(1, append(0, 0, A, B)).build(),
        leader.step(new EntriesFetched<>(2, 2, 1, List.of(A, B))));
    // the only other holder is removed out of band: what was sent may be persisted already
    assertEquals(Output.empty(), leader.step(new MembershipChanged<>(Set.of(2))));
    assertEquals(2, leader.lastIndex());
    assertEquals(Output.empty(), leader.step(ack(0, 2)));
    assertEquals(expect().event(new BecameServing(2, 2)).build(), leader.step(ack(1, 2)));
  }

  @Test
  void theFirstAnswerOfEachMemberCountsAndOtherTermsAreIgnored() {
    LeaderStateMachine<String> leader = started();
    leader.step(granted(0, 0, 0));
    assertEquals(Output.empty(), leader.step(granted(0, 1, 9)));
    assertEquals(
        Output.empty(),
        leader.step(new PromiseGranted<>(1, 1, 0, 0, MEMBERS, false, Set.of(), Map.of())));
    leader.step(granted(1, 0, 0));
    assertEquals(expect().event(new BecameServing(2, 0)).build(), leader.step(granted(2, 0, 0)));
  }

  @Test
  void unansweredPromiseRequestsAreResentEveryInterval() {
    LeaderStateMachine<String> leader = started();
    leader.step(granted(0, 0, 0));
    leader.step(granted(1, 0, 0));
    assertEquals(Output.empty(), leader.step(tick(START + 499)));
    assertEquals(expect().send(2, new Promise<>(0, 2)).build(), leader.step(tick(START + 500)));
  }

  @Test
  void anUnreachableMemberIsAskedAgainAsSoonAsItIsReachable() {
    LeaderStateMachine<String> leader = started();
    assertEquals(Output.empty(), leader.step(new MemberUnreachable<>(2)));
    leader.step(granted(0, 0, 0));
    leader.step(granted(1, 0, 0));
    assertEquals(Output.empty(), leader.step(tick(START + 600)));
    assertEquals(
        expect().send(2, new Promise<>(0, 2)).build(), leader.step(new MemberReachable<>(2)));
  }

  @Test
  void aHigherPromisedTermStepsDownAndFailsTheQueuedWrites() {
    LeaderStateMachine<String> leader = started();
    leader.step(write(10, "x"));
    assertEquals(
        expect()
            .reply(10, new NoLeader(0))
            .event(new SteppedDown(2, 3, SteppedDown.Reason.HIGHER_TERM))
            .build(),
        leader.step(new PromiseRejected<>(1, 2, 3)));
    assertEquals(LeaderRole.STEPPED_DOWN, leader.role());
  }

  @Test
  void theSameTermPromisedToARivalStepsDown() {
    assertEquals(
        expect().event(new SteppedDown(2, 2, SteppedDown.Reason.HIGHER_TERM)).build(),
        started().step(new PromiseRejected<>(1, 2, 2)));
  }

  @Test
  void aRejectionOfAnOlderRequestIsIgnored() {
    assertEquals(Output.empty(), started().step(new PromiseRejected<>(1, 1, 1)));
  }

  @Test
  void fetchedEntriesOfAnotherTermAreIgnored() {
    LeaderStateMachine<String> leader = started();
    leader.step(granted(0, 1, 3));
    leader.step(granted(1, 1, 3));
    leader.step(granted(2, 0, 0));
    assertEquals(Output.empty(), leader.step(new EntriesFetched<>(0, 1, 1, List.of(A, B, C))));
    assertEquals(LeaderRole.TAKING_OVER, leader.role());
  }

  /** Writes that arrive before the takeover is complete. */
  @Nested
  class QueuedWrites {

    @Test
    void areAssignedInArrivalOrderWhenServingStarts() {
      LeaderStateMachine<String> leader = started();
      assertEquals(Output.empty(), leader.step(write(10, "x")));
      assertEquals(Output.empty(), leader.step(write(11, "y")));
      leader.step(granted(0, 0, 0));
      leader.step(granted(1, 0, 0));
      Entry<String> x = ours(1, "x");
      Entry<String> y = ours(2, "y");
      assertEquals(
          expect()
              .sendToEach(append(0, 0, x), 0, 1, 2)
              .sendToEach(append(1, 2, y), 0, 1, 2)
              .event(new BecameServing(2, 0))
              .build(),
          leader.step(granted(2, 0, 0)));
      assertEquals(2, leader.waitingWrites());
    }

    @Test
    void aFullQueueRefusesAtOnce() {
      LeaderStateMachine<String> leader = started();
      leader.step(write(10, "x"));
      leader.step(write(11, "y"));
      assertEquals(expect().reply(12, new NoLeader(0)).build(), leader.step(write(12, "z")));
    }

    @Test
    void failAfterTheTimeoutNamingTheMembersThatBlockTheTakeover() {
      LeaderStateMachine<String> leader = started();
      leader.step(write(10, "x"));
      leader.step(granted(0, 0, 0));
      leader.step(granted(1, 0, 0));
      assertEquals(expect().send(2, new Promise<>(0, 2)).build(), leader.step(tick(START + 9_999)));
      assertEquals(
          expect().reply(10, new Unavailable(Set.of(2), 0)).build(),
          leader.step(tick(START + 10_000)));
      assertEquals(0, leader.waitingWrites());
    }

    @Test
    void failAtOnceWhenARequiredMemberIsUnreachable() {
      LeaderStateMachine<String> leader = started();
      leader.step(new MemberUnreachable<>(1));
      assertEquals(
          expect().reply(10, new Unavailable(Set.of(1), 0)).build(), leader.step(write(10, "x")));
    }
  }
}
