package io.openkms.kms.replication;

import static io.openkms.kms.replication.Expected.RULE;
import static io.openkms.kms.replication.Expected.entry;
import static io.openkms.kms.replication.LeaderInput.AppendRejected.Reason.CONFLICT;
import static io.openkms.kms.replication.LeaderInput.AppendRejected.Reason.GAP;
import static io.openkms.kms.replication.LeaderInput.AppendRejected.Reason.STALE_TERM;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.openkms.kms.replication.Event.SteppedDown;
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
import io.openkms.kms.replication.ReplicaInput.Promise;
import io.openkms.kms.replication.WriteOutcome.Committed;
import io.openkms.kms.replication.WriteOutcome.NoLeader;
import io.openkms.kms.replication.WriteOutcome.Unavailable;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;

/**
 * Rule tests of {@link LeaderStateMachine} when starting, serving and stepped down, with the exact
 * output (taking over: {@link TakeoverTest}). The leader runs on node 0 with term 2 over members
 * {0, 1, 2}, started at 1 000 ms; writes time out after 10 000 ms, resends wait 500 ms, two writes
 * may queue, three entries fit in a message, and appends in flight are not limited in practice (100
 * per member; the limit has its own tests in {@link GroupCommit}).
 */
class LeaderStateMachineTest {

  static final LeaderConfig CONFIG = new LeaderConfig(10_000, 500, 2, 3, 100);
  static final Set<Integer> MEMBERS = Set.of(0, 1, 2);
  static final long START = 1_000;

  static final Entry<String> A = entry(1, 1, "a");
  static final Entry<String> B = entry(1, 2, "b");
  static final Entry<String> C = entry(1, 3, "c");
  static final Entry<String> D = entry(1, 4, "d");
  static final Entry<String> E = entry(1, 5, "e");

  static Expected<String> expect() {
    return Expected.output();
  }

  static LeaderStateMachine<String> started(Set<Integer> members) {
    LeaderStateMachine<String> leader = new LeaderStateMachine<>(0, 2, members, RULE, CONFIG);
    leader.start(START);
    return leader;
  }

  static LeaderStateMachine<String> started() {
    return started(MEMBERS);
  }

  /** A leader whose members all promised with empty logs. */
  static LeaderStateMachine<String> serving() {
    LeaderStateMachine<String> leader = started();
    for (int id : MEMBERS) {
      leader.step(granted(id, 0, 0));
    }
    assertEquals(LeaderRole.SERVING, leader.role());
    return leader;
  }

  static PromiseGranted<String> granted(int from, long lastTerm, long lastIndex) {
    return granted(from, lastTerm, lastIndex, MEMBERS);
  }

  static PromiseGranted<String> granted(
      int from, long lastTerm, long lastIndex, Set<Integer> members) {
    return new PromiseGranted<>(from, 2, lastTerm, lastIndex, members, false, Set.of(), Map.of());
  }

  /** An append from this leader whose commit index is 0 (taking over, or nothing committed). */
  @SafeVarargs
  static Append<String> append(long prevIndex, long prevTerm, Entry<String>... entries) {
    return appendCommitted(0, prevIndex, prevTerm, entries);
  }

  @SafeVarargs
  static Append<String> appendCommitted(
      long commitIndex, long prevIndex, long prevTerm, Entry<String>... entries) {
    return new Append<>(0, 2, prevIndex, prevTerm, List.of(entries), commitIndex);
  }

  static AppendAck<String> ack(int from, long lastIndex) {
    return new AppendAck<>(from, 2, lastIndex);
  }

  /** An acknowledgement that echoes the commit index the replica acted on. */
  static AppendAck<String> ack(int from, long lastIndex, long commitIndex) {
    return new AppendAck<>(from, 2, lastIndex, commitIndex);
  }

  static ClientWrite<String> write(long requestId, String command) {
    return new ClientWrite<>(requestId, command);
  }

  static Tick<String> tick(long nowMillis) {
    return new Tick<>(nowMillis);
  }

  static Entry<String> ours(long index, String command) {
    return entry(2, index, command);
  }

  @Nested
  class Starting {

