package io.openkms.kms.replication;

import static io.openkms.kms.replication.SimFaults.CALM;
import static io.openkms.kms.replication.SimFaults.HOSTILE;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/**
 * Every seed that failed during development, kept as a plain test (docs/ARCHITECTURE.md §6
 * "Replication": "a failing seed becomes a plain test"). Each runs the seeded walk with the
 * parameters it failed with, then {@link SimulatedCluster#quiesce()}; the {@link Oracle} checks the
 * invariants of docs/ARCHITECTURE.md §3 after every step. The Javadoc of each says what it found
 * and where the fix is. The walk has grown since (additions, more faults), so a seed now explores a
 * different history; what it pins is that the seed stays green.
 */
class SimulationRegressionTest {

  static void runsClean(long seed, SimFaults faults, int steps) {
    SimulatedCluster cluster = SimulatedClusterTest.runSeed(seed, faults, steps);
    assertTrue(cluster.stats().get("leadersStarted") >= 1, cluster.stats().toString());
  }

  /**
   * Invariant 1 (harness): a node removed with {@code edit --rm} held an in-doubt entry that the
   * surviving members replaced; its discarded state no longer counts ({@link Oracle}, rebuild).
   */
  @Test
  void seed156ForcedRemovalDiscardsTheRemovedNodesInDoubtEntries() {
    runsClean(156, HOSTILE, 300);
  }

  /**
   * Quiesce (harness): a term still on the wire fenced the final leader; the singleton restarts
   * with a higher term, as the actors will.
   */
  @Test
  void seed219ALeaderFencedByATermStillInFlightIsRestartedHigher() {
    runsClean(219, HOSTILE, 300);
  }

  /**
   * Invariant 3: while taking over, a forced removal lowered the log end below entries already
   * sent; a new write reused index 9 and was acknowledged although a replica held another entry
   * there. Fixed: the takeover end never drops below {@code sentMax}; acknowledgements cover only
   * what an append carried; replicas check the terms they know ({@code CONFLICT}).
   */
  @Test
  void seed218TheTakeoverNeverEndsBelowWhatItAlreadySent() {
    runsClean(218, CALM, 1_000);
  }

  /**
   * A late {@code EntriesFetched} from a node removed out of band contradicted entries assigned
   * since, and the leader stepped down for a "conflict". Fixed: answers of excluded nodes are
   * ignored.
   */
  @Test
  void seed592EntriesFromANodeRemovedOutOfBandAreIgnored() {
    runsClean(592, CALM, 1_000);
  }

  /**
   * Invariant 3 (harness): {@code edit --rm} removed the only member holding the acknowledged
   * writes; the walk now removes a node only while another member holds them all.
   */
  @Test
  void seed7ForcedRemovalKeepsAMemberHoldingEveryAcknowledgedWrite() {
    runsClean(7, HOSTILE, 1_000);
  }

  /**
   * Liveness: a new leader did not know of an earlier {@code edit --rm} and waited forever for the
   * removed node, found again through an in-doubt addition. Fixed: evictions are durable ({@link
   * HardState#evictedIds()}) and every promise reports them.
   */
  @Test
  void seed13EvictionsAreDurableAndReportedInPromises() {
    runsClean(13, HOSTILE, 1_000);
  }

  /**
   * Liveness: the leader's node had a stale view in which the only member had been removed. Fixed:
   * when only removed replicas answer, the members they name must promise.
   */
  @Test
  void seed33OnlyRemovedReplicasAnsweredSoTheMembersTheyNameAreAsked() {
    runsClean(33, HOSTILE, 1_000);
  }

  /**
   * Invariant 1: a joiner applied entries (its own in-doubt addition included) that no member held;
   * a later leader reused the indexes. Fixed: a joiner gets only entries every other member of its
   * addition's ack set holds ({@code PeerReplication.sendLimit}).
   */
  @Test
  void seed39AJoinerGetsOnlyWhatEveryOtherMemberHolds() {
    runsClean(39, HOSTILE, 1_000);
  }

  /**
   * Liveness: the joiner's limit waited for a member removed out of band. Fixed: excluded ids are
   * in no ack set.
   */
  @Test
  void seed38AJoinerDoesNotWaitForAnEvictedMember() {
    runsClean(38, HOSTILE, 1_000);
  }

  /**
   * Liveness (harness): the final leader ran on a lagging joiner whose view led to no live member;
   * the singleton must run on an up-to-date member.
   */
  @Test
  void seed3144TheLeaderRunsOnAnUpToDateMember() {
    runsClean(3_144, HOSTILE, 1_000);
  }

