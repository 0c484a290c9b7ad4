package io.openkms.kms.cluster;

import io.openkms.kms.actors.InternodeMessage;
import io.openkms.kms.actors.KmsNode;
import io.openkms.kms.actors.ReplicaLog;
import io.openkms.kms.actors.ReplicationMessages.ToReplicaEnvelope;
import java.util.function.Supplier;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.javadsl.Behaviors;

/**
 * A node's door in the clustered actor system, at {@value #NAME} under the user guardian: the
 * leader's replication messages and snapshot installs go through it to the node's
 * {@link ReplicaLog} (in the node's local actor system), and other nodes ask it for this node's
 * status ({@code CLUSTER:STATUS}). It holds no state: the clustered system may be restarted at any
 * time while the replica lives on.
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
  public static Behavior<ReplicaLog.Command> create(ActorRef<ReplicaLog.Command> replica,
      Supplier<KmsNode.NodeStatus> status) {
    return Behaviors.receive(ReplicaLog.Command.class)
        .onMessage(ToReplicaEnvelope.class, m -> {
          replica.tell(m);
          return Behaviors.same();
        })
        .onMessage(ReplicaLog.Install.class, m -> {
          replica.tell(m);
          return Behaviors.same();
        })
        .onMessage(StatusRequest.class, m -> {
          m.replyTo().tell(new StatusReply(status.get()));
          return Behaviors.same();
        })
        .build();
  }
}
