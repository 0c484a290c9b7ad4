package io.openkms.kms.lifecycle;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.openkms.kms.lifecycle.ClusterWatch.Abandon;
import io.openkms.kms.lifecycle.ClusterWatch.AbandonIfStuck;
import io.openkms.kms.lifecycle.ClusterWatch.Action;
import io.openkms.kms.lifecycle.ClusterWatch.Check;
import io.openkms.kms.lifecycle.ClusterWatch.Definition;
import io.openkms.kms.lifecycle.ClusterWatch.Form;
import io.openkms.kms.lifecycle.ClusterWatch.JoinSeeds;
import io.openkms.kms.lifecycle.ClusterWatch.Leave;
import io.openkms.kms.lifecycle.ClusterWatch.MarkRemoved;
import io.openkms.kms.lifecycle.ClusterWatch.Peer;
import io.openkms.kms.lifecycle.ClusterWatch.ProbeMembers;
import io.openkms.kms.lifecycle.ClusterWatch.ProbeUnreachable;
import io.openkms.kms.lifecycle.ClusterWatch.Restart;
import io.openkms.kms.lifecycle.ClusterWatch.Start;
import io.openkms.kms.lifecycle.ClusterWatch.View;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;

/**
 * {@link ClusterWatch}: every rule by which a node's supervisor starts, joins, restarts and
 * abandons its clustered system, each timeout at its boundary, with a fake clock.
 */
class ClusterWatchTest {

  static final String A = "127.0.0.1:7373";
  static final String B = "127.0.0.2:7373";
  static final String C = "127.0.0.3:7373";
  static final String CLUSTER = "c1";
  static final long DELAY = 2_000;

  // the default timeouts (LifecycleTimeouts.DEFAULTS), spelled out
  static final long CHECK_MILLIS = 1_000;
  static final long JOIN_TIMEOUT_MILLIS = 30_000;
  static final long TERMINATE_TIMEOUT_MILLIS = 8_000;
  static final long UNREACHABLE_MILLIS = 15_000;
  static final long UNREACHABLE_PROBE_MILLIS = 5_000;
  static final long T0 = 1_700_000_000_000L;

  /** Node 2 (host C) of a three-node cluster {0: A, 1: B, 2: C}. */
  static final Definition THREE = new Definition(2, CLUSTER, Map.of(0, A, 1, B, 2, C), false);

  static final Definition ALONE = new Definition(0, CLUSTER, Map.of(0, A), false);
  static final View ALL_REACHABLE = new View(3, 3, List.of());

  private final ClusterWatch watch = new ClusterWatch(C, LifecycleTimeouts.DEFAULTS);

  static Peer inCluster(String host) {
    return new Peer(
        host,
        CLUSTER,
        true,
        false,
        Set.of(0, 1, 2),
        "pekko://minkms-cluster@" + host,
        Set.of(A, B, C));
  }

  static Peer outOfCluster(String host) {
    return new Peer(
        host, CLUSTER, false, false, Set.of(0, 1, 2), "pekko://minkms-cluster@" + host, Set.of());
  }

  static Peer upWith(String host, String... upHosts) {
    return new Peer(
        host,
        CLUSTER,
        true,
        false,
        Set.of(0, 1, 2),
        "pekko://minkms-cluster@" + host,
        new TreeSet<>(Arrays.asList(upHosts)));
  }

  private int start(long now) {
    int gen = watch.nextGeneration();
    assertEquals(List.of(new Check(gen, 0)), watch.started(gen, now));
    return gen;
  }

  private List<Action> notUp(int gen, long now, Definition d) {
    return watch.check(gen, now, "Joining", false, null, d);
  }

  private List<Action> up(int gen, long now, View view) {
    return watch.check(gen, now, "Up", true, view, THREE);
  }

  /** Starts node 2 of THREE and runs its first probe round; returns the round. */
  private ProbeMembers probeRound(int gen, long now) {
    List<Action> out = notUp(gen, now, THREE);
    assertEquals(2, out.size(), out.toString());
    assertEquals(new Check(gen, CHECK_MILLIS), out.get(1));
    return (ProbeMembers) out.get(0);
  }

  /** Starts {@code lowest} as node 0 (host A) of {0: A, 1: B, 2: C}; returns its first round. */
  private static ProbeMembers firstRoundOfNode0(ClusterWatch lowest) {
    int gen = lowest.nextGeneration();
    lowest.started(gen, T0);
    Definition first = new Definition(0, CLUSTER, Map.of(0, A, 1, B, 2, C), false);
    return (ProbeMembers) lowest.check(gen, T0, "Joining", false, null, first).get(0);
  }

