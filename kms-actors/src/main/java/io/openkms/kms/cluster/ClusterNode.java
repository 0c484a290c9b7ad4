package io.openkms.kms.cluster;

import io.openkms.kms.actors.Asks;
import io.openkms.kms.actors.KmsNode;
import io.openkms.kms.actors.Leader;
import io.openkms.kms.actors.LocalNode;
import io.openkms.kms.actors.ReplicaLog;
import io.openkms.kms.actors.ReplicaState;
import io.openkms.kms.crypto.Identity;
import io.openkms.kms.domain.ApiError;
import io.openkms.kms.domain.Change;
import io.openkms.kms.domain.KmsException;
import io.openkms.kms.domain.KmsState;
import io.openkms.kms.lifecycle.LocalAnswer;
import io.openkms.kms.lifecycle.Writes;
import io.openkms.kms.replication.LeaderRole;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.Set;
import java.util.SortedSet;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeoutException;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.javadsl.AskPattern;
import org.apache.pekko.cluster.Member;
import org.apache.pekko.cluster.typed.Cluster;
import org.apache.pekko.cluster.typed.Down;

/**
 * A clustered node as the API sees it (docs/ARCHITECTURE.md §3). Reads come from the local
 * replica's published state and never depend on the cluster; writes, {@code add}, {@code rm} and
 * the status go through the clustered system that {@link ClusterRuntime} supervises.
 *
 * <ul>
 *   <li>{@link #write}: any node accepts a write and forwards it to the leader singleton. If this
 *       node cannot reach every member (or is not in its cluster right now) the write fails at once
 *       with 503 {@code cannot commit write: nodes <id> (<host>) are unreachable} (invariant 4);
 *       otherwise the leader answers within the write timeout.
 *   <li>{@link #clusterStatus}: every member's own status, asked over Artery; a member that does
 *       not answer within {@value #STATUS_TIMEOUT_MILLIS} ms is down.
 *   <li>{@link #editCluster}: this node's definition only; its leader (if it hosts it) stops
 *       waiting for the removed nodes.
 * </ul>
 */
public final class ClusterNode implements KmsNode, InternodeService {

  /** Bound on asking another member for its status. */
  static final long STATUS_TIMEOUT_MILLIS = 3_000;

  /**
   * How much longer than the write timeout a node waits for the leader's answer: the leader answers
   * every write within the write timeout plus one tick; if it cannot (it died), the write fails
   * here, still within the bound, naming the nodes this node cannot reach by then.
   */
  static final Duration ASK_SLACK = Duration.ofMillis(1_000);

  /**
   * Bound on {@code CLUSTER:ADDNODE}: the leader's join bounds (20 s to start the install, then 30
   * s without progress of the install; a state of 48 MB took 50 s in all at a load average of 20);
   * the API raises the request timeout of this command to {@link #ADD_REQUEST_TIMEOUT}, and {@code
   * minkms add} waits 110 s (other requests: 60 s). Below {@code
   * minkms.http.request-header-timeout} (120 s), which would cut the connection.
   */
  public static final Duration ADD_TIMEOUT = Duration.ofSeconds(100);

  /** The HTTP request timeout of {@code CLUSTER:ADDNODE}, above {@link #ADD_TIMEOUT}. */
  public static final Duration ADD_REQUEST_TIMEOUT = Duration.ofSeconds(103);

  private final LocalNode node;
  private final ClusterRuntime runtime;
  private final Identity internodeIdentity;

  /**
   * @param node the local replica (its local leader already stopped)
   * @param runtime the clustered system's supervisor (started by the caller)
   */
  public ClusterNode(LocalNode node, ClusterRuntime runtime) {
    this.node = node;
    this.runtime = runtime;
    this.internodeIdentity = Identity.of(runtime.tls().keyPair().getPublic());
  }

  /** The local replica. */
  public LocalNode local() {
    return node;
  }

  /** 503 {@code node is joining the cluster}: a fresh node told to join has not got the state. */
  public static final String JOINING = ApiError.JOINING.message();