    @Test
    void startAsksEveryMemberForItsPromise() {
      LeaderStateMachine<String> leader = new LeaderStateMachine<>(0, 2, MEMBERS, RULE, CONFIG);
      assertEquals(
          expect()
              .send(0, new Promise<>(0, 2))
              .send(1, new Promise<>(0, 2))
              .send(2, new Promise<>(0, 2))
              .build(),
          leader.start(START));
      assertEquals(LeaderRole.TAKING_OVER, leader.role());
      assertEquals(MEMBERS, leader.members());
    }

    @Test
    void badArgumentsAndCallOrderAreRefused() {
      assertEquals(
          "selfId must be >= 0, was -1",
          assertThrows(
                  IllegalArgumentException.class,
                  () -> new LeaderStateMachine<>(-1, 2, MEMBERS, RULE, CONFIG))
              .getMessage());
      assertEquals(
          "term must be >= 1, was 0",
          assertThrows(
                  IllegalArgumentException.class,
                  () -> new LeaderStateMachine<>(0, 0, MEMBERS, RULE, CONFIG))
              .getMessage());
      assertEquals(
          "members must not be empty",
          assertThrows(
                  IllegalArgumentException.class,
                  () -> new LeaderStateMachine<>(0, 2, Set.of(), RULE, CONFIG))
              .getMessage());
      LeaderStateMachine<String> leader = new LeaderStateMachine<>(0, 2, MEMBERS, RULE, CONFIG);
      assertEquals(
          "start() first",
          assertThrows(IllegalStateException.class, () -> leader.step(tick(START))).getMessage());
      leader.start(START);
      assertEquals(
          "already started",
          assertThrows(IllegalStateException.class, () -> leader.start(START)).getMessage());
    }
  }

  /** docs/ARCHITECTURE.md §3 "Write path", invariants 2 and 4. */
  @Nested
  class Serving {

    @Test
    void aWriteGoesToEveryMemberAndCommitsOnlyWhenAllAcknowledged() {
      LeaderStateMachine<String> leader = serving();
      Entry<String> w = ours(1, "w");
      assertEquals(
          expect().sendToEach(append(0, 0, w), 0, 1, 2).build(), leader.step(write(7, "w")));
      assertEquals(1, leader.cachedEntries());
      assertEquals(Output.empty(), leader.step(ack(0, 1)));
      assertEquals(Output.empty(), leader.step(ack(1, 1)));
      assertEquals(expect().reply(7, new Committed(1)).build(), leader.step(ack(2, 1)));
      assertEquals(1, leader.commitIndex());
      assertEquals(0, leader.cachedEntries());
      assertEquals(0, leader.waitingWrites());
    }

    @Test
    void anUnacknowledgedWriteFailsAfterTheTimeoutButStaysAndIsResent() {
      LeaderStateMachine<String> leader = serving();
      Entry<String> w = ours(1, "w");
      leader.step(write(7, "w"));
      leader.step(ack(0, 1));
      leader.step(ack(1, 1));
      assertEquals(expect().send(2, append(0, 0, w)).build(), leader.step(tick(START + 9_999)));
      assertEquals(
          expect().reply(7, new Unavailable(Set.of(2), 1)).build(),
          leader.step(tick(START + 10_000)));
      assertEquals(expect().send(2, append(0, 0, w)).build(), leader.step(tick(START + 10_499)));
      // in doubt, never half-visible for long: it commits when the member finally acknowledges
      assertEquals(Output.empty(), leader.step(ack(2, 1)));
      assertEquals(1, leader.commitIndex());
    }

    @Test
    void timeMayStartAnywhereAndNeverGoesBack() {
      LeaderStateMachine<String> leader = new LeaderStateMachine<>(0, 2, MEMBERS, RULE, CONFIG);
      leader.start(-50_000);
      for (int id : MEMBERS) {
        leader.step(granted(id, 0, 0));
      }
      leader.step(write(7, "w"));
      leader.step(ack(0, 1));
      leader.step(ack(1, 1));
      leader.step(tick(-45_000));
      // a tick from the past changes nothing: the deadline is still -40 000
      assertEquals(Output.empty(), leader.step(tick(-60_000)));
      assertEquals(
          expect().send(2, append(0, 0, ours(1, "w"))).build(), leader.step(tick(-40_001)));
      assertEquals(
          expect().reply(7, new Unavailable(Set.of(2), 1)).build(), leader.step(tick(-40_000)));
    }

