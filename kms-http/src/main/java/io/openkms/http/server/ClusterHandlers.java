package io.openkms.http.server;

import com.google.protobuf.Duration;
import io.openkms.http.proto.ClusterStatusResponse;
import io.openkms.http.proto.ServerStatusResponse;
import io.openkms.kms.actors.KmsNode;
import io.openkms.kms.domain.Command;
import io.openkms.kms.domain.KmsException;
import java.util.concurrent.CompletionStage;

/**
 * Handlers of the cluster commands 1–6 (wire-protocol §4.2). All need SysAdmin.
 */
final class ClusterHandlers {

  private static final Runtime RUNTIME = Runtime.getRuntime();

  private ClusterHandlers() {}

  /** CLUSTER:STATUS (3): every member's status, and the members that did not answer. */
  static CompletionStage<byte[]> status(Call call) {
    call.authorize(Command.CLUSTER_STATUS, "");
    return Stages.sameThread(call.api().node().clusterStatus()).thenApply(view -> {
      ClusterStatusResponse.Builder out = ClusterStatusResponse.newBuilder();
      view.up().forEach((id, s) -> out.putNodesUp(id, server(call.api().info(), s)));
      out.putAllNodesDown(view.down());
      return out.build().toByteArray();
    });
  }

  /**
   * CLUSTER:ADDHSM (5) and CLUSTER:REMOVEHSM (6): only the software HSM key is supported.
   *
   * @throws KmsException 400 saying so
   */
  static CompletionStage<byte[]> hsm(Call call, Command cmd) {
    call.authorize(cmd, "");
    throw new KmsException(400,
        "kms: " + cmd.text() + " is not supported: this server uses one software HSM key");
  }

  /** The wire form of one node's status (wire-protocol §5.2 ServerStatusResponse). */
  static ServerStatusResponse server(ApiContext.ServerInfo info, KmsNode.NodeStatus s) {
    return ServerStatusResponse.newBuilder()
        .setVersion(info.version())
        .setAPIVersion(info.apiVersion())
        .setHost(s.host())
        .setUpTime(duration(s.uptimeMillis()))
        .setRole(s.role())
        .setCommit(s.commit())
        .putAllNodes(s.nodes())
        .setID(s.id())
        .setLeaderID(s.leaderId())
        .setLastHeartbeat(duration(s.lastHeartbeatMillis()))
        .setOS(System.getProperty("os.name", "").toLowerCase(java.util.Locale.ROOT))
        .setArch(arch())
        .setCPUs(RUNTIME.availableProcessors())
        .setUsableCPUs(RUNTIME.availableProcessors())
        .setHeapMemInUse(RUNTIME.totalMemory() - RUNTIME.freeMemory())
        .addHSMs("hsm:minio:soft")
        .addConfiguredHSMs("hsm:minio:soft")
        .build();
  }

  private static String arch() {
    String a = System.getProperty("os.arch", "");
    return switch (a) {
      case "x86_64", "amd64" -> "amd64";
      case "aarch64" -> "arm64";
      default -> a;
    };
  }

  private static Duration duration(long millis) {
    return Duration.newBuilder().setSeconds(millis / 1000)
        .setNanos((int) (millis % 1000) * 1_000_000).build();
  }
}
