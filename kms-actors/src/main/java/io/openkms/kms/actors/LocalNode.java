package io.openkms.kms.actors;

import io.openkms.kms.domain.ApiError;
import io.openkms.kms.domain.Change;
import io.openkms.kms.domain.KmsException;
import io.openkms.kms.domain.KmsState;
import io.openkms.kms.domain.Membership;
import io.openkms.kms.domain.Quotas;
import io.openkms.kms.lifecycle.CommitWatch;
import io.openkms.kms.lifecycle.LifecycleTimeouts;
import io.openkms.kms.lifecycle.NodeStart;
import io.openkms.kms.replication.Event;
import io.openkms.kms.replication.LeaderConfig;
import io.openkms.kms.replication.LeaderRole;
import io.openkms.kms.replication.MessageBudget;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.OptionalInt;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Consumer;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.Props;
import org.apache.pekko.actor.typed.javadsl.ActorContext;
import org.apache.pekko.actor.typed.javadsl.AskPattern;

/**
 * A node's replica — its {@link ReplicaLog} and the published state — and, for a single-node setup,
 * its {@link Leader}. {@link #start} recovers the log, bootstraps a fresh node (first entry {@link
 * Change.InitCluster} with a new cluster ID and this node's host as node 0) and refuses a node
 * whose {@code host} is not a member, or whose removal is final: {@code server not part of cluster}
 * (deployment guide, troubleshooting). A node whose own removal is in doubt starts as a replica
 * that serves nothing (503 {@code server not part of cluster}) until it learns the removal
 * committed ({@link NodeStart}, issue 12).
 *
 * <p>A clustered node ({@code io.openkms.kms.cluster}) starts with {@code keepLeader = false}: the
 * local leader only bootstraps a fresh node and then stops; the cluster singleton leads.
 */
public final class LocalNode implements KmsNode {

  /** Message of a start whose {@code --host} is not in the cluster definition. */
  public static final String NOT_PART_OF_CLUSTER = ApiError.NOT_PART_OF_CLUSTER.message();

  private final ActorSystem<?> system;
  private final String host;
  private final Duration writeTimeout;
  private final AtomicReference<ReplicaState> replica;
  private final ActorRef<ReplicaLog.Command> log;
  private final ReplicaMonitor monitor;
  private final AtomicReference<ActorRef<Leader.Command>> leader = new AtomicReference<>();
  private final List<Consumer<Event>> listeners = new CopyOnWriteArrayList<>();
  private final long startedNanos = System.nanoTime();
  private final AtomicReference<CommitWatch> commits = new AtomicReference<>(CommitWatch.CLEAR);
  private final WireSize wireSize;
  private volatile long maxChangeBytes = MessageBudget.DEFAULT_MAX_CHANGE_BYTES;
  private volatile Quotas quotas = Quotas.DEFAULT;
  private volatile LeaderProgress leaderProgress;

  private LocalNode(
      ActorSystem<?> system,
      String host,
      Duration writeTimeout,
      AtomicReference<ReplicaState> replica,
      ActorRef<ReplicaLog.Command> log,
      ReplicaMonitor monitor) {
    this.system = system;
    this.host = host;
    this.writeTimeout = writeTimeout;
    this.replica = replica;
    this.log = log;
    this.monitor = monitor;
    this.wireSize = WireSize.of(system);
  }

  /**
   * Starts a single-node setup: {@link #start(ActorSystem, String, Duration, boolean)} with {@code
   * keepLeader = true}.
   */
  public static CompletionStage<LocalNode> start(
      ActorSystem<?> system, String host, Duration writeTimeout) {
    return start(system, host, writeTimeout, true);
  }

  /**
   * Starts the node's actors in {@code system} (whose persistence plugin is the node's sealed
   * store) and waits for recovery and, on a fresh node, for the bootstrap entry.
   *
   * @param host this node's {@code host:port} (its name in the cluster)
   * @param writeTimeout bound on a write, default 10 s
   * @param keepLeader keep the local leader after the start (single-node setup); false when the
   *     cluster singleton leads
   * @return the running node, or fails with {@link IllegalStateException} {@code server not part of
   *     cluster} when the recovered membership does not name {@code host} or this node was removed
   */
  public static CompletionStage<LocalNode> start(
      ActorSystem<?> system, String host, Duration writeTimeout, boolean keepLeader) {
    return start(system, host, writeTimeout, keepLeader, LifecycleTimeouts.DEFAULTS);
  }