    @Test
    void aGapIsAnsweredOnceWithTheEntriesAfterTheMembersLastIndex() {
      LeaderStateMachine<String> leader = serving();
      leader.step(write(1, "a"));
      leader.step(write(2, "b"));
      leader.step(write(3, "c"));
      assertEquals(
          expect().send(2, append(0, 0, ours(1, "a"), ours(2, "b"), ours(3, "c"))).build(),
          leader.step(new AppendRejected<>(2, 2, GAP, 2, 0, 0)));
      assertEquals(Output.empty(), leader.step(new AppendRejected<>(2, 2, GAP, 2, 0, 0)));
    }

    @Test
    void anUnreachableMemberMakesWritesFailAtOnceAndWithoutAnIndex() {
      LeaderStateMachine<String> leader = serving();
      leader.step(new MemberUnreachable<>(2));
      assertEquals(
          expect().reply(7, new Unavailable(Set.of(2), 0)).build(), leader.step(write(7, "w")));
      assertEquals(0, leader.lastIndex());
    }

    @Test
    void aMemberThatBecomesReachableGetsWhatItLacksAtOnce() {
      LeaderStateMachine<String> leader = serving();
      leader.step(write(7, "w"));
      leader.step(ack(0, 1));
      leader.step(ack(1, 1));
      leader.step(new MemberUnreachable<>(2));
      assertEquals(Output.empty(), leader.step(tick(START + 2_000)));
      assertEquals(
          expect().send(2, append(0, 0, ours(1, "w"))).build(),
          leader.step(new MemberReachable<>(2)));
    }

    @Test
    void removingALaggardOutOfBandCommitsTheWritesThatWaitedOnlyForIt() {
      LeaderStateMachine<String> leader = serving();
      leader.step(write(7, "w"));
      leader.step(ack(0, 1));
      leader.step(ack(1, 1));
      assertEquals(
          expect().reply(7, new Committed(1)).build(),
          leader.step(new MembershipChanged<>(Set.of(2))));
      assertEquals(Set.of(0, 1), leader.members());
      Entry<String> v = ours(2, "v");
      assertEquals(
          expect()
              .send(0, appendCommitted(1, 1, 2, v))
              .send(1, appendCommitted(1, 1, 2, v))
              .build(),
          leader.step(write(8, "v")));
    }

    @Test
    void aLateAnswerFromANodeRemovedOutOfBandIsIgnored() {
      LeaderStateMachine<String> leader = serving();
      leader.step(new MembershipChanged<>(Set.of(2)));
      leader.step(write(7, "w"));
      // its log held another entry at index 1: no conflict, it no longer counts
      assertEquals(Output.empty(), leader.step(new EntriesFetched<>(2, 2, 1, List.of(A))));
      assertEquals(LeaderRole.SERVING, leader.role());
    }

    /**
     * Issue 12: the removed member leaves on learning its removal committed; a member that still
     * lists the removal as unconfirmed would make a later takeover wait for the departed node's
     * promise. So the removed member learns the commit only after every witness echoed it.
     */
    @Test
    void aRemovedMemberIsToldItsRemovalCommittedOnlyAfterEveryWitnessConfirmedIt() {
      LeaderStateMachine<String> leader = serving();
      Entry<String> removal = ours(1, "rm:2");
      leader.step(write(8, "rm:2"));
      leader.step(ack(0, 1));
      leader.step(ack(1, 1));
      assertEquals(
          expect().sendToEach(appendCommitted(1, 1, 2), 0, 1).reply(8, new Committed(1)).build(),
          leader.step(ack(2, 1)));
      assertEquals(Output.empty(), leader.step(ack(0, 1, 1)));
      // the last witness confirmed: now the removed member learns it
      assertEquals(expect().send(2, appendCommitted(1, 1, 2)).build(), leader.step(ack(1, 1, 1)));
      // its echo ends the telling: later ticks send nothing
      assertEquals(Output.empty(), leader.step(ack(2, 1, 1)));
      assertEquals(Output.empty(), leader.step(tick(START + 10 * CONFIG.resendIntervalMillis())));
      assertEquals(1, removal.index());
    }

