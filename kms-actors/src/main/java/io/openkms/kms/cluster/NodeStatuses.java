package io.openkms.kms.cluster;

import io.openkms.kms.actors.Asks;
import io.openkms.kms.actors.KmsNode;
import io.openkms.kms.actors.LocalNode;
import io.openkms.kms.actors.NodeSystem;
import io.openkms.kms.actors.ReplicaLog;
import io.openkms.kms.actors.ReplicaState;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.javadsl.AskPattern;

/**
 * A node's status ({@code CLUSTER:STATUS}, {@code minkms stat}): this node's, built from its
 * replica and its clustered system, and another node's, asked over the clustered system.
 */
final class NodeStatuses {

  private NodeStatuses() {}

  /**
   * This node's status (also for other nodes' {@code CLUSTER:STATUS}).
   *
   * @param node this node's replica and state
   * @param settings its host and cluster settings
   * @param version its release
   * @param system its clustered system, or null while it (re)starts
   * @param notAdmitted why the cluster of its HSM key does not admit it ({@code lifecycle.Claim}),
   *     reported as its health before any other problem; {@code ""}: none
   * @return the status; role {@code Candidate} while no leader is known
   */
  static KmsNode.NodeStatus local(
      LocalNode node,
      ClusterSettings settings,
      String version,
      ActorSystem<Void> system,
      String notAdmitted) {
    ReplicaState s = node.replicaState();
    Map<Integer, String> nodes = s.kms().membership().nodes();
    long leaderId = -1;
    if (system != null && PekkoMembers.selfMember(system)) {
      Optional<String> leaderHost = PekkoMembers.leaderHost(system);
      if (leaderHost.isPresent()) {
        leaderId = s.kms().membership().nodeId(leaderHost.get()).orElse(-1);
      }
    }
    String role = leaderId < 0 ? "Candidate" : leaderId == s.selfId() ? "Leader" : "Follower";
    long heartbeat =
        system == null
            ? 0
            : system
                .settings()
                .config()
                .getDuration("pekko.cluster.failure-detector.heartbeat-interval")
                .toMillis();
    return new KmsNode.NodeStatus(
        s.selfId(),
        settings.host(),
        role,
        leaderId,
        s.lastIndex(),
        node.uptimeMillis(),
        0,
        nodes,
        NodeSystem.current(version, heartbeat, settings.stableAfter().toMillis()),
        notAdmitted.isEmpty() ? node.statusProblem() : notAdmitted,
        KmsNode.RemovalState.of(s.hardState()));
  }

  /**
   * Asks the node at {@code host} of the clustered system for its status.
   *
   * @param system this node's clustered system, or null while it (re)starts
   * @param host the node's {@code host:port}
   * @param timeoutMillis how long to wait for the answer
   * @return completes with the status, or empty if the node is not an Up member reached by this
   *     node's clustered system or did not answer within {@code timeoutMillis}; never exceptionally
   */
  static CompletableFuture<Optional<KmsNode.NodeStatus>> ask(
      ActorSystem<Void> system, String host, long timeoutMillis) {
    ActorRef<ReplicaLog.Command> endpoint =
        system != null && PekkoMembers.selfUp(system)
            ? PeerTracker.reachable(system).get(host)
            : null;
    if (endpoint == null) {
      return CompletableFuture.completedFuture(Optional.empty());
    }
    return Asks.bounded(
            AskPattern.<ReplicaLog.Command, ReplicaEndpoint.StatusReply>ask(
                endpoint,
                ReplicaEndpoint.StatusRequest::new,
                Duration.ofMillis(timeoutMillis),
                system.scheduler()),
            Duration.ofMillis(timeoutMillis))
        .toCompletableFuture()
        .handle((reply, error) -> Optional.ofNullable(reply == null ? null : reply.status()));
  }
}
