package io.openkms.kms.actors;

import org.apache.pekko.actor.typed.ActorRef;

/**
 * The messages of a snapshot transfer to a joining node (docs/ARCHITECTURE.md §3 "Joining"), all
 * well below the internode frame whatever the state's size: the leader offers the serialized state
 * ({@link Offer}: length and SHA-256), the joining node pulls it chunk by chunk ({@link
 * ChunkRequest} → {@link Chunk}, see {@link io.openkms.kms.replication.SnapshotAssembly}), checks
 * it, journals it ({@link ReplicaLog.Install}, locally) and answers {@link Done}. Artery carries
 * them mutually authenticated by the internode key (TLS).
 */
public final class SnapshotMessages {

  private SnapshotMessages() {}

  /** What the leader's side of a transfer receives. */
  public sealed interface ToSender extends InternodeMessage permits ChunkRequest, Done {}

  /**
   * The leader offers its node's state to a joining node (to the node's {@code ReplicaEndpoint}).
   *
   * @param transferId the transfer's id (echoed in every message)
   * @param selfId the id the joining node gets
   * @param clusterId the cluster's id
   * @param lastTerm the term of the entry at {@code lastIndex}
   * @param lastIndex the index the state is at
   * @param leaderTerm the installing leader's term, promised by the install
   * @param leaderId the installing leader's node id
   * @param totalBytes the serialized state's length
   * @param chunkBytes the length of every chunk but the last
   * @param sha256 the serialized state's SHA-256 digest
   * @param sender where the joining node asks for chunks and answers
   */
  public record Offer(
      long transferId,
      int selfId,
      String clusterId,
      long lastTerm,
      long lastIndex,
      long leaderTerm,
      int leaderId,
      long totalBytes,
      int chunkBytes,
      byte[] sha256,
      ActorRef<ToSender> sender)
      implements ReplicaLog.Command, InternodeMessage {}

  /** The joining node asks for chunk {@code seq}; the answer goes to {@code receiver}. */
  public record ChunkRequest(long transferId, int seq, ActorRef<Chunk> receiver)
      implements ToSender {}

  /** Chunk {@code seq} of the serialized state. */
  public record Chunk(long transferId, int seq, byte[] data) implements InternodeMessage {}

  /**
   * The end of a transfer, from the joining node.
   *
   * @param transferId the transfer
   * @param outcome {@code installed}, {@code refused} (the node is not fresh) or {@code failed}
   * @param lastIndex the node's last index (installed: the snapshot's; refused: its own)
   * @param lastTerm the node's last term (installed)
   * @param reason why it failed ({@code ""} otherwise)
   */
  public record Done(long transferId, String outcome, long lastIndex, long lastTerm, String reason)
      implements ToSender {

    /** {@link #outcome()} of an installed snapshot. */
    public static final String INSTALLED = "installed";

    /** {@link #outcome()} of a node that is not fresh. */
    public static final String REFUSED = "refused";

    /** {@link #outcome()} of a failed transfer. */
    public static final String FAILED = "failed";
  }
}