    @Test
    void lostAnnouncementsAreRepeatedEveryResendIntervalUntilEchoed() {
      LeaderStateMachine<String> leader = serving();
      leader.step(write(8, "rm:2"));
      leader.step(ack(0, 1));
      leader.step(ack(1, 1));
      leader.step(ack(2, 1)); // the announcements to 0 and 1 are lost
      long interval = CONFIG.resendIntervalMillis();
      assertEquals(Output.empty(), leader.step(tick(START + interval - 1)));
      assertEquals(
          expect().sendToEach(appendCommitted(1, 1, 2), 0, 1).build(),
          leader.step(tick(START + interval)));
      leader.step(ack(0, 1, 1));
      leader.step(ack(1, 1, 1)); // the telling of 2 is lost as well
      assertEquals(
          expect().send(2, appendCommitted(1, 1, 2)).build(),
          leader.step(tick(START + 3 * interval)));
      leader.step(ack(2, 1, 1));
      assertEquals(Output.empty(), leader.step(tick(START + 5 * interval)));
    }

    @Test
    void aRemovalThroughTheLogNeedsTheRemovedMembersAcknowledgementAndNothingAfter() {
      LeaderStateMachine<String> leader = serving();
      Entry<String> removal = ours(1, "rm:2");
      assertEquals(
          expect().sendToEach(append(0, 0, removal), 0, 1, 2).build(),
          leader.step(write(8, "rm:2")));
      leader.step(ack(0, 1));
      leader.step(ack(1, 1));
      // a committed membership change is announced at once: replicas confirm the removal; the
      // removed member is told only once they did (issue 12)
      assertEquals(
          expect().sendToEach(appendCommitted(1, 1, 2), 0, 1).reply(8, new Committed(1)).build(),
          leader.step(ack(2, 1)));
      assertEquals(Set.of(0, 1), leader.members());
      Entry<String> v = ours(2, "v");
      assertEquals(
          expect()
              .send(0, appendCommitted(1, 1, 2, v))
              .send(1, appendCommitted(1, 1, 2, v))
              .build(),
          leader.step(write(9, "v")));
    }

    @Test
    void aDeadMembersRemovalCommitsWithTheOthersAcknowledgementsAndFreesWhatWaitedForIt() {
      LeaderStateMachine<String> leader = serving();
      leader.step(write(7, "w"));
      leader.step(ack(0, 1));
      leader.step(ack(1, 1));
      leader.step(new MemberUnreachable<>(2));
      // an ordinary removal still needs the dead member: refused at once
      assertEquals(
          expect().reply(8, new Unavailable(Set.of(2), 0)).build(), leader.step(write(8, "rm:2")));
      // the write that waited only for the dead member commits as soon as the removal is assigned
      Entry<String> removal = ours(2, "rm!:2");
      assertEquals(
          expect().sendToEach(append(1, 2, removal), 0, 1).reply(7, new Committed(1)).build(),
          leader.step(write(9, "rm!:2")));
      leader.step(ack(0, 2));
      Output<String> committed = leader.step(ack(1, 2));
      assertEquals(List.of(new Reply(9, new Committed(2))), committed.replies());
      assertTrue(committed.send().stream().noneMatch(send -> send.to() == 2), committed.toString());
      assertEquals(Set.of(0, 1), leader.members());
      Entry<String> v = ours(3, "v");
      assertEquals(
          expect().sendToEach(appendCommitted(2, 2, 2, v), 0, 1).build(),
          leader.step(write(10, "v")));
    }

    @Test
    void anAdditionThroughTheLogReachesTheJoinerOnlyAfterEveryOtherMemberHoldsIt() {
      Set<Integer> founders = Set.of(0, 1);
      LeaderStateMachine<String> leader = started(founders);
      leader.step(granted(0, 0, 0, founders));
      leader.step(granted(1, 0, 0, founders));
      Entry<String> addition = ours(1, "add:2");
      assertEquals(
          expect().send(0, append(0, 0, addition)).send(1, append(0, 0, addition)).build(),
          leader.step(write(9, "add:2")));
      assertEquals(Output.empty(), leader.step(ack(0, 1)));
      assertEquals(expect().send(2, append(0, 0, addition)).build(), leader.step(ack(1, 1)));
      assertEquals(
          expect().sendToEach(appendCommitted(1, 1, 2), 0, 1, 2).reply(9, new Committed(1)).build(),
          leader.step(ack(2, 1)));
      assertEquals(MEMBERS, leader.members());
    }