  /**
   * As {@link #start(ActorSystem, String, Duration, boolean)}, with the lifecycle timeouts of the
   * node's machines (the replica's restart rules, the leader's join bounds).
   */
  public static CompletionStage<LocalNode> start(
      ActorSystem<?> system,
      String host,
      Duration writeTimeout,
      boolean keepLeader,
      LifecycleTimeouts timeouts) {
    AtomicReference<ReplicaState> published = new AtomicReference<>();
    CompletableFuture<ReplicaState> recovered = new CompletableFuture<>();
    AtomicReference<LocalNode> self = new AtomicReference<>();
    ReplicaMonitor monitor = ReplicaMonitor.system(timeouts);
    ActorRef<ReplicaLog.Command> log =
        system.systemActorOf(
            ReplicaLog.create(
                state -> {
                  published.set(state);
                  recovered.complete(state);
                },
                event -> {
                  LocalNode node = self.get();
                  if (node != null) {
                    node.listeners.forEach(l -> l.accept(event));
                  }
                },
                EntryReader.journal(system),
                monitor),
            "replica-log",
            Props.empty());
    LocalNode node = new LocalNode(system, host, writeTimeout, published, log, monitor);
    self.set(node);
    return recovered
        .thenCompose(
            state -> {
              Membership m = state.kms().membership();
              // the rule: io.openkms.kms.lifecycle.NodeStart (issue 12: a removal in doubt starts
              // as a non-serving replica, ReplicaState.removed() answers 503 to every request)
              NodeStart.Decision decision =
                  NodeStart.decide(
                      m.initialized(),
                      m.nodeId(host).isPresent(),
                      state.hardState(),
                      state.selfId());
              if (decision == NodeStart.Decision.REFUSE) {
                return CompletableFuture.<LocalNode>failedFuture(
                    new IllegalStateException(NOT_PART_OF_CLUSTER));
              }
              if (keepLeader || !m.initialized()) {
                node.leader.set(
                    system.systemActorOf(
                        ReplicaMonitor.restarting(
                            timeouts, Leader.create(node.new LocalEnv(recovered))),
                        "leader",
                        Props.empty()));
              }
              if (!m.initialized()) {
                return node.write(new Change.InitCluster(UUID.randomUUID().toString(), host))
                    .thenApply(i -> node);
              }
              return CompletableFuture.completedFuture(node);
            })
        .thenApply(
            n -> {
              if (!keepLeader) {
                n.stopLeader();
              }
              return n;
            });
  }

  /** The leader's environment on a single node: its own replica is its only peer. */
  private final class LocalEnv implements LeaderEnv {
    private final CompletionStage<ReplicaState> recovered;

    LocalEnv(CompletionStage<ReplicaState> recovered) {
      this.recovered = recovered;
    }

    @Override
    public ReplicaState ownState() {
      return replica.get();
    }

    @Override
    public String selfHost() {
      return host;
    }

    @Override
    public LeaderConfig config() {
      return leaderConfig(writeTimeout);
    }

    @Override
    public LifecycleTimeouts timeouts() {
      return monitor.timeouts();
    }

    @Override
    public long maxChangeBytes() {
      return maxChangeBytes;
    }

    @Override
    public Quotas quotas() {
      return quotas;
    }

    @Override
    public void trackPeers(ActorContext<Leader.Command> ctx) {
      ActorRef<Leader.Command> me = ctx.getSelf();
      recovered.thenRun(() -> me.tell(new Leader.PeersChanged(Map.of(host, log))));
    }

    @Override
    public CompletionStage<Void> prepareJoin(String joiner, int nodeId, KmsState state) {
      return CompletableFuture.failedFuture(ApiError.notClustered("CLUSTER:ADDNODE"));
    }