  // ---------------------------------------------------------------- start

  @Test
  void everyStartIsANewGenerationCheckedAtOnce() {
    int first = start(T0);
    int second = start(T0);
    assertEquals(first + 1, second);
    assertTrue(watch.latest(second));
    assertFalse(watch.latest(first));
  }

  @Test
  void seedsGivenByALeaderAreJoinedByTheNextSystemOnly() {
    assertEquals(0, watch.joinAs(List.of("pekko://minkms-cluster@" + A), false), "start now");
    int gen = watch.nextGeneration();
    assertEquals(
        List.of(new JoinSeeds(List.of("pekko://minkms-cluster@" + A)), new Check(gen, 0)),
        watch.started(gen, T0));
    // the join is under way: no probe round; the join timeout runs from the start
    assertEquals(
        List.of(new Check(gen, CHECK_MILLIS)), notUp(gen, T0 + JOIN_TIMEOUT_MILLIS, THREE));
    assertEquals(
        List.of(
            new Restart("not up 30000 ms after joining"),
            new AbandonIfStuck(TERMINATE_TIMEOUT_MILLIS)),
        notUp(gen, T0 + JOIN_TIMEOUT_MILLIS + 1, THREE));
    start(T0); // the seeds were used once
  }

  @Test
  void joinAsWhileASystemRunsStartsTheNextOneOnlyAfterThatSystemTerminates() {
    int old = start(T0);
    int next = watch.joinAs(List.of("s"), true);
    assertTrue(watch.latest(next));
    assertFalse(watch.latest(old));
    assertEquals(List.of(), watch.terminated(old), "the old system's end starts nothing by itself");
  }

  // ---------------------------------------------------------------- join

  @Test
  void aNodeAloneInItsDefinitionFormsASingleNodeClusterAtOnce() {
    int gen = start(T0);
    assertEquals(
        List.of(new Form("forming a single-node cluster"), new Check(gen, CHECK_MILLIS)),
        notUp(gen, T0, ALONE));
  }

  @Test
  void aJoinThatIsNotUpWithinTheTimeoutRestartsTheSystem() {
    int gen = start(T0);
    notUp(gen, T0, ALONE);
    assertEquals(
        List.of(new Check(gen, CHECK_MILLIS)),
        notUp(gen, T0 + JOIN_TIMEOUT_MILLIS, ALONE),
        "exactly the timeout: still waiting");
    assertEquals(
        List.of(
            new Restart("not up 30000 ms after joining"),
            new AbandonIfStuck(TERMINATE_TIMEOUT_MILLIS)),
        notUp(gen, T0 + JOIN_TIMEOUT_MILLIS + 1, ALONE));
  }

  @Test
  void aNodeWithOtherMembersProbesThemAllOnceInIdOrder() {
    int gen = start(T0);
    ProbeMembers round = probeRound(gen, T0);
    assertEquals(new ProbeMembers(gen, 2, CLUSTER, Map.of(0, A, 1, B)), round);
    assertEquals(List.of(A, B), List.copyOf(round.others().values()));
    assertEquals(
        List.of(new Check(gen, CHECK_MILLIS)),
        notUp(gen, T0 + 500, THREE),
        "no second round while the first runs");
  }

  @Test
  void probesThatNeverAnswerCountAsAJoinAttemptAndTimeOut() {
    int gen = start(T0);
    probeRound(gen, T0);
    assertEquals(
        List.of(new Check(gen, CHECK_MILLIS)), notUp(gen, T0 + JOIN_TIMEOUT_MILLIS, THREE));
    assertEquals(Restart.class, notUp(gen, T0 + JOIN_TIMEOUT_MILLIS + 1, THREE).get(0).getClass());
  }

  @Test
  void membersInTheClusterAreJoinedAndTheJoinTimeoutRunsFromThen() {
    int gen = start(T0);
    ProbeMembers round = probeRound(gen, T0);
    long t = T0 + 3_000;
    assertEquals(
        List.of(
            new JoinSeeds(List.of("pekko://minkms-cluster@" + A, "pekko://minkms-cluster@" + B))),
        watch.probed(round, true, false, t, List.of(inCluster(A), inCluster(B))));
    assertEquals(List.of(new Check(gen, CHECK_MILLIS)), notUp(gen, t + JOIN_TIMEOUT_MILLIS, THREE));
    assertEquals(
        new Restart("not up 30000 ms after joining"),
        notUp(gen, t + JOIN_TIMEOUT_MILLIS + 1, THREE).get(0));
  }