  /**
   * The latest applied state.
   *
   * @throws KmsException 503 {@code node is joining the cluster} while this fresh node waits for
   *     the state of the cluster it was told to join (or was claimed by a leader re-admitting it);
   *     503 {@code this node was reset and holds N log entries of its own: …} while the cluster of
   *     its HSM key claims it but does not admit it ({@link io.openkms.kms.lifecycle.Claim}); 503
   *     {@code server not part of cluster} once removed
   */
  @Override
  public KmsState state() {
    if (runtime.joining()) {
      throw ApiError.JOINING.exception();
    }
    refuseIfNotAdmitted();
    return node.state();
  }

  /**
   * {@inheritDoc}
   *
   * <p>Also while this node is not admitted (its status names why), but not while it is joining or
   * removed ({@link #state()}).
   */
  @Override
  public KmsState statusState() {
    if (runtime.refusing() && !runtime.joining()) {
      return node.state();
    }
    return state();
  }

  @Override
  public java.util.Optional<KmsException> refusal() {
    String why = runtime.notAdmitted();
    return why.isEmpty()
        ? java.util.Optional.empty()
        : java.util.Optional.of(ApiError.notAdmitted(why));
  }

  /** {@inheritDoc} Here: joining ({@link #state()}), or not admitted ({@link #refusal()}). */
  @Override
  public boolean refusesClients() {
    return runtime.refusing() || runtime.joining();
  }

  private void refuseIfNotAdmitted() {
    java.util.Optional<KmsException> refused = refusal();
    if (refused.isPresent()) {
      throw refused.get();
    }
  }

  @Override
  public io.openkms.kms.domain.Quotas quotas() {
    return node.quotas();
  }

  // ---------------------------------------------------------------- writes

  /**
   * {@inheritDoc}
   *
   * <p>A write that this node's applied state already refuses (409 exists, 404 missing) is answered
   * from that state at once, without the leader ({@link LocalAnswer}), unless this node is joining
   * (its state is not the cluster's yet); a removal does not wait for the member it removes.
   */
  @Override
  public CompletionStage<Long> write(Change change) {
    try {
      refuseIfNotAdmitted();
      node.checkChange(change); // never forward what cannot cross the wire (MessageBudget)
    } catch (KmsException refused) {
      return CompletableFuture.failedFuture(refused);
    }
    ReplicaState s = node.replicaState();
    if (!s.removed() && !runtime.hasLeft() && !runtime.joining()) {
      // a joining node's state is not the cluster's yet: it proves nothing
      Optional<KmsException> refused = LocalAnswer.refusal(node.state(), change);
      if (refused.isPresent()) {
        return CompletableFuture.failedFuture(refused.get());
      }
    }
    Set<Integer> exempt = change instanceof Change.RemoveNode r ? Set.of(r.nodeId()) : Set.of();
    Duration bound = node.writeTimeout().plus(ASK_SLACK);
    return node.watchCommit(
        forward(
            proxy ->
                AskPattern.<Leader.Command, Leader.WriteResult>ask(
                    proxy, replyTo -> new Leader.ClientWrite(change, replyTo), bound, scheduler()),
            bound,
            exempt));
  }

  @Override
  public CompletionStage<Long> addNode(String host) {
    return forward(
        proxy ->
            AskPattern.<Leader.Command, Leader.WriteResult>ask(
                proxy, replyTo -> new Leader.AddNode(host, replyTo), ADD_TIMEOUT, scheduler()),
        ADD_TIMEOUT,
        memberId(host));
  }

  @Override
  public CompletionStage<Long> removeNode(String host) {
    OptionalInt id = node.replicaState().kms().membership().nodeId(host);
    if (id.isEmpty()) {
      return CompletableFuture.failedFuture(ApiError.hostNotFound(host));
    }
    if (id.getAsInt() == node.replicaState().selfId()) {
      return write(Change.RemoveNode.of(id.getAsInt())); // this node answers for itself
    }
    byte[] nonce = new byte[32];
    new java.security.SecureRandom().nextBytes(nonce);
    return runtime
        .probe()
        .status(host, nonce)
        .handle(
            (answer, error) ->
                Writes.removal(
                    id.getAsInt(),
                    !(error != null
                        && Asks.cause(error) instanceof InternodeException ie
                        && ie.kind() == InternodeException.Kind.UNREACHABLE)))
        .thenCompose(this::write);
  }

  private interface Ask {
    CompletionStage<Leader.WriteResult> ask(ActorRef<Leader.Command> proxy);
  }

