package io.openkms.kms.cluster;

import io.openkms.kms.actors.Asks;
import io.openkms.kms.actors.Leader;
import io.openkms.kms.actors.LeaderEnv;
import io.openkms.kms.actors.LocalNode;
import io.openkms.kms.actors.ReplicaMonitor;
import io.openkms.kms.actors.ReplicaState;
import io.openkms.kms.domain.ApiError;
import io.openkms.kms.domain.KmsState;
import io.openkms.kms.lifecycle.LifecycleTimeouts;
import io.openkms.kms.lifecycle.Readmission;
import io.openkms.kms.replication.LeaderConfig;
import io.openkms.kms.replication.LeaderRole;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.javadsl.ActorContext;
import org.apache.pekko.cluster.Member;

/**
 * The leader singleton's environment on a clustered node: the node's replica state, reachability
 * from the Pekko membership ({@link PeerTracker}), and the network steps of adding a node
 * (docs/ARCHITECTURE.md §3 "Joining"):
 *
 * <ol>
 *   <li>{@code GET https://H/v1/rpc/status?nonce=…} with the internode client certificate. H must
 *       answer (else {@code node H is not reachable: <reason>}), accept this identity and prove the
 *       HSM-derived proof key over the nonce (else {@code node H was started with a different HSM
 *       key}), be named H ({@code --host}) and be fresh (else {@code node H is not a fresh node:
 *       stop it, delete its store (DIR/kms.db), restart it and add it again}).
 *   <li>{@code POST https://H/v1/rpc/join} with the Pekko addresses of the current members: H
 *       restarts its clustered system towards them.
 * </ol>
 *
 * The leader then waits until H is Up, installs the state on it and replicates the addition.
 */
final class ClusterEnv implements LeaderEnv {

  /** Delay before each retry of an internode call that could not reach the node. */
  static final long RETRY_DELAY_MILLIS = 500;

  private final ClusterRuntime runtime;
  private final LocalNode node;
  private final SecureRandom random = new SecureRandom();

  ClusterEnv(ClusterRuntime runtime, LocalNode node) {
    this.runtime = runtime;
    this.node = node;
  }

  @Override
  public ReplicaState ownState() {
    return node.replicaState();
  }

  @Override
  public String selfHost() {
    return runtime.settings().host();
  }

  @Override
  public LeaderConfig config() {
    return LocalNode.leaderConfig(runtime.settings().writeTimeout());
  }

  @Override
  public LifecycleTimeouts timeouts() {
    return runtime.settings().timeouts();
  }

  @Override
  public long maxChangeBytes() {
    return node.maxChangeBytes();
  }

  @Override
  public io.openkms.kms.domain.Quotas quotas() {
    return node.quotas();
  }

  @Override
  public void trackPeers(ActorContext<Leader.Command> ctx) {
    ctx.spawn(ReplicaMonitor.restarting(timeouts(), PeerTracker.create(ctx.getSelf())), "peers");
  }

  @Override
  public CompletionStage<Optional<io.openkms.kms.actors.KmsNode.NodeStatus>> statusOf(String host) {
    return runtime.statusOf(host);
  }

  @Override
  public void progress(io.openkms.kms.actors.LeaderProgress progress) {
    node.publishLeaderProgress(progress);
  }

  @Override
  public void roleChanged(ActorRef<Leader.Command> leader, long term, LeaderRole role) {
    runtime.leaderChanged(leader, term, role);
  }

  @Override
  public CompletionStage<Void> prepareJoin(String host, int nodeId, KmsState state) {
    byte[] nonce = new byte[32];
    random.nextBytes(nonce);
    InternodeProbe probe = runtime.probe();
    long until = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(timeouts().joinMillis());
    return retried(() -> probe.status(host, nonce), until)
        .handle((answer, error) -> check(host, nonce, answer, error))
        .thenCompose(
            answer ->
                retried(
                        () ->
                            probe.join(
                                host,
                                new JoinInstruction(
                                    state.membership().clusterId(), selfHost(), nodeId, seeds())),
                        until)
                    .exceptionally(
                        error -> {
                          throw ApiError.joinFailed(host, reason(error));
                        }));
  }