    @Override
    public void progress(LeaderProgress progress) {
      publishLeaderProgress(progress);
    }

    @Override
    public void roleChanged(ActorRef<Leader.Command> who, long term, LeaderRole role) {}
  }

  /**
   * The progress of the serving leader hosted on this node, as it published it last (about every
   * 100 ms); null when no leader serves here.
   */
  public LeaderProgress leaderProgress() {
    return leaderProgress;
  }

  /** Records the progress a leader hosted on this node publishes ({@link LeaderEnv#progress}). */
  public void publishLeaderProgress(LeaderProgress progress) {
    this.leaderProgress = progress;
  }

  /**
   * The limits of the replication machine for a write timeout: resend every 500 ms, 1 000 queued
   * writes, 64 entries per message, {@value LeaderConfig#DEFAULT_APPENDS_IN_FLIGHT} appends in
   * flight per member.
   */
  public static LeaderConfig leaderConfig(Duration writeTimeout) {
    return new LeaderConfig(
        writeTimeout.toMillis(), 500, 1_000, 64, LeaderConfig.DEFAULT_APPENDS_IN_FLIGHT);
  }

  /**
   * The largest serialized change this node accepts ({@code limits: max_change_size} of the config
   * file; default {@link MessageBudget#DEFAULT_MAX_CHANGE_BYTES}).
   */
  public long maxChangeBytes() {
    return maxChangeBytes;
  }

  /**
   * Sets {@link #maxChangeBytes()}; a leader started afterwards uses it.
   *
   * @param bytes at least 1 and at most {@link MessageBudget#MAX_MESSAGE_BYTES}
   * @throws IllegalArgumentException if out of range
   */
  public void setMaxChangeBytes(long bytes) {
    new MessageBudget<LogCommand>(bytes, MessageBudget.MAX_MESSAGE_BYTES, c -> 0); // validates
    this.maxChangeBytes = bytes;
  }

  /** The quotas this node's leader admits writes with ({@code limits:}; default: DEFAULT). */
  @Override
  public Quotas quotas() {
    return quotas;
  }

  /** Sets {@link #quotas()}; a leader on this node uses them from its next write on. */
  public void setQuotas(Quotas quotas) {
    this.quotas = java.util.Objects.requireNonNull(quotas, "quotas");
  }

  /**
   * Checks that {@code change} can cross the wire to the leader and the members (serializable, at
   * most {@link #maxChangeBytes()}), before it is sent anywhere.
   *
   * @throws KmsException 400 {@code change too large: … (limits: max_change_size)} or 400 {@code
   *     change cannot be replicated: <reason>}
   */
  public void checkChange(Change change) {
    wireSize.check(
        new LogCommand(change, change instanceof Change.AddNode ? 0 : LogCommand.NO_NODE),
        new MessageBudget<>(maxChangeBytes, MessageBudget.MAX_MESSAGE_BYTES, wireSize::bytes));
  }

  /** Stops the local leader (the cluster singleton takes over). */
  public void stopLeader() {
    ActorRef<Leader.Command> l = leader.getAndSet(null);
    if (l != null) {
      l.tell(Leader.Stop.INSTANCE);
    }
  }

  /**
   * The latest applied state.
   *
   * @throws KmsException 503 {@code server not part of cluster} once this node was removed: a node
   *     that is not a member serves nothing (docs/ARCHITECTURE.md §3 invariant 5)
   */
  @Override
  public KmsState state() {
    ReplicaState s = replica.get();
    if (s.removed()) {
      throw ApiError.NOT_PART_OF_CLUSTER.exception();
    }
    return s.kms();
  }

  /** The latest applied replica state (log position, hard state), removed or not. */
  public ReplicaState replicaState() {
    return replica.get();
  }

  /** This node's replica log (the cluster layer delivers the leader's messages to it). */
  public ActorRef<ReplicaLog.Command> replicaLog() {
    return log;
  }

  /** This node's local actor system. */
  public ActorSystem<?> system() {
    return system;
  }

  /** The bound on a write. */
  public Duration writeTimeout() {
    return writeTimeout;
  }