  /** The id of member {@code host}, as a set (empty if it is no member). */
  private Set<Integer> memberId(String host) {
    OptionalInt id = node.replicaState().kms().membership().nodeId(host);
    return id.isPresent() ? Set.of(id.getAsInt()) : Set.of();
  }

  /**
   * Fails fast without reachability of every member but {@code exempt} (the member a removal or a
   * replacement is about); else asks the leader through the singleton proxy.
   */
  private CompletionStage<Long> forward(Ask ask, Duration timeout, Set<Integer> exempt) {
    ReplicaState s = node.replicaState();
    if (s.removed() || runtime.hasLeft()) {
      return CompletableFuture.failedFuture(ApiError.NOT_PART_OF_CLUSTER.exception());
    }
    KmsException down = node.replicaDown();
    if (down != null) {
      return CompletableFuture.failedFuture(down);
    }
    SortedSet<Integer> blockers = unreachable(s);
    blockers.removeAll(exempt);
    if (!blockers.isEmpty()) {
      return CompletableFuture.failedFuture(
          ApiError.unreachable(blockers, s.kms().membership().nodes()));
    }
    ClusterRuntime.Handle h = runtime.current().orElse(null);
    if (h == null || !PekkoMembers.selfMember(h.system())) {
      return CompletableFuture.failedFuture(ApiError.REJOINING.exception());
    }
    // handleAsync on the completing thread: Pekko's stage would run plain handle on a new
    // thread per write where the common pool has fewer than two threads (docs/PERFORMANCE.md)
    return Asks.bounded(ask.ask(h.leaderProxy()), timeout)
        .handleAsync(
            (result, error) -> {
              if (error != null) {
                Throwable cause = Asks.cause(error);
                if (cause instanceof TimeoutException) {
                  throw unanswered(
                      unreachable(node.replicaState()),
                      s.kms().membership().nodes(),
                      timeout,
                      node.writeTimeout());
                }
                throw cause instanceof KmsException k
                    ? k
                    : ApiError.writeFailed(cause.getMessage());
              }
              if (!result.ok()) {
                throw result.error();
              }
              return result.index();
            },
            Runnable::run);
  }

  /**
   * The error of a write sent to the leader whose answer did not come within {@code ask}: in doubt
   * either way (the leader may have taken it): 503 naming the members this node cannot reach now
   * ({@code silent}) as not acknowledging within {@code writeTimeout}, or, when it reaches all, 503
   * {@link ApiError#leaderInDoubt} (operator trial: {@code no leader answered within 11000 ms} for
   * a write that committed, without saying it was in doubt).
   */
  static KmsException unanswered(
      SortedSet<Integer> silent, Map<Integer, String> hosts, Duration ask, Duration writeTimeout) {
    return silent.isEmpty()
        ? ApiError.leaderInDoubt(ask.toMillis())
        : ApiError.notAcknowledged(silent, hosts, writeTimeout.toMillis(), true);
  }

  /** The members this node cannot reach now (all others while it is not in its cluster). */
  private SortedSet<Integer> unreachable(ReplicaState s) {
    Map<Integer, String> members = s.kms().membership().nodes();
    SortedSet<Integer> out = new TreeSet<>();
    ClusterRuntime.Handle h = runtime.current().orElse(null);
    Map<String, Member> up =
        h != null && PekkoMembers.selfMember(h.system())
            ? PekkoMembers.upMembers(h.system())
            : Map.of();
    members.forEach(
        (id, host) -> {
          if (id != s.selfId() && !up.containsKey(host)) {
            out.add(id);
          }
        });
    return out;
  }

  private org.apache.pekko.actor.typed.Scheduler scheduler() {
    return node.system().scheduler();
  }

  @Override
  public boolean writable() {
    ReplicaState s = node.replicaState();
    if (s.removed()
        || runtime.hasLeft()
        || runtime.joining()
        || runtime.refusing()
        || !runtime.inCluster()
        || !unreachable(s).isEmpty()
        || !node.replicaMonitor().healthy()) {
      return false;
    }
    ClusterRuntime.LeaderInfo local = runtime.localLeader();
    if (local != null) {
      return local.role() == LeaderRole.SERVING;
    }
    return status().leaderId() >= 0;
  }

  // ---------------------------------------------------------------- status

  /** The Up members this node's clustered system reaches (none while it is not in it). */
  @Override
  public Set<String> reachableHosts() {
    return runtime.upHosts();
  }