  /**
   * Invariant 1 (harness / operator rule): {@code edit --rm} while a membership change was in doubt
   * split the survivors' views for good; the walk removes out of band only with a settled
   * membership, as the minkms docs advise.
   */
  @Test
  void seed14113ForcedRemovalOnlyWithASettledMembership() {
    runsClean(14_113, HOSTILE, 300);
  }

  /**
   * Invariant 5: a member removed by an in-doubt entry never received it, because the next leader
   * ran on a node that already counted it out; it went on as a member. Fixed: appends carry the
   * leader's commit index, replicas report removals they applied but did not see committed ({@link
   * HardState#unconfirmedRemovals()}), and a new leader brings those members up to their removal.
   */
  @Test
  void seed17557ARemovedMemberAlwaysLearnsItsRemoval() {
    runsClean(17_557, HOSTILE, 300);
  }

  /**
   * Quiesce (harness): the only member holding the state removed itself through the log while the
   * addition of the only other member, a spare added without an install that had received nothing,
   * was in doubt; no node could lead again (the new leader's member set was empty). A real joiner
   * installs the leader's state before its addition is written; the walk now keeps a member that
   * holds the state when it removes one.
   */
  @Test
  void seed30016422ARemovalKeepsAMemberThatHoldsTheState() {
    runsClean(30_016_422, HOSTILE, 300);
  }

  /**
   * Invariant 1 (harness): a spare installed a leader node's state holding an entry that never
   * committed (that node was removed with {@code edit --rm} during the install and the addition was
   * never written); the ground truth took the spare's copy as applied, and the next leader's
   * different entry at that index looked like a divergence. The copy of a spare whose addition
   * reached no log is now checked only once it does.
   */
  @Test
  void seed30025239AnInstalledCopyCountsOnlyOnceItsAdditionReachedALog() {
    runsClean(30_025_239, HOSTILE, 300);
  }

  /**
   * Liveness (issue 12, "the cluster never wedges"): a node left the cluster as soon as it applied
   * its own removal, an in-doubt one ({@code rm} of the leader's own node while the other member
   * was down); the next leader needed its promise for ever. Fixed: a removed node leaves only on
   * {@link Event.RemovalCommitted}, learned from a leader's commit index ({@link
   * ReplicaStateMachine}).
   */
  @Test
  void seed19ARemovedNodeLeavesOnlyOnceItsRemovalIsCommitted() {
    runsClean(19, HOSTILE, 300);
  }

  /**
   * Liveness (issue 12): a joiner that had not applied its own addition replayed the log from the
   * start; its short log set the takeover's base below a removal, so the member removed there,
   * which had left for good, had to promise. Fixed: joiners do not set the base ({@link Takeover}).
   */
  @Test
  void seed133AJoinersShortLogDoesNotRequireADepartedMember() {
    runsClean(133, HOSTILE, 300);
  }

  /**
   * Liveness (issue 12): the removed node learned its removal committed and left while another
   * member, being removed itself, still listed that removal as unconfirmed and reported it to the
   * next leader. Fixed: the leader tells a removed member only once every witness of its removal
   * (members before, after and now, also those being removed) echoed the commit index ({@link
   * PeerReplication}).
   */
  @Test
  void seed1052ARemovedNodeLeavesOnlyOnceEveryWitnessConfirmedItsRemoval() {
    runsClean(1_052, HOSTILE, 300);
  }

  /** Liveness (issue 12): as seed 1052. */
  @Test
  void seed1094ARemovedNodeLeavesOnlyOnceEveryWitnessConfirmedItsRemoval() {
    runsClean(1_094, HOSTILE, 300);
  }

  /**
   * Liveness (issue 12): a spare added after a removal replayed the log from the start (the
   * takeover's appends carry commit index 0) and remembered that removal as unconfirmed; its
   * promise made the next leader wait for the removed node, which had left. Fixed: a joiner before
   * its own addition remembers no removal ({@link ReplicaStateMachine}).
   */
  @Test
  void seed6922AJoinerRemembersNoRemovalBeforeItsAddition() {
    runsClean(6_922, HOSTILE, 300);
  }

  /** Liveness (issue 12): as seed 6922, calm. */
  @Test
  void seed1001568AJoinerRemembersNoRemovalBeforeItsAddition() {
    runsClean(1_001_568, CALM, 300);
  }
}
