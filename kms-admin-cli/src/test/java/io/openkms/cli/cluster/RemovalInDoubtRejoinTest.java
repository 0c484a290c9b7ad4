package io.openkms.cli.cluster;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.openkms.cli.CliException;
import io.openkms.http.client.KmsClientException;
import io.openkms.http.proto.ListRequest;
import io.openkms.http.proto.RemoveClusterNodeRequest;
import io.openkms.http.proto.ServerStatusResponse;
import io.openkms.kms.replication.Event;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.apache.pekko.Done;
import org.apache.pekko.actor.CoordinatedShutdown;
import org.junit.jupiter.api.Test;

/**
 * Issue 12, a node stopped inside the in-doubt window of its own removal, three nodes in the test
 * JVM ({@link InJvmCluster}). node2 applies its removal ({@code minkms rm}) and acknowledges it,
 * then its replica is held (a listener on {@code Event.RemovedFromCluster} blocks it) until the
 * node has stopped: it never learns that the removal committed, and its store keeps the removal in
 * doubt. Restarted on that store it used to refuse to start ({@code server not part of cluster}),
 * its members no longer listed it, and only {@code edit --rm} on a later leader would free the
 * cluster from waiting for its promise. Now it starts as a replica that serves nothing (503), joins
 * the Pekko cluster, learns from the leader that its removal committed and leaves; restarted once
 * more, its removal is final and it refuses to start. No acknowledged write is lost and writes go
 * on without {@code edit --rm}.
 */
class RemovalInDoubtRejoinTest {

  @Test
  void aNodeStoppedWithItsRemovalInDoubtRejoinsLearnsTheCommitAndLeaves() throws Exception {
    try (InJvmCluster fixture = new InJvmCluster("in-doubt")) {
      Invariants invariants = new Invariants(fixture);
      InJvmCluster.Node n0 = fixture.node("node0", "127.0.0.1");
      InJvmCluster.Node n1 = fixture.node("node1", "127.0.0.2");
      InJvmCluster.Node n2 = fixture.node("node2", "127.0.0.3");
      List<InJvmCluster.Node> survivors = List.of(n0, n1);
      startCluster(fixture, invariants, List.of(n0, n1, n2));

      removeAndStopInDoubt(fixture, n0, n2);

      // the removal is in doubt on node2's store: it starts (it refused before), serving nothing
      // it joins the cluster, the leader tells it the removal committed, and it leaves
      startInDoubtAndAwaitLeaving(fixture, n2);

      // writes go on without edit --rm; nothing acknowledged is lost
      invariants.writeUntilAcknowledged(n0, survivors, Duration.ofSeconds(60));
      invariants.mustWrite(n1, survivors);
      assertEquals(Map.of(0, n0.host(), 1, n1.host()), fixture.probe(n0).members());
      invariants.check(survivors);

      // its removal is final now: restarted once more, it refuses to start, as before issue 12
      n2.stop();
      CliException notMember = assertThrows(CliException.class, n2::start);
      assertEquals("server not part of cluster", notMember.getMessage());
    }
  }

  /**
   * Issue 12, the leader changes before the in-doubt node returns: node2 applies its removal and is
   * stopped before it learns the commit (as above), then node0, whose leader knew node2's host,
   * stops, the leader moves to node1 and node0 comes back. The new leader on node1 knows no host
   * for the removed id 2 (the replicated membership keeps none). Restarted, node2 either is asked
   * by that leader (it names itself in its status, {@code RemovalCheck.inDoubtEndpoint}), or asks
   * its members and learns from them that its removal committed ({@code RemovalCheck.decide}); it
   * leaves without {@code edit --rm} on any node, writes through both survivors succeed and no
   * acknowledged write is lost. Before, node2 stayed up serving nothing for ever.
   */
  @Test
  void aNodeInDoubtLeavesAfterTheLeaderMovedToAnotherNode() throws Exception {
    try (InJvmCluster fixture = new InJvmCluster("in-doubt-new-leader")) {
      Invariants invariants = new Invariants(fixture);
      InJvmCluster.Node n0 = fixture.node("node0", "127.0.0.1");
      InJvmCluster.Node n1 = fixture.node("node1", "127.0.0.2");
      InJvmCluster.Node n2 = fixture.node("node2", "127.0.0.3");
      List<InJvmCluster.Node> survivors = List.of(n0, n1);
      startCluster(fixture, invariants, List.of(n0, n1, n2));

      removeAndStopInDoubt(fixture, n0, n2);

      // the leader moves: node0 (the oldest member, the singleton's node) stops and comes back
      n0.stop();
      n0.start();
      fixture.awaitWritable(n0);
      InJvmCluster.await(
          Duration.ofSeconds(60),
          "the leader to run on node1",
          () -> leaderSeenBy(fixture, n1, 1) == 1);
      invariants.writeUntilAcknowledged(n1, survivors, Duration.ofSeconds(60));

      // node2 returns, still in doubt: it serves nothing, then leaves without edit --rm
      startInDoubtAndAwaitLeaving(fixture, n2);

      invariants.writeUntilAcknowledged(n0, survivors, Duration.ofSeconds(60));
      invariants.mustWrite(n1, survivors);
      assertEquals(Map.of(0, n0.host(), 1, n1.host()), fixture.probe(n1).members());
      invariants.check(survivors);

      n2.stop();
      CliException notMember = assertThrows(CliException.class, n2::start);
      assertEquals("server not part of cluster", notMember.getMessage());
    }
  }