  @Override
  public String replicaProblem() {
    return node.replicaProblem();
  }

  @Override
  public NodeStatus status() {
    return runtime.status();
  }

  @Override
  public CompletionStage<ClusterView> clusterStatus() {
    ReplicaState s = node.replicaState();
    Map<Integer, String> members = s.kms().membership().nodes();
    ClusterRuntime.Handle h = runtime.current().orElse(null);
    Map<String, ActorRef<ReplicaLog.Command>> endpoints =
        h != null && PekkoMembers.selfUp(h.system()) ? PeerTracker.reachable(h.system()) : Map.of();
    Map<Integer, NodeStatus> up = new TreeMap<>();
    Map<Integer, String> down = new TreeMap<>();
    List<CompletableFuture<Void>> asks = new ArrayList<>();
    members.forEach(
        (id, host) -> {
          if (id == s.selfId()) {
            up.put(id, status());
            return;
          }
          ActorRef<ReplicaLog.Command> endpoint = endpoints.get(host);
          if (endpoint == null) {
            down.put(id, host);
            return;
          }
          asks.add(
              Asks.bounded(
                      AskPattern.<ReplicaLog.Command, ReplicaEndpoint.StatusReply>ask(
                          endpoint,
                          ReplicaEndpoint.StatusRequest::new,
                          Duration.ofMillis(STATUS_TIMEOUT_MILLIS),
                          scheduler()),
                      Duration.ofMillis(STATUS_TIMEOUT_MILLIS))
                  .handle(
                      (reply, error) -> {
                        synchronized (up) {
                          if (reply != null) {
                            up.put(id, reply.status());
                          } else {
                            down.put(id, host);
                          }
                        }
                        return null;
                      }));
        });
    return CompletableFuture.allOf(asks.toArray(new CompletableFuture[0]))
        .thenApply(
            done -> {
              synchronized (up) {
                return new KmsNode.ClusterView(Map.copyOf(up), Map.copyOf(down));
              }
            });
  }

  // ---------------------------------------------------------------- edit

  @Override
  public CompletionStage<Void> editCluster(Set<Integer> removeIds) {
    Map<Integer, String> before = node.replicaState().kms().membership().nodes();
    return node.editCluster(removeIds)
        .thenRun(
            () -> {
              ClusterRuntime.LeaderInfo local = runtime.localLeader();
              if (local != null) {
                local.leader().tell(new Leader.MembersRemoved(Set.copyOf(removeIds)));
              }
              runtime
                  .current()
                  .ifPresent(
                      h -> {
                        Cluster cluster = Cluster.get(h.system());
                        for (Member m : cluster.state().getMembers()) {
                          String host = PekkoMembers.hostOf(m).orElse("");
                          for (int id : removeIds) {
                            if (host.equals(before.get(id))) {
                              cluster.manager().tell(new Down(m.address()));
                            }
                          }
                        }
                      });
            });
  }

  // ---------------------------------------------------------------- internode

  @Override
  public Identity internodeIdentity() {
    return internodeIdentity;
  }

  @Override
  public ProbeResult probe(byte[] nonce) {
    return probe(nonce, "");
  }

  /**
   * {@inheritDoc}
   *
   * <p>A claim is fed to {@link io.openkms.kms.lifecycle.Claim} first (a fresh node claimed by
   * another cluster answers "joining" from now on; one with writes of its own is not admitted).
   */
  @Override
  public ProbeResult probe(byte[] nonce, String claimant) {
    runtime.claimed(claimant);
    ReplicaState s = node.replicaState();
    KmsState kms = s.kms();
    return new ProbeResult(
        runtime.settings().host(),
        kms.membership().clusterId(),
        s.selfId(),
        s.lastIndex(),
        s.fresh(),
        s.removed(),
        runtime.inCluster(),
        runtime.settings().address(),
        Map.copyOf(kms.membership().nodes()),
        runtime.upHosts(),
        StateDigest.of(kms),
        runtime.proof().prove(nonce, runtime.settings().host()));
  }

  @Override
  public CompletionStage<Void> join(JoinInstruction instruction) {
    ReplicaState s = node.replicaState();
    if (!s.fresh()) {
      return CompletableFuture.failedFuture(
          ApiError.notFresh(runtime.settings().host(), s.lastIndex()));
    }
    return runtime.joinAs(instruction);
  }
}
