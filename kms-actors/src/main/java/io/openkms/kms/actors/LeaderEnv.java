package io.openkms.kms.actors;

import io.openkms.kms.domain.KmsState;
import io.openkms.kms.domain.Quotas;
import io.openkms.kms.lifecycle.LifecycleTimeouts;
import io.openkms.kms.lifecycle.Readmission;
import io.openkms.kms.replication.LeaderConfig;
import io.openkms.kms.replication.LeaderRole;
import io.openkms.kms.replication.MessageBudget;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.javadsl.ActorContext;

/**
 * What a {@link Leader} needs from the node that hosts it: the node's own applied state, its
 * limits, a source of reachability ({@link Leader.PeersChanged}), and, when clustered, the steps of
 * adding a node that need the network. A single-node setup ({@link LocalNode}) and the Pekko
 * cluster singleton provide different environments to the same leader.
 */
public interface LeaderEnv {

  /** The hosting node's latest applied replica state (its hard state, log end, membership). */
  ReplicaState ownState();

  /** The hosting node's {@code host:port} (its name in the cluster). */
  String selfHost();

  /** Timing and size limits of the replication machine. */
  LeaderConfig config();

  /** The hosting node's lifecycle timeouts (the bounds of adding a node, {@code NodeJoin}). */
  LifecycleTimeouts timeouts();

  /**
   * The largest serialized change the leader accepts ({@code limits: max_change_size}); a larger
   * one is refused with 400 before it gets an index.
   */
  default long maxChangeBytes() {
    return MessageBudget.DEFAULT_MAX_CHANGE_BYTES;
  }

  /**
   * The quotas and per-field limits the leader admits client writes with ({@code limits:} of the
   * hosting node's config file); a write beyond them is refused with 400 before it gets an index.
   */
  default Quotas quotas() {
    return Quotas.DEFAULT;
  }

  /**
   * Starts sending {@link Leader.PeersChanged} to the leader (once now, then on every change).
   *
   * @param ctx the leader's context (spawn helpers as its children)
   */
  void trackPeers(ActorContext<Leader.Command> ctx);

  /**
   * Checks that {@code host} may join — running, reachable, fresh, started with this cluster's HSM
   * key — and tells it to join this cluster's Pekko membership (docs/ARCHITECTURE.md §3 "Joining").
   *
   * @param host the node's {@code host:port}
   * @param nodeId the id it will get
   * @param state the leader's projected state (cluster id, members)
   * @return completes when the node was told to join; fails with a {@link
   *     io.openkms.kms.domain.KmsException} whose message says what is wrong and what to do (e.g.
   *     503 {@code node H:7373 is not reachable: <reason>})
   */
  CompletionStage<Void> prepareJoin(String host, int nodeId, KmsState state);

  /**
   * Asks {@code host} who it is ({@code GET /v1/rpc/status} with a fresh nonce), for re-admission
   * ({@link io.openkms.kms.lifecycle.Readmission}).
   *
   * @param host the node's {@code host:port}
   * @return its answer ({@link io.openkms.kms.lifecycle.Readmission.Answer#unproven} if it refused
   *     this node's identity or did not prove the HSM key); empty if it did not answer. Never
   *     completes exceptionally. A single-node setup has nobody to probe: empty.
   */
  default CompletionStage<Optional<Readmission.Answer>> probe(String host) {
    return CompletableFuture.completedFuture(Optional.empty());
  }

  /**
   * The leader's replication progress, published about every {@link Leader#TICK} while it serves,
   * and {@code null} once it stops serving (for the metrics' per-member lag). Must be cheap and
   * must not block: it runs on the leader's thread.
   */
  default void progress(LeaderProgress progress) {}

  /**
   * The status of the node at {@code host} of the clustered system ({@code CLUSTER:STATUS}), asked
   * by a leader that knows no node id for that host: a removed node whose removal is in doubt says
   * so (issue 12, {@code lifecycle.RemovalCheck.inDoubtEndpoint}).
   *
   * @param host the node's {@code host:port}
   * @return completes with the status, or empty if it did not answer within a few seconds (or this
   *     environment has no other nodes); never exceptionally
   */
  default CompletionStage<Optional<KmsNode.NodeStatus>> statusOf(String host) {
    return CompletableFuture.completedFuture(Optional.empty());
  }

  /**
   * The leader's role changed; {@code role} is null when the leader stopped.
   *
   * @param leader the leader actor
   * @param term its term
   * @param role its role, or null once stopped
   */
  void roleChanged(ActorRef<Leader.Command> leader, long term, LeaderRole role);
}