  /**
   * {@code call}, retried after {@value #RETRY_DELAY_MILLIS} ms when it could not reach the node:
   * once after a refused connection or a failed handshake (a node that just restarted may reset the
   * first connection; a node that is down is reported at once), and as long as {@code untilNanos}
   * (the join's bound) has not passed after a timeout (a loaded node may answer its first probes
   * late: at a load average of 24, two probes of 5 s each went unanswered and the add failed). A
   * node that answered is not asked again.
   */
  private static <T> CompletionStage<T> retried(
      Supplier<CompletionStage<T>> call, long untilNanos) {
    return retried(call, untilNanos, true);
  }

  private static <T> CompletionStage<T> retried(
      Supplier<CompletionStage<T>> call, long untilNanos, boolean first) {
    return call.get()
        .handle(
            (value, error) -> {
              if (error == null) {
                return CompletableFuture.completedFuture(value);
              }
              if (Asks.cause(error) instanceof InternodeException ie
                  && ie.kind() == InternodeException.Kind.UNREACHABLE
                  && (first || ie.timedOut())
                  && System.nanoTime() < untilNanos) {
                Executor later =
                    CompletableFuture.delayedExecutor(RETRY_DELAY_MILLIS, TimeUnit.MILLISECONDS);
                return CompletableFuture.supplyAsync(() -> null, later)
                    .thenCompose(x -> retried(call, untilNanos, false));
              }
              return CompletableFuture.<T>failedFuture(error);
            })
        .thenCompose(stage -> stage);
  }

  @Override
  public CompletionStage<Optional<Readmission.Answer>> probe(String host) {
    byte[] nonce = new byte[32];
    random.nextBytes(nonce);
    // the re-admission probe claims the node for this cluster (lifecycle.Claim): a reset node
    // that is not admitted then stops serving its own state
    return runtime
        .probe()
        .status(host, nonce, node.replicaState().kms().membership().clusterId())
        .toCompletableFuture()
        .completeOnTimeout(
            null, runtime.settings().timeouts().probeTimeoutMillis(), TimeUnit.MILLISECONDS)
        .handle(
            (answer, error) -> {
              if (error != null) {
                return Asks.cause(error) instanceof InternodeException ie
                        && ie.kind() == InternodeException.Kind.FORBIDDEN
                    ? Optional.of(Readmission.Answer.unproven(host))
                    : Optional.empty();
              }
              if (answer == null) {
                return Optional.empty();
              }
              if (!runtime.proof().verify(nonce, answer.host(), answer.proof())) {
                return Optional.of(Readmission.Answer.unproven(host));
              }
              return Optional.of(
                  new Readmission.Answer(
                      answer.host(),
                      true,
                      answer.clusterId(),
                      answer.fresh(),
                      answer.removed(),
                      answer.commit()));
            });
  }

  /** Checks the probe's answer; throws the error that tells the operator what to do. */
  private ProbeResult check(String host, byte[] nonce, ProbeResult answer, Throwable error) {
    if (error != null) {
      Throwable cause = Asks.cause(error);
      if (cause instanceof InternodeException ie) {
        switch (ie.kind()) {
          case UNREACHABLE -> throw ApiError.notReachable(host, ie.getMessage());
          case FORBIDDEN -> throw ApiError.differentHsmKey(host);
          default -> throw ApiError.joinFailed(host, ie.getMessage());
        }
      }
      throw ApiError.notReachable(host, String.valueOf(cause.getMessage()));
    }
    if (!runtime.proof().verify(nonce, answer.host(), answer.proof())) {
      throw ApiError.differentHsmKey(host);
    }
    if (!answer.host().equals(host)) {
      throw ApiError.otherHost(host, answer.host());
    }
    if (!answer.fresh() || answer.removed()) {
      throw ApiError.notFresh(host, answer.commit());
    }
    return answer;
  }

  /** The Pekko addresses of the members that are Up now. */
  private List<String> seeds() {
    List<String> seeds = new ArrayList<>();
    runtime
        .current()
        .ifPresent(
            h -> {
              for (Member m : PekkoMembers.upMembers(h.system()).values()) {
                seeds.add(m.address().toString());
              }
            });
    return seeds;
  }

  private static String reason(Throwable error) {
    Throwable cause = Asks.cause(error);
    return cause.getMessage() == null ? cause.getClass().getSimpleName() : cause.getMessage();
  }
}