  /** Registers a listener of the replica's events (e.g. this node's removal). */
  public void onEvent(Consumer<Event> listener) {
    listeners.add(listener);
  }

  /** The health of this node's replica log (issue 12, "Supervision"). */
  public ReplicaMonitor replicaMonitor() {
    return monitor;
  }

  /**
   * 503 {@code cannot commit write: node <id> (<host>) cannot journal writes: <problem>} if this
   * node's replica log is not healthy now; null if it is.
   */
  public KmsException replicaDown() {
    String problem = monitor.problem();
    if (problem.isEmpty()) {
      return null;
    }
    ReplicaState s = replica.get();
    int id = s.kms().membership().nodeId(host).orElse(s.selfId());
    return ApiError.cannotJournal(id, host, problem);
  }

  @Override
  public CompletionStage<Long> write(Change change) {
    ActorRef<Leader.Command> l = leader.get();
    if (l == null) {
      return CompletableFuture.failedFuture(ApiError.noLeaderKnown()); // sent nowhere: failed
    }
    KmsException down = replicaDown();
    if (down != null) {
      return CompletableFuture.failedFuture(down);
    }
    Duration bound = writeTimeout.plusSeconds(5);
    return watchCommit(
        Asks.bounded(
                AskPattern.<Leader.Command, Leader.WriteResult>ask(
                    l,
                    replyTo -> new Leader.ClientWrite(change, replyTo),
                    bound,
                    system.scheduler()),
                bound)
            // on the completing thread: Pekko's stage would run handle on a new thread per
            // write where the common pool has fewer than two threads (docs/PERFORMANCE.md)
            .handleAsync((result, error) -> answer(result, error, bound), Runnable::run));
  }

  /**
   * The index of the write the leader committed; its error; or, when its answer did not come within
   * {@code bound} (the write is in the leader's mailbox), 503 {@link ApiError#leaderInDoubt}.
   */
  static long answer(Leader.WriteResult result, Throwable error, Duration bound) {
    if (error != null) {
      Throwable cause = Asks.cause(error);
      if (cause instanceof java.util.concurrent.TimeoutException) {
        throw ApiError.leaderInDoubt(bound.toMillis());
      }
      throw cause instanceof RuntimeException r
          ? r
          : new java.util.concurrent.CompletionException(cause);
    }
    return committed(result);
  }

  /**
   * Records the outcome of one client write this node took in its {@link CommitWatch} (a commit, or
   * a 503 {@code cannot commit write: …} or an unanswered ask) and returns {@code write}'s outcome
   * unchanged.
   */
  public <T> CompletionStage<T> watchCommit(CompletionStage<T> write) {
    return write.whenComplete(
        (value, error) -> {
          if (error == null) {
            if (commits.get() != CommitWatch.CLEAR) {
              commits.set(CommitWatch.CLEAR);
            }
            return;
          }
          Throwable cause = Asks.cause(error);
          long now = ReplicaMonitor.monotonicMillis();
          long applied = replica.get().kms().commitIndex();
          if (cause instanceof KmsException k
              && CommitWatch.isCommitFailure(k.status(), k.getMessage())) {
            commits.updateAndGet(w -> w.failed(now, k.getMessage(), applied));
          } else if (cause instanceof java.util.concurrent.TimeoutException) {
            // an unanswered ask was sent: in doubt
            String why = "no answer from the leader" + ApiError.IN_DOUBT + "it may commit)";
            commits.updateAndGet(w -> w.failed(now, why, applied));
          }
        });
  }

  /**
   * What {@code CLUSTER:STATUS} reports as this node's health ({@code minkms stat}): why its
   * replica log cannot journal writes, else why its writes did not commit lately ({@link
   * CommitWatch#problem}), else {@code ""}.
   */
  public String statusProblem() {
    String note = removalNote;
    if (!note.isEmpty()) {
      return note;
    }
    String replica = monitor.problem();
    return replica.isEmpty()
        ? commits
            .get()
            .problem(ReplicaMonitor.monotonicMillis(), this.replica.get().kms().commitIndex())
        : replica;
  }

