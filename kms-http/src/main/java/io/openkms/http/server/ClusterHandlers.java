package io.openkms.http.server;

import com.google.protobuf.Duration;
import io.openkms.http.proto.ClusterStatusResponse;
import io.openkms.http.proto.ServerStatusResponse;
import io.openkms.kms.actors.KmsNode;
import io.openkms.kms.actors.NodeSystem;
import io.openkms.kms.domain.ApiError;
import io.openkms.kms.domain.Command;
import io.openkms.kms.domain.KmsException;
import java.util.concurrent.CompletionStage;

/** Handlers of the cluster commands 1–6 (docs/PROTOCOL.md §4.2). All need SysAdmin. */
final class ClusterHandlers {

  private ClusterHandlers() {}

  /** CLUSTER:STATUS (3): every member's status, and the members that did not answer. */
  static CompletionStage<byte[]> status(Call call) {
    return Stages.sameThread(call.api().node().clusterStatus())
        .thenApply(
            view -> {
              ClusterStatusResponse.Builder out = ClusterStatusResponse.newBuilder();
              view.up().forEach((id, s) -> out.putNodesUp(id, server(call.api().info(), s)));
              out.putAllNodesDown(view.down());
              return out.build().toByteArray();
            });
  }

  /**
   * CLUSTER:ADDHSM (5): only the software HSM key is supported.
   *
   * @throws KmsException 400 saying so
   */
  static CompletionStage<byte[]> addHsm(Call call, byte[] payload) {
    throw hsmNotSupported(Command.CLUSTER_ADD_HSM);
  }

  /**
   * CLUSTER:REMOVEHSM (6): only the software HSM key is supported.
   *
   * @throws KmsException 400 saying so
   */
  static CompletionStage<byte[]> removeHsm(Call call, byte[] payload) {
    throw hsmNotSupported(Command.CLUSTER_REMOVE_HSM);
  }

  private static KmsException hsmNotSupported(Command cmd) {
    return ApiError.hsmNotSupported(cmd.text());
  }

  /**
   * The wire form of one node's status (docs/PROTOCOL.md §5.2 ServerStatusResponse), with that
   * node's own version and system figures; a node that reports no version (an unclustered node,
   * which is the one answering) gets this server's. {@code health} (field 21, ours) says why the
   * node's replica log cannot journal writes; absent when it can.
   */
  static ServerStatusResponse server(ApiContext.ServerInfo info, KmsNode.NodeStatus s) {
    NodeSystem sys = s.system();
    ServerStatusResponse.Builder out = ServerStatusResponse.newBuilder();
    if (!s.problem().isEmpty()) {
      out.setHealth(s.problem());
    }
    return out.setVersion(sys.version().isEmpty() ? info.version() : sys.version())
        .setAPIVersion(info.apiVersion())
        .setHost(s.host())
        .setUpTime(duration(s.uptimeMillis()))
        .setRole(s.role())
        .setCommit(s.commit())
        .putAllNodes(s.nodes())
        .setID(s.id())
        .setLeaderID(s.leaderId())
        .setLastHeartbeat(duration(s.lastHeartbeatMillis()))
        .setHeartbeatInterval(duration(sys.heartbeatIntervalMillis()))
        .setElectionTimeout(duration(sys.electionTimeoutMillis()))
        .setOS(sys.os())
        .setArch(sys.arch())
        .setCPUs(sys.cpus())
        .setUsableCPUs(sys.cpus())
        .setHeapMemInUse(sys.heapInUseBytes())
        .addHSMs("hsm:minio:soft")
        .addConfiguredHSMs("hsm:minio:soft")
        .build();
  }

  private static Duration duration(long millis) {
    return Duration.newBuilder()
        .setSeconds(millis / 1000)
        .setNanos((int) (millis % 1000) * 1_000_000)
        .build();
  }
}