  @Test
  void onlyMembersInTheClusterAreSeeds() {
    int gen = start(T0);
    ProbeMembers round = probeRound(gen, T0);
    Peer removed = new Peer(A, CLUSTER, true, true, Set.of(0, 1, 2), "pekko://x@" + A, Set.of(A));
    assertEquals(
        List.of(new JoinSeeds(List.of("pekko://minkms-cluster@" + B))),
        watch.probed(round, true, false, T0, List.of(removed, inCluster(B))));
  }

  @Test
  void aMemberInTheClusterThatNoLongerListsThisNodeMarksItRemoved() {
    int gen = start(T0);
    ProbeMembers round = probeRound(gen, T0);
    Peer without =
        new Peer("named-a", CLUSTER, true, false, Set.of(0, 1), "pekko://x@" + A, Set.of(A, B));
    assertEquals(
        List.of(new MarkRemoved("named-a")),
        watch.probed(round, true, false, T0, List.of(without, inCluster(B))));
  }

  @Test
  void whenEveryMemberAnswersAndNoneIsInAClusterTheLowestIdFormsIt() {
    ClusterWatch lowest = new ClusterWatch(A, LifecycleTimeouts.DEFAULTS);
    ProbeMembers round = firstRoundOfNode0(lowest);
    assertEquals(
        List.of(
            new Form("every member answered and none is in a cluster: forming it as" + " node 0")),
        lowest.probed(round, true, false, T0, List.of(outOfCluster(B), outOfCluster(C))));
  }

  @Test
  void anyOtherNodeWaitsWhenNoneIsInACluster() {
    int gen = start(T0);
    ProbeMembers round = probeRound(gen, T0);
    assertEquals(
        List.of(),
        watch.probed(round, true, false, T0, List.of(outOfCluster(A), outOfCluster(B))),
        "node 2 is not the lowest");
    // and probes again at the next check: the round ended
    assertEquals(ProbeMembers.class, notUp(gen, T0 + CHECK_MILLIS, THREE).get(0).getClass());
  }

  @Test
  void theLowestWaitsWhileAMemberDoesNotAnswerOrAnswersForAnotherCluster() {
    ClusterWatch lowest = new ClusterWatch(A, LifecycleTimeouts.DEFAULTS);
    ProbeMembers round = firstRoundOfNode0(lowest);
    assertEquals(
        List.of(), lowest.probed(round, true, false, T0, Arrays.asList(outOfCluster(B), null)));
    Peer other = new Peer(C, "c2", true, false, Set.of(0), "pekko://x@" + C, Set.of(C));
    assertEquals(List.of(), lowest.probed(round, true, false, T0, List.of(outOfCluster(B), other)));
  }

  @Test
  void answersForAnOldSystemOrANodeAlreadyUpOrLeavingChangeNothingButEndTheRound() {
    int gen = start(T0);
    List<Peer> answers = List.of(inCluster(A), inCluster(B));
    assertEquals(List.of(), watch.probed(probeRound(gen, T0), false, false, T0, answers));
    assertEquals(List.of(), watch.probed(probeRound(gen, T0), true, true, T0, answers));
    ProbeMembers round = probeRound(gen, T0);
    watch.removed();
    assertEquals(List.of(), watch.probed(round, true, false, T0, answers));
  }

  // ---------------------------------------------------------------- up, then downed

  @Test
  void aNodeThatWasUpAndIsDownedIsAbandonedIfStuckThenRestartedAfterTheTimeout() {
    int gen = start(T0);
    assertEquals(List.of(new Check(gen, CHECK_MILLIS)), up(gen, T0, ALL_REACHABLE));
    long t = T0 + 10_000;
    assertEquals(
        List.of(new AbandonIfStuck(TERMINATE_TIMEOUT_MILLIS), new Check(gen, CHECK_MILLIS)),
        watch.check(gen, t, "Down", false, null, THREE));
    assertEquals(
        List.of(new Check(gen, CHECK_MILLIS)),
        watch.check(gen, t + JOIN_TIMEOUT_MILLIS, "Down", false, null, THREE));
    assertEquals(
        List.of(new Restart("this node is Down"), new AbandonIfStuck(TERMINATE_TIMEOUT_MILLIS)),
        watch.check(gen, t + JOIN_TIMEOUT_MILLIS + 1, "Down", false, null, THREE));
  }

