package io.openkms.cli.cluster;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.openkms.cli.CliException;
import io.openkms.http.client.KmsClient;
import io.openkms.http.client.KmsClientException;
import io.openkms.http.proto.AddClusterNodeRequest;
import io.openkms.http.proto.ClusterStatusResponse;
import io.openkms.http.proto.CreateEnclaveRequest;
import io.openkms.http.proto.ListRequest;
import io.openkms.http.proto.RemoveClusterNodeRequest;
import io.openkms.kms.cluster.InternodeException;
import io.openkms.kms.cluster.ProbeResult;
import io.openkms.kms.crypto.ApiKey;
import io.openkms.persistence.Hsm;
import io.openkms.persistence.HsmKey;
import io.openkms.persistence.SoftHsm;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The refusals of issue 5 with three nodes in the test JVM ({@link InJvmCluster}): adding a node
 * that does not answer, a node started with another HSM key, a node that is not fresh, and starting
 * a member with another {@code --host} than it was added under. Each gives its exact message and
 * changes nothing on either side.
 */
class ClusterRefusalsTest {

  @Test
  void refusalsChangeNothing() throws Exception {
    try (InJvmCluster fixture = new InJvmCluster("refusals")) {
      InJvmCluster.Node leader = fixture.node("node0", "127.0.0.1");
      HsmKey otherKey = HsmKey.generate();
      InJvmCluster.Node stranger = fixture.node("stranger", "127.0.0.2", otherKey.toString());
      InJvmCluster.Node used = fixture.node("used", "127.0.0.3");
      for (InJvmCluster.Node n : List.of(leader, stranger, used)) {
        n.start();
      }
      KmsClient client = fixture.client(leader);
      ProbeResult before = fixture.probe(leader);
      assertEquals(1, before.commit());

      String nobody = "127.0.0.2:" + (fixture.port + 2);
      assertRefused(
          client, nobody, 503, "node " + nobody + " is not reachable: connection refused");

      assertRefused(
          client,
          stranger.host(),
          400,
          "node " + stranger.host() + " was started with a different HSM key");
      InternodeException forbidden =
          assertInstanceOf(
              InternodeException.class,
              assertThrows(AssertionError.class, () -> fixture.probe(stranger))
                  .getCause()
                  .getCause());
      assertEquals(403, forbidden.status(), "a node with another HSM key refuses our identity");
      ApiKey strangerRoot =
          ApiKey.fromSeed(new SoftHsm(otherKey).deriveSeed(Hsm.ROOT_API_KEY_LABEL));
      ClusterStatusResponse alone = fixture.client(strangerRoot, stranger).clusterStatus();
      assertEquals(1, alone.getNodesUpCount());
      assertEquals(1, alone.getNodesUpMap().get(0).getCommit());
      assertEquals(Map.of(0, stranger.host()), alone.getNodesUpMap().get(0).getNodesMap());

      fixture
          .client(used)
          .createEnclave(CreateEnclaveRequest.newBuilder().setName("local-only").build());
      assertRefused(
          client,
          used.host(),
          409,
          "node "
              + used.host()
              + " is not a fresh node:"
              + " it holds 2 log entries of its own; stop it, delete its store (DIR/kms.db), restart"
              + " it and add it again");
      ProbeResult usedAfter = fixture.probe(used);
      assertEquals(2, usedAfter.commit());
      assertFalse(usedAfter.fresh());
      assertEquals(Map.of(0, used.host()), usedAfter.members());
      assertNotEquals(before.clusterId(), usedAfter.clusterId());

      ProbeResult after = fixture.probe(leader);
      assertEquals(before.commit(), after.commit(), "nothing changed on the cluster");
      assertEquals(before.digest(), after.digest());
      assertEquals(Map.of(0, leader.host()), after.members());

      // added under its address, restarted under another name: it refuses to start
      used.stop();
      used.wipe();
      used.start();
      client.addNode(AddClusterNodeRequest.newBuilder().setHost(used.host()).build());
      ProbeResult joined = fixture.probe(leader);
      used.stop();
      // as a process: "minkms: server not part of cluster", exit 1 (NodeLifecycleProcessTest)
      CliException notMember = assertThrows(CliException.class, () -> used.start("localhost"));
      assertEquals(1, notMember.exitCode());
      assertEquals("server not part of cluster", notMember.getMessage());
      used.start();
      InJvmCluster.await(
          Duration.ofSeconds(60),
          "the member back in the cluster",
          () -> fixture.probe(used).inCluster() && client.clusterStatus().getNodesUpCount() == 2);
      assertEquals(joined.commit(), fixture.probe(used).commit());
      assertEquals(joined.digest(), fixture.probe(used).digest());
      assertEquals(joined.digest(), fixture.probe(leader).digest(), "nothing changed");

      // rm: a normal write; the removed node then serves nothing (invariant 5)
      InJvmCluster.await(
          Duration.ofSeconds(30),
          "write readiness",
          () -> {
            client.ready(leader.host(), true);
            return true;
          });
      client.removeNode(RemoveClusterNodeRequest.newBuilder().setHost(used.host()).build());
      assertEquals(Map.of(0, leader.host()), fixture.probe(leader).members());
      KmsClientException gone =
          assertThrows(
              KmsClientException.class,
              () -> fixture.client(used).listEnclaves(ListRequest.newBuilder().build()));
      assertTrue(gone.is(503, "server not part of cluster"), gone.toString());
      assertTrue(fixture.probe(used).removed());
      // it leaves the Pekko cluster once the leader tells it that its removal committed, after the
      // remaining member confirmed that commit (issue 12)
      InJvmCluster.await(
          Duration.ofSeconds(30),
          used + " to leave the cluster",
          () -> !fixture.probe(used).inCluster());
      ClusterStatusResponse single = client.clusterStatus();
      assertEquals(1, single.getNodesUpCount());
      assertEquals(0, single.getNodesDownCount());
      KmsClientException again =
          assertThrows(
              KmsClientException.class,
              () ->
                  client.removeNode(
                      RemoveClusterNodeRequest.newBuilder().setHost(used.host()).build()));
      assertTrue(
          again.is(404, "kms: node '" + used.host() + "' is not part of the cluster"),
          again.toString());
    }
  }

  private static void assertRefused(KmsClient client, String host, int status, String message) {
    KmsClientException e =
        assertThrows(
            KmsClientException.class,
            () -> client.addNode(AddClusterNodeRequest.newBuilder().setHost(host).build()));
    assertEquals(status, e.status(), e.toString());
    assertEquals(message, e.getMessage());
    assertTrue(e.is(status, message));
  }
}
