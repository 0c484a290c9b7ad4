package io.openkms.http.server;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.openkms.http.proto.ServerStatusResponse;
import io.openkms.kms.actors.KmsNode.NodeStatus;
import io.openkms.kms.actors.NodeSystem;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The wire form of each node's status in CLUSTER:STATUS (docs/PROTOCOL.md §5.2). */
class ClusterHandlersTest {

  private static final ApiContext.ServerInfo THIS_SERVER =
      new ApiContext.ServerInfo("2026-11-30T02-00-00Z", "abc1234", "v1", "127.0.0.1:7373");

  private static NodeStatus status(NodeSystem system) {
    return new NodeStatus(
        2,
        "127.0.0.3:7373",
        "Follower",
        0,
        42,
        61_500,
        0,
        Map.of(0, "127.0.0.1:7373", 2, "127.0.0.3:7373"),
        system);
  }

  @Test
  void eachNodeReportsItsOwnVersionAndSystem() {
    NodeSystem remote =
        new NodeSystem("2026-01-02T03-04-05Z", "linux", "arm64", 8, 123_456_789L, 500, 7_000);
    ServerStatusResponse r = ClusterHandlers.server(THIS_SERVER, status(remote));
    assertEquals("2026-01-02T03-04-05Z", r.getVersion());
    assertEquals("v1", r.getAPIVersion());
    assertEquals("127.0.0.3:7373", r.getHost());
    assertEquals(2, r.getID());
    assertEquals(0, r.getLeaderID());
    assertEquals("Follower", r.getRole());
    assertEquals(42, r.getCommit());
    assertEquals(61, r.getUpTime().getSeconds());
    assertEquals(500_000_000, r.getUpTime().getNanos());
    assertEquals("linux", r.getOS());
    assertEquals("arm64", r.getArch());
    assertEquals(8, r.getCPUs());
    assertEquals(123_456_789L, r.getHeapMemInUse());
    assertEquals(500_000_000, r.getHeartbeatInterval().getNanos());
    assertEquals(7, r.getElectionTimeout().getSeconds());
  }

  @Test
  void aNodeWithoutAVersionIsThisServer() {
    ServerStatusResponse r =
        ClusterHandlers.server(THIS_SERVER, status(NodeSystem.current("", 0, 0)));
    assertEquals("2026-11-30T02-00-00Z", r.getVersion());
  }
}