    @Test
    void acknowledgementsOfAnotherTermAreIgnored() {
      LeaderStateMachine<String> leader = serving();
      leader.step(write(7, "w"));
      leader.step(ack(0, 1));
      leader.step(ack(1, 1));
      assertEquals(Output.empty(), leader.step(new AppendAck<>(2, 1, 1)));
      assertEquals(0, leader.commitIndex());
    }

    @Test
    void aStaleTermRejectionStepsDownAndFailsPendingWritesAsInDoubt() {
      LeaderStateMachine<String> leader = serving();
      leader.step(write(7, "w"));
      assertEquals(
          expect()
              .reply(7, new NoLeader(1))
              .event(new SteppedDown(2, 3, SteppedDown.Reason.HIGHER_TERM))
              .build(),
          leader.step(new AppendRejected<>(1, 2, STALE_TERM, 3, 0, 0)));
    }

    @Test
    void aLogConflictStepsDown() {
      assertEquals(
          expect().event(new SteppedDown(2, 2, SteppedDown.Reason.LOG_CONFLICT)).build(),
          serving().step(new AppendRejected<>(1, 2, CONFLICT, 2, 5, 1)));
    }
  }

  /**
   * {@link LeaderConfig#maxAppendsInFlight()}: entries assigned while a member's slots are taken go
   * out together once an answer frees one (group commit); commit and answers are unchanged.
   */
  @Nested
  class GroupCommit {

    /** A serving leader over {0, 1, 2} with {@code inFlight} appends in flight per member. */
    LeaderStateMachine<String> serving(int inFlight) {
      LeaderStateMachine<String> leader =
          new LeaderStateMachine<>(
              0, 2, MEMBERS, RULE, new LeaderConfig(10_000, 500, 2, 3, inFlight));
      leader.start(START);
      for (int id : MEMBERS) {
        leader.step(granted(id, 0, 0));
      }
      return leader;
    }

    @Test
    void writesThatArriveWhileAnAppendIsInFlightGoOutTogetherAfterItsAnswer() {
      LeaderStateMachine<String> leader = serving(1);
      Entry<String> a = ours(1, "a");
      Entry<String> b = ours(2, "b");
      Entry<String> c = ours(3, "c");
      assertEquals(
          expect().sendToEach(append(0, 0, a), 0, 1, 2).build(), leader.step(write(1, "a")));
      assertEquals(Output.empty(), leader.step(write(2, "b")));
      assertEquals(Output.empty(), leader.step(write(3, "c")));
      assertEquals(expect().send(0, append(1, 2, b, c)).build(), leader.step(ack(0, 1)));
      assertEquals(expect().send(1, append(1, 2, b, c)).build(), leader.step(ack(1, 1)));
      assertEquals(
          expect().send(2, appendCommitted(1, 1, 2, b, c)).reply(1, new Committed(1)).build(),
          leader.step(ack(2, 1)));
      assertEquals(Output.empty(), leader.step(ack(0, 3)));
      assertEquals(Output.empty(), leader.step(ack(1, 3)));
      // only when every member journaled them
      assertEquals(
          expect().reply(2, new Committed(2)).reply(3, new Committed(3)).build(),
          leader.step(ack(2, 3)));
      assertEquals(3, leader.commitIndex());
      assertEquals(0, leader.waitingWrites());
    }

    @Test
    void aBatchCarriesAtMostTheEntriesOfOneMessage() {
      LeaderStateMachine<String> leader = serving(1);
      for (String command : List.of("a", "b", "c", "d", "e")) {
        leader.step(write(command.charAt(0), command));
      }
      assertEquals(
          expect().send(0, append(1, 2, ours(2, "b"), ours(3, "c"), ours(4, "d"))).build(),
          leader.step(ack(0, 1)));
      assertEquals(expect().send(0, append(4, 2, ours(5, "e"))).build(), leader.step(ack(0, 4)));
      assertEquals(Output.empty(), leader.step(ack(0, 5)));
    }