  /** The index of a committed write, or the write's error. */
  static long committed(Leader.WriteResult result) {
    if (!result.ok()) {
      throw result.error();
    }
    return result.index();
  }

  @Override
  public boolean writable() {
    return leader.get() != null && !replica.get().removed() && monitor.healthy();
  }

  @Override
  public String replicaProblem() {
    return monitor.problem();
  }

  @Override
  public NodeStatus status() {
    ReplicaState s = replica.get();
    Membership m = s.kms().membership();
    int id = m.nodeId(host).orElse(s.selfId());
    return new NodeStatus(
        id,
        host,
        "Leader",
        id,
        s.lastIndex(),
        uptimeMillis(),
        0,
        m.nodes(),
        NodeSystem.current("", 0, 0),
        statusProblem());
  }

  /**
   * What a node whose own removal is in doubt is waiting for (issue 12, {@code
   * lifecycle.RemovalCheck}): shown as its status problem ({@code minkms stat}); empty clears it.
   *
   * @param note one line, e.g. {@code removal in doubt: no member answered}
   */
  public void removalNote(String note) {
    removalNote = note == null ? "" : note;
  }

  private volatile String removalNote = "";

  /** Milliseconds since this node started. */
  public long uptimeMillis() {
    return TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - startedNanos);
  }

  @Override
  public CompletionStage<ClusterView> clusterStatus() {
    NodeStatus self = status();
    return CompletableFuture.completedFuture(new ClusterView(Map.of(self.id(), self), Map.of()));
  }

  @Override
  public CompletionStage<Long> removeNode(String member) {
    OptionalInt id = replica.get().kms().membership().nodeId(member);
    if (id.isEmpty()) {
      return CompletableFuture.failedFuture(ApiError.hostNotFound(member));
    }
    return write(Change.RemoveNode.of(id.getAsInt()));
  }

  @Override
  public CompletionStage<Void> editCluster(Set<Integer> removeIds) {
    ReplicaState s = replica.get();
    try {
      checkEdit(s, removeIds);
    } catch (KmsException e) {
      return CompletableFuture.failedFuture(e);
    }
    return Asks.bounded(
            AskPattern.<ReplicaLog.Command, ReplicaState>ask(
                log,
                replyTo -> new ReplicaLog.Edit(Set.copyOf(removeIds), replyTo),
                Duration.ofSeconds(10),
                system.scheduler()),
            Duration.ofSeconds(10))
        .thenAccept(
            applied -> {
              ActorRef<Leader.Command> l = leader.get();
              if (l != null) {
                l.tell(new Leader.MembersRemoved(Set.copyOf(removeIds)));
              }
            });
  }

  /**
   * Marks this node removed without a log entry: another member's cluster definition no longer
   * lists it (it was dropped with {@code edit --rm} while it was away). From then on it serves
   * nothing (invariant 5) and fails to start with {@code server not part of cluster}.
   */
  public void markRemoved() {
    ReplicaState s = replica.get();
    if (s.removed()) {
      return; // removed by a log entry: it leaves once that entry is known committed (issue 12)
    }
    log.tell(new ReplicaLog.Edit(Set.of(s.selfId()), system.ignoreRef()));
  }

  /**
   * Checks an {@code edit --rm}: at least one id, each a member, never this node itself.
   *
   * @throws KmsException 400 {@code kms: no node id to remove}, 404 {@code kms: node <id> is not
   *     part of the cluster}, 400 {@code kms: cannot remove node <id>: it is the node being edited}
   */
  public static void checkEdit(ReplicaState s, Set<Integer> removeIds) {
    if (removeIds.isEmpty()) {
      throw ApiError.NO_NODE_TO_REMOVE.exception();
    }
    for (int id : removeIds) {
      if (!s.kms().membership().nodes().containsKey(id)) {
        throw ApiError.nodeNotFound(id);
      }
      if (id == s.selfId()) {
        throw ApiError.cannotRemoveSelf(id);
      }
    }
  }

  /** This node's host:port. */
  public String host() {
    return host;
  }
}