  @Test
  void beingUpAgainResetsTheDownedTimer() {
    int gen = start(T0);
    up(gen, T0, ALL_REACHABLE);
    watch.check(gen, T0 + 1_000, "Leaving", false, null, THREE);
    up(gen, T0 + 2_000, ALL_REACHABLE);
    assertEquals(
        AbandonIfStuck.class,
        watch.check(gen, T0 + 30_000, "Leaving", false, null, THREE).get(0).getClass(),
        "a new not-Up period starts");
  }

  @Test
  void aNodeThatWasUpNeverProbesToJoinAgain() {
    int gen = start(T0);
    up(gen, T0, ALL_REACHABLE);
    for (long t = T0; t <= T0 + JOIN_TIMEOUT_MILLIS; t += CHECK_MILLIS) {
      for (Action a : watch.check(gen, t, "Down", false, null, THREE)) {
        assertFalse(a instanceof ProbeMembers || a instanceof Form, a.toString());
      }
    }
  }

  // ---------------------------------------------------------------- stale view

  @Test
  void unreachableMembersAreProbedAfterTheirTimeThenAtIntervals() {
    int gen = start(T0);
    View view = new View(3, 1, List.of(A, B));
    ProbeUnreachable probe = new ProbeUnreachable(gen, List.of(A, B), view, CLUSTER);
    assertEquals(List.of(new Check(gen, CHECK_MILLIS)), up(gen, T0, view));
    assertEquals(List.of(new Check(gen, CHECK_MILLIS)), up(gen, T0 + UNREACHABLE_MILLIS - 1, view));
    assertEquals(
        List.of(probe, new Check(gen, CHECK_MILLIS)), up(gen, T0 + UNREACHABLE_MILLIS, view));
    long next = T0 + UNREACHABLE_MILLIS + UNREACHABLE_PROBE_MILLIS;
    assertEquals(List.of(new Check(gen, CHECK_MILLIS)), up(gen, next - 1, view));
    assertEquals(List.of(probe, new Check(gen, CHECK_MILLIS)), up(gen, next, view));
  }

  /** The delays and bounds come from the watch's {@link LifecycleTimeouts}. */
  @Test
  void theTimeoutsGivenAreTheOnesUsed() {
    LifecycleTimeouts t =
        new LifecycleTimeouts(1, 1, 1, 1, 4_000, 6_000, 500, 3_000, 1, 1_000, 700, 1, 1, 1, 1, 1);
    ClusterWatch quick = new ClusterWatch(C, t);
    int gen = quick.nextGeneration();
    quick.started(gen, T0);
    View view = new View(3, 1, List.of(A, B));
    ProbeUnreachable probe = new ProbeUnreachable(gen, List.of(A, B), view, CLUSTER);
    assertEquals(List.of(new Check(gen, 500)), quick.check(gen, T0, "Up", true, view, THREE));
    assertEquals(
        List.of(new Check(gen, 500)), quick.check(gen, T0 + 2_999, "Up", true, view, THREE));
    assertEquals(
        List.of(probe, new Check(gen, 500)), quick.check(gen, T0 + 3_000, "Up", true, view, THREE));
    assertEquals(
        List.of(probe, new Check(gen, 500)), quick.check(gen, T0 + 4_000, "Up", true, view, THREE));
    assertEquals(
        List.of(new AbandonIfStuck(6_000), new Check(gen, 500)),
        quick.check(gen, T0 + 5_000, "Down", false, null, THREE));
    assertEquals(
        List.of(new Restart("this node is Down"), new AbandonIfStuck(6_000)),
        quick.check(gen, T0 + 9_001, "Down", false, null, THREE));
    assertEquals(List.of(new Start(700)), quick.terminated(gen));
  }

  @Test
  void membersReachableAgainRestartTheUnreachableTime() {
    int gen = start(T0);
    View view = new View(3, 2, List.of(A));
    up(gen, T0, view);
    up(gen, T0 + 10_000, ALL_REACHABLE);
    assertEquals(List.of(new Check(gen, CHECK_MILLIS)), up(gen, T0 + 11_000, view));
    assertEquals(
        List.of(new Check(gen, CHECK_MILLIS)), up(gen, T0 + 11_000 + UNREACHABLE_MILLIS - 1, view));
    assertEquals(
        ProbeUnreachable.class, up(gen, T0 + 11_000 + UNREACHABLE_MILLIS, view).get(0).getClass());
  }

