package io.openkms.kms.cluster;

import io.openkms.kms.actors.KmsNode;
import io.openkms.kms.actors.LocalNode;
import io.openkms.kms.actors.ReplicaLog;
import io.openkms.kms.actors.ReplicaState;
import io.openkms.kms.lifecycle.RemovalCheck;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.function.Function;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Issue 12: while this node's own removal is in doubt (it applied its removal and does not know it
 * committed), asks every node of the clustered system for its status and, once {@link RemovalCheck}
 * says the removal committed and no member lists it any more, confirms it to the replica ({@link
 * ReplicaLog.ConfirmRemoval}; the node then leaves on {@code RemovalCommitted}), logging one line.
 * Otherwise the reason shows as the node's status problem ({@code minkms stat}: {@code removal in
 * doubt: …}). The shell around the pure rules {@link RemovalCheck#answers} and {@link
 * RemovalCheck#decide}; {@link ClusterRuntime} runs {@link #check} every {@link
 * ClusterRuntime#REMOVAL_CHECK_MILLIS} on its supervisor thread.
 */
final class RemovalWatch {

  private static final Logger LOG = LoggerFactory.getLogger(ClusterRuntime.class);

  private final LocalNode node;
  private final String selfHost;
  private final Executor supervisor;
  private final Supplier<Set<String>> upHosts;
  private final Function<String, CompletableFuture<Optional<KmsNode.NodeStatus>>> statusOf;

  /**
   * @param node this node's replica and state
   * @param selfHost this node's {@code --host}
   * @param supervisor where the verdict is carried out (the runtime's supervisor thread)
   * @param upHosts the KMS hosts of the Up members this node's clustered system reaches
   * @param statusOf asks a node for its status; completes empty if it did not answer in time, never
   *     exceptionally
   */
  RemovalWatch(
      LocalNode node,
      String selfHost,
      Executor supervisor,
      Supplier<Set<String>> upHosts,
      Function<String, CompletableFuture<Optional<KmsNode.NodeStatus>>> statusOf) {
    this.node = node;
    this.selfHost = selfHost;
    this.supervisor = supervisor;
    this.upHosts = upHosts;
    this.statusOf = statusOf;
  }

  /** One round: asks the other nodes, then decides on the supervisor thread. */
  void check() {
    if (!node.replicaState().removalInDoubt()) {
      node.removalNote("");
      return;
    }
    List<CompletableFuture<Optional<KmsNode.NodeStatus>>> asks = new ArrayList<>();
    for (String host : upHosts.get()) {
      if (!host.equals(selfHost)) {
        asks.add(statusOf.apply(host));
      }
    }
    CompletableFuture.allOf(asks.toArray(new CompletableFuture[0]))
        .handle(
            (done, error) -> {
              supervisor.execute(() -> decide(asks));
              return null;
            });
  }

  private void decide(List<CompletableFuture<Optional<KmsNode.NodeStatus>>> asks) {
    ReplicaState s = node.replicaState();
    if (!s.removalInDoubt()) {
      return;
    }
    List<RemovalCheck.Reported> statuses = new ArrayList<>();
    for (CompletableFuture<Optional<KmsNode.NodeStatus>> ask : asks) {
      ask.getNow(Optional.empty()).ifPresent(st -> statuses.add(reported(st)));
    }
    RemovalCheck.Verdict verdict = RemovalCheck.decide(s.selfId(), RemovalCheck.answers(statuses));
    if (verdict.leave()) {
      LOG.info("removal of this node is final, leaving the cluster: {}", verdict.reason());
      node.removalNote("");
      node.replicaLog().tell(new ReplicaLog.ConfirmRemoval());
    } else {
      node.removalNote("removal in doubt: " + verdict.reason());
    }
  }

  private static RemovalCheck.Reported reported(KmsNode.NodeStatus st) {
    KmsNode.RemovalState r = st.removal();
    return new RemovalCheck.Reported(
        st.id(),
        st.host(),
        st.nodes(),
        r == null
            ? null
            : new RemovalCheck.Answer(
                true, r.removed(), st.nodes().keySet(), r.unconfirmedRemovals(), r.evictedIds()));
  }
}
