package io.openkms.cli.commands;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.google.protobuf.Duration;
import io.openkms.http.proto.ClusterStatusResponse;
import io.openkms.http.proto.ServerStatusResponse;
import org.junit.jupiter.api.Test;

/**
 * {@link ClusterStatusFormat}: the text of {@code minkms stat} and {@code ls} for clusters a single
 * test node cannot produce (docs/REFERENCE.md §14 step 5, docs/REFERENCE.md §2.4).
 */
class ClusterStatusFormatTest {
  private static ServerStatusResponse node(
      int id, String host, String role, long uptimeSeconds, long commit) {
    return ServerStatusResponse.newBuilder()
        .setVersion("2025-11-12T19-14-51Z")
        .setAPIVersion("v1")
        .setHost(host)
        .setUpTime(Duration.newBuilder().setSeconds(uptimeSeconds))
        .setRole(role)
        .setCommit(commit)
        .setID(id)
        .setLeaderID(0)
        .setLastHeartbeat(Duration.newBuilder().setNanos(233_000_000))
        .setOS("linux")
        .setArch("amd64")
        .setCPUs(4)
        .setUsableCPUs(4)
        .setHeapMemInUse(4_000_000)
        .setStackMemInUse(404_019)
        .addHSMs("hsm:minio:soft")
        .addConfiguredHSMs("hsm:minio:soft")
        .build();
  }

  private static String block(int id, String host, String uptime, String role) {
    return "●  Node "
        + id
        + " at "
        + host
        + "\n"
        + "   Version     2025-11-12T19-14-51Z\n"
        + "   Uptime      "
        + uptime
        + "\n"
        + "   HSMs        1\n"
        + "   Commit      42\n"
        + "   State       "
        + role
        + "\n"
        + "   Leader      Node 0\n"
        + "   Heartbeat   233ms ago\n"
        + "   System\n"
        + "       OS       linux\n"
        + "       CPUs     4 amd64\n"
        + "       Memory   4.20MiB\n";
  }

  private static final ClusterStatusResponse THREE_UP =
      ClusterStatusResponse.newBuilder()
          .putNodesUp(2, node(2, "minkms-node2.example.net:7373", "Follower", 180, 42))
          .putNodesUp(0, node(0, "minkms-node0.example.net:7373", "Leader", 300, 42))
          .putNodesUp(1, node(1, "minkms-node1.example.net:7373", "Follower", 240, 42))
          .build();

  private static final ClusterStatusResponse TWO_UP =
      ClusterStatusResponse.newBuilder()
          .putNodesUp(0, node(0, "minkms-node0.example.net:7373", "Leader", 1471, 42))
          .putNodesUp(1, node(1, "minkms-node1.example.net:7373", "Follower", 240, 42))
          .putNodesDown(2, "minkms-node2.example.net:7373")
          .build();

  @Test
  void aHealthyClusterAsInTheDeploymentGuide() {
    assertEquals(
        block(0, "minkms-node0.example.net:7373", "5m", "Leader")
            + "\n"
            + block(1, "minkms-node1.example.net:7373", "4m", "Follower")
            + "\n"
            + block(2, "minkms-node2.example.net:7373", "3m", "Follower")
            + "\n"
            + "All [3/3] nodes are up ✔\n",
        ClusterStatusFormat.stat(THREE_UP, false));
  }

  @Test
  void aDownNodeIsOfflineAndCountedInTheSummary() {
    assertEquals(
        block(0, "minkms-node0.example.net:7373", "24m31s", "Leader")
            + "\n"
            + block(1, "minkms-node1.example.net:7373", "4m", "Follower")
            + "\n"
            + "●  Node 2 at minkms-node2.example.net:7373\n"
            + "   State       Offline\n"
            + "\n"
            + "[2/3] nodes are up ✘\n",
        ClusterStatusFormat.stat(TWO_UP, false));
  }

  @Test
  void aNodeWhoseReplicaCannotJournalIsUnhealthyWithItsReason() {
    String reason =
        "replica log is restarting after a journal failure: journal write failed: No space"
            + " left on device";
    ClusterStatusResponse status =
        THREE_UP.toBuilder()
            .putNodesUp(
                2,
                node(2, "minkms-node2.example.net:7373", "Follower", 180, 42).toBuilder()
                    .setHealth(reason)
                    .build())
            .build();
    String sick =
        block(2, "minkms-node2.example.net:7373", "3m", "Follower")
            .replace("   Leader ", "   Health      unhealthy: " + reason + "\n   Leader ");
    assertEquals(
        block(0, "minkms-node0.example.net:7373", "5m", "Leader")
            + "\n"
            + block(1, "minkms-node1.example.net:7373", "4m", "Follower")
            + "\n"
            + sick
            + "\n"
            + "All [3/3] nodes are up, 1 unhealthy ✘\n",
        ClusterStatusFormat.stat(status, false));
    String coloured = ClusterStatusFormat.stat(status, true);
    assertEquals(true, coloured.contains("\u001b[31m●\u001b[0m  Node 2 at"), coloured);
    assertEquals(
        true,
        ClusterStatusFormat.ls(status)
            .lines()
            .anyMatch(l -> l.startsWith("2 ") && l.contains("unhealthy")),
        ClusterStatusFormat.ls(status));
  }

  @Test
  void colourMarksUpGreenAndDownRed() {
    String out = ClusterStatusFormat.stat(TWO_UP, true);
    assertEquals(
        block(0, "minkms-node0.example.net:7373", "24m31s", "Leader")
                .replace("●", "\u001b[32m●\u001b[0m")
            + "\n"
            + block(1, "minkms-node1.example.net:7373", "4m", "Follower")
                .replace("●", "\u001b[32m●\u001b[0m")
            + "\n"
            + "\u001b[31m●\u001b[0m  Node 2 at minkms-node2.example.net:7373\n"
            + "   State       Offline\n"
            + "\n"
            + "[2/3] nodes are up \u001b[31m✘\u001b[0m\n",
        out);
  }

  @Test
  void noLeaderAndNoHostFallBackToDashAndTheNodeMap() {
    ServerStatusResponse candidate =
        ServerStatusResponse.newBuilder()
            .setRole("Candidate")
            .setLeaderID(-1)
            .setID(3)
            .putNodes(3, "n3:7373")
            .build();
    assertEquals(
        "●  Node 3 at n3:7373\n"
            + "   Version     -\n"
            + "   Uptime      0s\n"
            + "   HSMs        0\n"
            + "   Commit      0\n"
            + "   State       Candidate\n"
            + "   Leader      -\n"
            + "   Heartbeat   0s ago\n"
            + "   System\n"
            + "       OS       -\n"
            + "       CPUs     0\n"
            + "       Memory   0B\n"
            + "\n"
            + "All [1/1] nodes are up ✔\n",
        ClusterStatusFormat.stat(
            ClusterStatusResponse.newBuilder().putNodesUp(3, candidate).build(), false));
  }

  @Test
  void lsIsATableByNodeId() {
    assertEquals(
        "ID  Status  Role      Uptime  Host\n"
            + "0   up      Leader    24m31s  minkms-node0.example.net:7373\n"
            + "1   up      Follower  4m      minkms-node1.example.net:7373\n"
            + "2   down    -         -       minkms-node2.example.net:7373\n",
        ClusterStatusFormat.ls(TWO_UP));
  }
}