  @Test
  void aMemberRunningTheClusterWithoutThisNodeRestartsIt() {
    int gen = start(T0);
    ProbeUnreachable round =
        new ProbeUnreachable(gen, List.of(A, B), new View(3, 1, List.of(A, B)), CLUSTER);
    assertEquals(
        List.of(
            new Restart(
                A
                    + " runs the cluster with ["
                    + A
                    + ", "
                    + B
                    + "], without this node, which cannot reach it"),
            new AbandonIfStuck(TERMINATE_TIMEOUT_MILLIS)),
        watch.staleViewAnswer(round, A, true, upWith(A, A, B)));
    assertEquals(
        List.of(),
        watch.staleViewAnswer(round, A, false, upWith(A, A, B)),
        "not for a system that is gone");
    assertEquals(List.of(), watch.staleViewAnswer(round, A, true, upWith(A, A, B, C)));
  }

  @Test
  void resumedNodeThatReachesNobodyRestartsWhenTheOthersRunWithoutIt() {
    View view = new View(3, 1, List.of(A, B));
    assertTrue(ClusterWatch.excludesThisNode(upWith(A, A, B), CLUSTER, C, view));
  }

  @Test
  void resumedNodeThatStillReachesOneMemberRestartsWhenAMajorityRunsWithoutIt() {
    // C reaches B (stale association) but not A; A's side {A, B} is a majority of 3
    View view = new View(3, 2, List.of(A));
    assertTrue(ClusterWatch.excludesThisNode(upWith(A, A, B), CLUSTER, C, view));
  }

  @Test
  void majorityDoesNotRestartBecauseACutOffMinorityRunsAlone() {
    View view = new View(3, 2, List.of(C));
    assertFalse(ClusterWatch.excludesThisNode(upWith(C, C), CLUSTER, A, view));
  }

  @Test
  void twoNodeClusterTheDownedNodeRestarts() {
    View view = new View(2, 1, List.of(A));
    assertTrue(ClusterWatch.excludesThisNode(upWith(A, A), CLUSTER, B, view));
  }

  @Test
  void aMemberOutOfClusterOrOfAnotherClusterOrOfAnOlderVersionChangesNothing() {
    View view = new View(3, 1, List.of(A, B));
    assertFalse(ClusterWatch.excludesThisNode(outOfCluster(A), CLUSTER, C, view));
    assertFalse(ClusterWatch.excludesThisNode(upWith(A, A, B), "c2", C, view));
    Peer older = new Peer(A, CLUSTER, true, false, Set.of(0, 1, 2), "p", null);
    assertFalse(ClusterWatch.excludesThisNode(older, CLUSTER, C, view));
  }

  // ---------------------------------------------------------------- termination

  @Test
  void aSystemThatStopsByItselfIsStartedAgainAfterTheDelay() {
    int gen = start(T0);
    assertEquals(List.of(new Start(DELAY)), watch.terminated(gen));
    int next = start(T0);
    assertEquals(List.of(), watch.terminated(gen), "an older system's end");
    watch.stop();
    assertEquals(List.of(), watch.terminated(next), "the node stops");
  }

  @Test
  void aSystemThatDoesNotTerminateInTimeIsAbandonedOnce() {
    int gen = start(T0);
    assertEquals(List.of(), watch.terminationOverdue(true, true), "it terminated");
    assertEquals(List.of(), watch.terminationOverdue(false, false), "it is no longer current");
    assertEquals(List.of(new Abandon()), watch.terminationOverdue(false, true));
    assertFalse(watch.latest(gen), "its late termination starts nothing");
    assertEquals(List.of(), watch.terminated(gen));
  }

  // ---------------------------------------------------------------- removal, stop

  @Test
  void aRemovedNodeLeavesOnceAndIsNoLongerWatched() {
    int gen = start(T0);
    assertEquals(List.of(new Leave()), watch.removed());
    assertEquals(List.of(), watch.removed());
    assertTrue(watch.left());
    assertEquals(List.of(), notUp(gen, T0, THREE));
    assertEquals(List.of(), watch.terminated(gen));
    assertEquals(List.of(), watch.terminationOverdue(false, true));
    assertEquals(
        List.of(),
        watch.staleViewAnswer(
            new ProbeUnreachable(gen, List.of(A), new View(3, 1, List.of(A, B)), CLUSTER),
            A,
            true,
            upWith(A, A, B)));
  }

