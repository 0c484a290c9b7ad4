package io.openkms.kms.cluster;

import io.openkms.kms.actors.InternodeMessage;
import io.openkms.kms.actors.KmsNode;
import io.openkms.kms.actors.ReplicaLog;
import io.openkms.kms.actors.ReplicationMessages.ToReplicaEnvelope;
import io.openkms.kms.actors.SnapshotMessages;
import io.openkms.kms.actors.SnapshotReceiver;
import java.util.function.Supplier;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.javadsl.Behaviors;

/**
 * A node's door in the clustered actor system, at {@value #NAME} under the user guardian: the
 * leader's replication messages and snapshot installs go through it to the node's {@link
 * ReplicaLog} (in the node's local actor system), and other nodes ask it for this node's status
 * ({@code CLUSTER:STATUS}). A snapshot offer of a joining node's leader starts one {@link
 * SnapshotReceiver} child per transfer (a repeated offer is ignored). It holds no state: the
 * clustered system may be restarted at any time while the replica lives on.
 */
public final class ReplicaEndpoint {

  /** The actor's name: its path is {@code /user/replica}. */
  public static final String NAME = "replica";

  /** Asks for this node's status. */
  public record StatusRequest(ActorRef<StatusReply> replyTo)
      implements ReplicaLog.Command, InternodeMessage {}

  /** This node's status. */
  public record StatusReply(KmsNode.NodeStatus status) implements InternodeMessage {}

  private ReplicaEndpoint() {}

  /**
   * Creates the behavior.
   *
   * @param replica the node's replica log
   * @param status this node's status, on request
   */
  public static Behavior<ReplicaLog.Command> create(
      ActorRef<ReplicaLog.Command> replica, Supplier<KmsNode.NodeStatus> status) {
    return create(replica, status, () -> {});
  }

  /**
   * Creates the behavior.
   *
   * @param replica the node's replica log
   * @param status this node's status, on request
   * @param onInstallProgress called while a snapshot arrives (see {@link SnapshotReceiver})
   */
  public static Behavior<ReplicaLog.Command> create(
      ActorRef<ReplicaLog.Command> replica,
      Supplier<KmsNode.NodeStatus> status,
      Runnable onInstallProgress) {
    java.util.Deque<Long> seen = new java.util.ArrayDeque<>(); // offers already taken
    return Behaviors.setup(
        ctx ->
            Behaviors.receive(ReplicaLog.Command.class)
                .onMessage(
                    ToReplicaEnvelope.class,
                    m -> {
                      replica.tell(m);
                      return Behaviors.same();
                    })
                .onMessage(
                    ReplicaLog.Install.class,
                    m -> {
                      replica.tell(m);
                      return Behaviors.same();
                    })
                .onMessage(
                    SnapshotMessages.Offer.class,
                    offer -> {
                      if (!seen.contains(offer.transferId())) {
                        seen.addLast(offer.transferId());
                        if (seen.size() > 16) {
                          seen.removeFirst();
                        }
                        String name = "install-" + Long.toUnsignedString(offer.transferId());
                        onInstallProgress.run();
                        ctx.spawn(SnapshotReceiver.create(offer, replica, onInstallProgress), name);
                      }
                      return Behaviors.same();
                    })
                .onMessage(
                    StatusRequest.class,
                    m -> {
                      m.replyTo().tell(new StatusReply(status.get()));
                      return Behaviors.same();
                    })
                .build());
  }
}
