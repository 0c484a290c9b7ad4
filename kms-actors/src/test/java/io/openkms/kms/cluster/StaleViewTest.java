package io.openkms.kms.cluster;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * The rule by which a node restarts a clustered system whose view is stale
 * ({@link ClusterRuntime#excludesThisNode}): a node paused or cut off while the others downed it.
 */
class StaleViewTest {

  private static final String A = "127.0.0.1:7373";
  private static final String B = "127.0.0.2:7373";
  private static final String C = "127.0.0.3:7373";

  private static ProbeResult answer(String host, String clusterId, boolean inCluster,
      Set<String> upHosts) {
    return new ProbeResult(host, clusterId, 0, 7, false, false, inCluster,
        "pekko://minkms-cluster@" + host, Map.of(0, A, 1, B, 2, C), upHosts, "00", "p");
  }

  @Test
  void resumedNodeThatReachesNobodyRestartsWhenTheOthersRunWithoutIt() {
    PekkoMembers.Reachability view = new PekkoMembers.Reachability(3, 1, List.of(A, B));
    assertTrue(ClusterRuntime.excludesThisNode(answer(A, "c1", true, Set.of(A, B)), "c1", C,
        view));
  }

  @Test
  void resumedNodeThatStillReachesOneMemberRestartsWhenAMajorityRunsWithoutIt() {
    // C reaches B (stale association) but not A; A's side {A, B} is a majority of 3
    PekkoMembers.Reachability view = new PekkoMembers.Reachability(3, 2, List.of(A));
    assertTrue(ClusterRuntime.excludesThisNode(answer(A, "c1", true, Set.of(A, B)), "c1", C,
        view));
  }

  @Test
  void majorityDoesNotRestartBecauseACutOffMinorityRunsAlone() {
    // A reaches B; C answers that it is alone: C's side is no majority, A's is
    PekkoMembers.Reachability view = new PekkoMembers.Reachability(3, 2, List.of(C));
    assertFalse(ClusterRuntime.excludesThisNode(answer(C, "c1", true, Set.of(C)), "c1", A,
        view));
  }

  @Test
  void twoNodeClusterTheDownedNodeRestarts() {
    PekkoMembers.Reachability view = new PekkoMembers.Reachability(2, 1, List.of(A));
    assertTrue(ClusterRuntime.excludesThisNode(answer(A, "c1", true, Set.of(A)), "c1", B,
        view));
  }

  @Test
  void aMemberThatStillCountsThisNodeInChangesNothing() {
    PekkoMembers.Reachability view = new PekkoMembers.Reachability(3, 1, List.of(A, B));
    assertFalse(ClusterRuntime.excludesThisNode(answer(A, "c1", true, Set.of(A, B, C)), "c1", C,
        view));
  }

  @Test
  void aMemberOutOfClusterOrOfAnotherClusterOrOfAnOlderVersionChangesNothing() {
    PekkoMembers.Reachability view = new PekkoMembers.Reachability(3, 1, List.of(A, B));
    assertFalse(ClusterRuntime.excludesThisNode(answer(A, "c1", false, Set.of()), "c1", C, view));
    assertFalse(ClusterRuntime.excludesThisNode(answer(A, "c2", true, Set.of(A, B)), "c1", C,
        view));
    assertFalse(ClusterRuntime.excludesThisNode(answer(A, "c1", true, null), "c1", C, view));
  }
}