    @Test
    void withTwoSlotsTheSecondAppendGoesOutAtOnceAndTheThirdWaitsForAnAnswer() {
      LeaderStateMachine<String> leader = serving(2);
      leader.step(write(1, "a"));
      Entry<String> b = ours(2, "b");
      assertEquals(
          expect().sendToEach(append(1, 2, b), 0, 1, 2).build(), leader.step(write(2, "b")));
      assertEquals(Output.empty(), leader.step(write(3, "c")));
      assertEquals(Output.empty(), leader.step(write(4, "d")));
      // the answer to the first append frees a slot: what waited follows the second append
      assertEquals(
          expect().send(1, append(2, 2, ours(3, "c"), ours(4, "d"))).build(),
          leader.step(ack(1, 1)));
      assertEquals(Output.empty(), leader.step(ack(1, 2)));
      // member 1 has a free slot again, members 0 and 2 have none
      assertEquals(
          expect().send(1, append(4, 2, ours(5, "e"))).build(), leader.step(write(5, "e")));
      assertEquals(Output.empty(), leader.step(ack(1, 4)));
    }

    @Test
    void aLostAppendIsResentFromWhatTheMemberHoldsWithWhatWaited() {
      LeaderStateMachine<String> leader = serving(1);
      Entry<String> a = ours(1, "a");
      Entry<String> b = ours(2, "b");
      leader.step(write(1, "a"));
      leader.step(write(2, "b"));
      leader.step(ack(0, 1));
      leader.step(ack(1, 1));
      leader.step(ack(0, 2));
      leader.step(ack(1, 2));
      assertEquals(Output.empty(), leader.step(tick(START + 499)));
      assertEquals(expect().send(2, append(0, 0, a, b)).build(), leader.step(tick(START + 500)));
      assertEquals(
          expect().reply(1, new Committed(1)).reply(2, new Committed(2)).build(),
          leader.step(ack(2, 2)));
    }

    @Test
    void aGapAnswerFreesTheSlotsAndSendingResumesAfterTheMembersLastIndex() {
      LeaderStateMachine<String> leader = serving(1);
      leader.step(write(1, "a"));
      leader.step(write(2, "b"));
      assertEquals(
          expect().send(2, append(0, 0, ours(1, "a"), ours(2, "b"))).build(),
          leader.step(new AppendRejected<>(2, 2, GAP, 2, 0, 0)));
    }

    @Test
    void aJoinerStillGetsOnlyWhatEveryOtherMemberHolds() {
      Set<Integer> founders = Set.of(0, 1);
      LeaderStateMachine<String> leader =
          new LeaderStateMachine<>(0, 2, founders, RULE, new LeaderConfig(10_000, 500, 2, 3, 1));
      leader.start(START);
      leader.step(granted(0, 0, 0, founders));
      leader.step(granted(1, 0, 0, founders));
      Entry<String> addition = ours(1, "add:2");
      Entry<String> v = ours(2, "v");
      leader.step(write(9, "add:2"));
      assertEquals(Output.empty(), leader.step(write(10, "v")));
      assertEquals(expect().send(0, append(1, 2, v)).build(), leader.step(ack(0, 1)));
      // the joiner gets entries once every other member holds its addition, then all it lacks
      assertEquals(
          expect().send(1, append(1, 2, v)).send(2, append(0, 0, addition, v)).build(),
          leader.step(ack(1, 1)));
      assertEquals(Output.empty(), leader.step(ack(0, 2)));
      assertEquals(
          expect()
              .send(0, appendCommitted(1, 2, 2))
              .send(1, appendCommitted(1, 1, 2))
              .send(2, appendCommitted(1, 2, 2))
              .reply(9, new Committed(1))
              .build(),
          leader.step(ack(2, 2)));
      assertEquals(expect().reply(10, new Committed(2)).build(), leader.step(ack(1, 2)));
    }
  }

  @Nested
  class SteppedDownLeader {

    @Test
    void refusesWritesAndIgnoresEverythingElse() {
      LeaderStateMachine<String> leader = serving();
      leader.step(new PromiseRejected<>(1, 2, 5));
      assertEquals(expect().reply(8, new NoLeader(0)).build(), leader.step(write(8, "x")));
      assertEquals(Output.empty(), leader.step(tick(START + 60_000)));
      assertEquals(Output.empty(), leader.step(ack(1, 1)));
      assertEquals(Output.empty(), leader.step(new MemberReachable<>(1)));
      assertEquals(Output.empty(), leader.step(new MembershipChanged<>(Set.of(2))));
      assertEquals(Output.empty(), leader.step(new PromiseRejected<>(1, 2, 9)));
      assertEquals(LeaderRole.STEPPED_DOWN, leader.role());
    }
  }
}
