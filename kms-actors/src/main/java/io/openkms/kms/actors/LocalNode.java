package io.openkms.kms.actors;

import io.openkms.kms.domain.Change;
import io.openkms.kms.domain.KmsState;
import io.openkms.kms.domain.Membership;
import java.time.Duration;
import java.util.Map;
import java.util.OptionalInt;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.Props;
import org.apache.pekko.actor.typed.javadsl.AskPattern;

/**
 * A node of a single-node cluster: its {@link ReplicaLog}, its {@link Leader} and the published
 * state. {@link #start} recovers the log, bootstraps a fresh node (first entry
 * {@link Change.InitCluster} with a new cluster ID and this node's host as node 0) and refuses a
 * node whose {@code host} is not a member: {@code server not part of cluster} (deployment guide,
 * troubleshooting).
 */
public final class LocalNode implements KmsNode {

  /** Message of a start whose {@code --host} is not in the cluster definition. */
  public static final String NOT_PART_OF_CLUSTER = "server not part of cluster";

  private final ActorSystem<?> system;
  private final String host;
  private final Duration writeTimeout;
  private final AtomicReference<ReplicaState> replica;
  private final ActorRef<Leader.Command> leader;
  private final long startedNanos = System.nanoTime();

  private LocalNode(ActorSystem<?> system, String host, Duration writeTimeout,
      AtomicReference<ReplicaState> replica, ActorRef<Leader.Command> leader) {
    this.system = system;
    this.host = host;
    this.writeTimeout = writeTimeout;
    this.replica = replica;
    this.leader = leader;
  }

  /**
   * Starts the node's actors in {@code system} (whose persistence plugin is the node's sealed
   * store) and waits for recovery.
   *
   * @param host this node's {@code host:port} (its name in the cluster)
   * @param writeTimeout bound on a write, default 10 s
   * @return the running node, or fails with {@link IllegalStateException}
   *     {@value #NOT_PART_OF_CLUSTER} when the recovered membership does not name {@code host}
   */
  public static CompletionStage<LocalNode> start(ActorSystem<?> system, String host,
      Duration writeTimeout) {
    AtomicReference<ReplicaState> published = new AtomicReference<>();
    CompletableFuture<ReplicaState> recovered = new CompletableFuture<>();
    ActorRef<ReplicaLog.Command> log = system.systemActorOf(ReplicaLog.create(state -> {
      published.set(state);
      recovered.complete(state);
    }), "replica-log", Props.empty());
    ActorRef<Leader.Command> leader = system.systemActorOf(Leader.create(log, writeTimeout),
        "leader", Props.empty());
    LocalNode node = new LocalNode(system, host, writeTimeout, published, leader);
    return recovered.thenCompose(state -> {
      Membership m = state.kms().membership();
      if (!m.initialized()) {
        return node.write(new Change.InitCluster(UUID.randomUUID().toString(), host))
            .thenApply(i -> node);
      }
      if (m.nodeId(host).isEmpty()) {
        CompletableFuture<LocalNode> failed = new CompletableFuture<>();
        failed.completeExceptionally(new IllegalStateException(NOT_PART_OF_CLUSTER));
        return failed;
      }
      return CompletableFuture.completedFuture(node);
    });
  }

  @Override
  public KmsState state() {
    return replica.get().kms();
  }

  @Override
  public CompletionStage<Long> write(Change change) {
    return AskPattern.<Leader.Command, Leader.WriteResult>ask(leader,
            replyTo -> new Leader.ClientWrite(change, replyTo),
            writeTimeout.plusSeconds(5), system.scheduler())
        .thenApply(result -> {
          if (!result.ok()) {
            throw result.error();
          }
          return result.index();
        });
  }

  @Override
  public boolean writable() {
    return true;
  }

  @Override
  public NodeStatus status() {
    ReplicaState s = replica.get();
    Membership m = s.kms().membership();
    OptionalInt id = m.nodeId(host);
    return new NodeStatus(id.orElse(0), host, "Leader", id.orElse(0), s.lastIndex(),
        TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - startedNanos), 0, m.nodes());
  }

  @Override
  public CompletionStage<ClusterView> clusterStatus() {
    NodeStatus self = status();
    return CompletableFuture.completedFuture(new ClusterView(Map.of(self.id(), self), Map.of()));
  }

  /** This node's host:port. */
  public String host() {
    return host;
  }
}