  @Test
  void aNodeThatAppliedItsRemovalLeavesInsteadOfJoining() {
    int gen = start(T0);
    Definition removed = new Definition(2, CLUSTER, new TreeMap<>(Map.of(0, A, 1, B)), true);
    assertEquals(List.of(new Leave(), new Check(gen, CHECK_MILLIS)), notUp(gen, T0, removed));
    assertEquals(List.of(), notUp(gen, T0 + CHECK_MILLIS, removed));
  }

  /**
   * Issue 12: node 2 restarted with its own removal in doubt. Its definition (it applied the
   * removal) lists only {0: A, 1: B}, and so do the members; it joins them all the same (a leader
   * needs its promise and tells it the commit), and it never forms a cluster of its own.
   */
  @Test
  void aNodeWhoseRemovalIsInDoubtJoinsTheMembersThatNoLongerListIt() {
    int gen = start(T0);
    Definition inDoubt = new Definition(2, CLUSTER, new TreeMap<>(Map.of(0, A, 1, B)), false, true);
    List<Action> out = notUp(gen, T0, inDoubt);
    ProbeMembers round = new ProbeMembers(gen, 2, CLUSTER, Map.of(0, A, 1, B), true);
    assertEquals(List.of(round, new Check(gen, CHECK_MILLIS)), out);
    Peer withoutIt =
        new Peer(
            A, CLUSTER, true, false, Set.of(0, 1), "pekko://minkms-cluster@" + A, Set.of(A, B));
    assertEquals(
        List.of(new JoinSeeds(List.of("pekko://minkms-cluster@" + A))),
        watch.probed(round, true, false, T0, List.of(withoutIt, outOfCluster(B))));
    // a member that does not list it is no proof of a final removal: no MarkRemoved
    assertFalse(
        watch.probed(round, true, false, T0, List.of(withoutIt, withoutIt)).stream()
            .anyMatch(a -> a instanceof MarkRemoved));
  }

  @Test
  void aNodeWhoseRemovalIsInDoubtNeverFormsACluster() {
    ClusterWatch lowest = new ClusterWatch(A, LifecycleTimeouts.DEFAULTS);
    int gen = lowest.nextGeneration();
    lowest.started(gen, T0);
    Definition inDoubt = new Definition(0, CLUSTER, new TreeMap<>(Map.of(1, B, 2, C)), false, true);
    ProbeMembers round =
        (ProbeMembers) lowest.check(gen, T0, "Joining", false, null, inDoubt).get(0);
    assertTrue(round.inDoubt());
    assertEquals(
        List.of(),
        lowest.probed(round, true, false, T0, List.of(outOfCluster(B), outOfCluster(C))),
        "node 0 has the lowest id and every member answered, but it is no member");
    // alone in its definition (nothing to join), it waits: no single-node cluster
    Definition nobody = new Definition(0, CLUSTER, new TreeMap<>(Map.of()), false, true);
    assertEquals(
        List.of(new Check(gen, CHECK_MILLIS)),
        lowest.check(gen, T0 + CHECK_MILLIS, "Joining", false, null, nobody));
  }

  @Test
  void aStoppingNodeStartsAndChecksNothing() {
    int gen = start(T0);
    watch.stop();
    assertEquals(-1, watch.nextGeneration());
    assertEquals(List.of(), notUp(gen, T0, ALONE));
    assertEquals(List.of(), watch.terminationOverdue(false, true));
  }

  @Test
  void theOldSystemOfAJoinIsAbandonedWhenItsTerminationHangs() {
    ClusterWatch w = new ClusterWatch(C, LifecycleTimeouts.DEFAULTS);
    int gen = w.joinAs(List.of(A), true);
    assertEquals(
        List.of(new ClusterWatch.AbandonIfStuck(TERMINATE_TIMEOUT_MILLIS)), w.joinTerminating());
    assertEquals(List.of(new ClusterWatch.Abandon()), w.terminationOverdue(false, true));
    assertFalse(w.latest(gen), "its late termination starts no second system");
    assertEquals(List.of(), w.terminationOverdue(true, true));
  }
}