  /** The leader id node {@code n} (node {@code id}) reports, -1 if none or it does not answer. */
  private static long leaderSeenBy(InJvmCluster fixture, InJvmCluster.Node n, int id) {
    try {
      ServerStatusResponse self = fixture.client(n).clusterStatus().getNodesUpMap().get(id);
      return self == null ? -1 : self.getLeaderID();
    } catch (RuntimeException e) {
      return -1;
    }
  }

  /** Starts {@code nodes}, forms one cluster of them and writes through the first. */
  private static void startCluster(
      InJvmCluster fixture, Invariants invariants, List<InJvmCluster.Node> nodes) throws Exception {
    for (InJvmCluster.Node n : nodes) {
      n.start();
    }
    fixture.formCluster(
        nodes.get(0), nodes.subList(1, nodes.size()).toArray(new InJvmCluster.Node[0]));
    for (InJvmCluster.Node n : nodes) {
      fixture.awaitWritable(n);
    }
    invariants.mustWrite(nodes.get(0), nodes);
  }

  /**
   * Removes {@code node} through {@code via} and stops it with its removal in doubt: its replica is
   * held right after it applied (and acknowledged) its own removal until its local system is about
   * to terminate, so the leader's commit announcement is never processed.
   */
  private static void removeAndStopInDoubt(
      InJvmCluster fixture, InJvmCluster.Node via, InJvmCluster.Node node) throws Exception {
    CountDownLatch applied = new CountDownLatch(1);
    CountDownLatch stopping = new CountDownLatch(1);
    node.localNode()
        .onEvent(
            event -> {
              if (event instanceof Event.RemovedFromCluster) {
                applied.countDown();
                try {
                  if (stopping.await(60, TimeUnit.SECONDS)) {
                    Thread.sleep(3_000); // the system's termination stops the replica first
                  }
                } catch (InterruptedException e) {
                  Thread.currentThread().interrupt();
                }
              }
            });
    CoordinatedShutdown.get(node.localSystem())
        .addTask(
            CoordinatedShutdown.PhaseBeforeActorSystemTerminate(),
            "release-held-replica",
            () -> {
              stopping.countDown();
              return CompletableFuture.completedFuture(Done.getInstance());
            });
    fixture
        .client(via)
        .removeNode(RemoveClusterNodeRequest.newBuilder().setHost(node.host()).build());
    assertTrue(applied.await(30, TimeUnit.SECONDS), node + " applied its removal");
    assertTrue(fixture.probe(node).removed());
    node.stop();
  }

  /**
   * Starts {@code node}, whose removal is in doubt on its store: it serves nothing (503 {@code
   * server not part of cluster}), learns that its removal committed and leaves the cluster (60 s
   * each); its removal is then no longer in doubt.
   */
  private static void startInDoubtAndAwaitLeaving(InJvmCluster fixture, InJvmCluster.Node node)
      throws Exception {
    node.start();
    assertTrue(node.localNode().replicaState().removed());
    assertTrue(node.localNode().replicaState().removalInDoubt());
    KmsClientException refused =
        assertThrows(
            KmsClientException.class,
            () -> fixture.client(node).listEnclaves(ListRequest.newBuilder().build()));
    assertTrue(refused.is(503, "server not part of cluster"), refused.toString());
    InJvmCluster.await(
        Duration.ofSeconds(60),
        node + " to learn that its removal committed",
        () -> node.localNode().replicaState().mayLeave());
    InJvmCluster.await(
        Duration.ofSeconds(60),
        node + " to leave the cluster",
        () -> !fixture.probe(node).inCluster());
    assertFalse(node.localNode().replicaState().removalInDoubt());
  }
}
