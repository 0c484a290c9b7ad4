package io.openkms.kms.actors;

import io.openkms.kms.actors.ReplicationMessages.ToLeader;
import io.openkms.kms.actors.ReplicationMessages.ToReplicaEnvelope;
import io.openkms.kms.domain.ApiError;
import io.openkms.kms.domain.Change;
import io.openkms.kms.domain.KmsException;
import io.openkms.kms.lifecycle.LeaderWrites;
import io.openkms.kms.lifecycle.RemovalCheck;
import io.openkms.kms.replication.Event;
import io.openkms.kms.replication.LeaderInput;
import io.openkms.kms.replication.LeaderRole;
import io.openkms.kms.replication.LeaderStateMachine;
import io.openkms.kms.replication.MembershipChanged;
import io.openkms.kms.replication.Message;
import io.openkms.kms.replication.MessageBudget;
import io.openkms.kms.replication.Output;
import io.openkms.kms.replication.Reply;
import io.openkms.kms.replication.Send;
import io.openkms.kms.replication.WriteOutcome;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.OptionalInt;
import java.util.Set;
import java.util.SortedSet;
import java.util.TreeMap;
import java.util.TreeSet;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.PostStop;
import org.apache.pekko.actor.typed.javadsl.AbstractBehavior;
import org.apache.pekko.actor.typed.javadsl.ActorContext;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.actor.typed.javadsl.Receive;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The leader of the write path (docs/ARCHITECTURE.md §3): the actor shell around a {@link
 * LeaderStateMachine}. On the clustered node it runs as the Pekko Cluster Singleton; a single-node
 * setup runs it next to its replica. It translates and executes; the machine decides terms,
 * indexes, who must acknowledge and what to re-send.
 *
 * <p>What the actor adds around the machine:
 *
 * <ul>
 *   <li><b>Writes</b> ({@link LeaderWrites}, which decides): each client write is validated against
 *       the projected state and the node's {@link LeaderEnv#quotas() quotas} before it gets an
 *       index (the actor adds the check that its entry fits the wire, {@link WireSize}); while the
 *       leader takes over, writes wait up to the write timeout unless a member is known
 *       unreachable.
 *   <li><b>Takeover.</b> A new leader takes the term above everything its node promised (or a
 *       member reported) and waits until the machine serves. A leader that steps down starts again
 *       with a higher term.
 *   <li><b>Reachability.</b> {@link PeersChanged} (from the environment) names the members that can
 *       be reached now; the machine hears {@code MemberUnreachable}/{@code MemberReachable}.
 *   <li><b>Adding a node</b> ({@link AddNode}), carried out by {@link LeaderJoins}: the environment
 *       checks the node and tells it to join; once it is reachable the leader installs its own
 *       node's state on it (snapshot), then replicates the {@link Change.AddNode} entry, which
 *       commits on all members including it. The same class re-admits members that came back with
 *       an empty store.
 * </ul>
 */
public final class Leader extends AbstractBehavior<Leader.Command> {

  /** Messages of this actor (some come from other nodes, through the singleton proxy). */
  public interface Command {}

  /** A client write; replied with a {@link WriteResult}. */
  public record ClientWrite(Change change, ActorRef<WriteResult> replyTo)
      implements Command, InternodeMessage {}

  /** {@code CLUSTER:ADDNODE}: add the fresh node {@code host} ({@code host:port}). */
  public record AddNode(String host, ActorRef<WriteResult> replyTo)
      implements Command, InternodeMessage {}

  /**
   * The outcome of a write.
   *
   * @param index the committed index (0 on failure)
   * @param status 200, or the error's HTTP status
   * @param message the error message ({@code ""} on success)
   */
  public record WriteResult(long index, int status, String message) implements InternodeMessage {

    /** A committed write. */
    public static WriteResult committed(long index) {
      return new WriteResult(index, 200, "");
    }

    /** A failed write. */
    public static WriteResult failed(KmsException error) {
      return new WriteResult(0, error.status(), error.message());
    }

    /** True when the write committed. */
    public boolean ok() {
      return status == 200;
    }

    /** The failure as an exception (meaningful only when not {@link #ok()}). */
    public KmsException error() {
      return ApiError.relayed(status, message);
    }
  }

  /** The hosting node removed {@code ids} from its definition ({@code edit --rm}). */
  public record MembersRemoved(Set<Integer> ids) implements Command {}

  /**
   * The members that can be reached now: {@code host:port} → the node's replica endpoint.
   *
   * @param reachable the reachable nodes (this node included)
   */
  public record PeersChanged(Map<String, ActorRef<ReplicaLog.Command>> reachable)
      implements Command {}

  /** Stops the leader (the singleton's stop message). */
  public enum Stop implements Command {
    INSTANCE
  }

  private enum Tick implements Command {
    INSTANCE
  }

  private enum Restart implements Command {
    INSTANCE
  }

  /** The status of a node of the clustered system that this leader knew no id for. */
  private record Identified(String host, KmsNode.NodeStatus status) implements Command {}

  /** How often the machine hears the clock. */
  static final Duration TICK = Duration.ofMillis(100);

  /** How long a new leader waits after stepping down before it tries a higher term. */
  static final Duration RESTART_DELAY = Duration.ofMillis(300);

  private static final Logger LOG = LoggerFactory.getLogger(Leader.class);

  private final ActorContext<Command> ctx;
  private final LeaderEnv env;
  private final long writeTimeoutMillis;
  private final ActorRef<ToLeader> replies;
  private final WireSize wireSize;

  private LeaderStateMachine<LogCommand> machine;
  private long observedTerm;
  private boolean restarting;

  /** The projected state, the takeover queue and the admission of writes. */
  private final LeaderWrites<ClientWrite> writes;

  private long nextRequestId;
  private final Map<Long, ActorRef<WriteResult>> clients = new HashMap<>();
  private Map<String, ActorRef<ReplicaLog.Command>> peersByHost;
  private final Map<Integer, ActorRef<ReplicaLog.Command>> refs = new TreeMap<>();
  private final Set<Integer> unreachable = new TreeSet<>();

  /**
   * Node id → host of every node this leader talked to, also after its removal was applied: a
   * removed node must still get the leader's appends until it learns that its removal committed,
   * also after a restart in that window (issue 12); dropped on {@code edit --rm}.
   */
  private final Map<Integer, String> formerHosts = new TreeMap<>();

  private final Set<Integer> promised = new TreeSet<>();

  /** Adding nodes and re-admitting members (the join under way). */
  private final LeaderJoins joins;

  /**
   * When this leader last asked a node of the clustered system that it knows no id for who it is
   * (by host): a removed node whose removal is in doubt answers with its id (issue 12).
   */
  private final Map<String, Long> identifyAskedAt = new HashMap<>();

  /** How often a node without a known id is asked again. */
  static final long IDENTIFY_INTERVAL_MILLIS = 3_000;

  /** What {@link #publishProgress()} published last (null: nothing, or that it stopped). */
  private LeaderProgress progress;

  private Leader(ActorContext<Command> ctx, LeaderEnv env) {
    super(ctx);
    this.ctx = ctx;
    this.env = env;
    this.writeTimeoutMillis = env.config().writeTimeoutMillis();
    this.replies = ctx.getSelf().narrow();
    this.wireSize = WireSize.of(ctx.getSystem());
    this.writes = new LeaderWrites<>(env::quotas, writeTimeoutMillis);
    this.joins = new LeaderJoins(ctx, env, writes, new Leading());
  }

  /** The byte bounds of this leader's messages and of one change ({@code limits:}). */
  private MessageBudget<LogCommand> budget() {
    return new MessageBudget<>(
        env.maxChangeBytes(), MessageBudget.MAX_MESSAGE_BYTES, wireSize::bytes);
  }

  /**
   * Creates the leader. It starts taking over at the first {@link PeersChanged}.
   *
   * @param env the hosting node
   * @return the behavior
   */
  public static Behavior<Command> create(LeaderEnv env) {
    return Behaviors.setup(
        ctx ->
            Behaviors.withTimers(
                timers -> {
                  timers.startTimerWithFixedDelay(Tick.INSTANCE, TICK);
                  Leader leader = new Leader(ctx, env);
                  env.trackPeers(ctx);
                  return leader;
                }));
  }

  @Override
  public Receive<Command> createReceive() {
    return newReceiveBuilder()
        .onMessage(ClientWrite.class, this::onClientWrite)
        .onMessage(
            AddNode.class,
            add -> {
              joins.onAddNode(add);
              return this;
            })
        .onMessage(ToLeader.class, this::onReplica)
        .onMessage(PeersChanged.class, this::onPeersChanged)
        .onMessage(MembersRemoved.class, this::onMembersRemoved)
        .onMessage(
            LeaderJoins.Message.class,
            m -> {
              joins.on(m);
              return this;
            })
        .onMessage(Identified.class, this::onIdentified)
        .onMessageEquals(Tick.INSTANCE, this::onTick)
        .onMessageEquals(
            Restart.INSTANCE,
            () -> {
              restarting = false;
              startMachine();
              return this;
            })
        .onMessageEquals(Stop.INSTANCE, Behaviors::stopped)
        .onSignal(PostStop.class, signal -> onStop())
        .build();
  }

  // ---------------------------------------------------------------- lifecycle

  private void startMachine() {
    ReplicaState own = env.ownState();
    if (own.removed()) {
      LOG.warn("this node was removed from the cluster: it does not lead");
      return;
    }
    long term = Math.max(own.promisedTerm(), observedTerm) + 1;
    machine =
        new LeaderStateMachine<>(
            own.selfId(), term, own.members(), LogCommand.RULE, env.config(), budget());
    writes.stop();
    unreachable.clear();
    promised.clear();
    LOG.info(
        "taking over as leader of term {} (node {}, members {})",
        term,
        own.selfId(),
        own.members());
    env.roleChanged(ctx.getSelf(), term, LeaderRole.TAKING_OVER);
    execute(machine.start(now()));
    syncReachability();
  }

  private Behavior<Command> onStop() {
    KmsException gone = ApiError.LEADER_GONE.exception();
    clients.values().forEach(c -> c.tell(WriteResult.failed(gone)));
    clients.clear();
    writes.drain().forEach(w -> w.replyTo().tell(WriteResult.failed(gone)));
    joins.abandon(gone);
    env.roleChanged(ctx.getSelf(), machine == null ? observedTerm : machine.term(), null);
    if (progress != null) {
      env.progress(null);
    }
    return this;
  }

  // ---------------------------------------------------------------- executing outputs

  private void execute(Output<LogCommand> out) {
    for (Send<LogCommand> send : out.send()) {
      ActorRef<ReplicaLog.Command> ref = refs.get(send.to());
      if (ref != null
          && !unreachable.contains(send.to())
          && send.message() instanceof Message.ToReplica<LogCommand> m) {
        ref.tell(new ToReplicaEnvelope(ReplicationMessages.wire(m), replies));
      }
    }
    for (Reply reply : out.replies()) {
      ActorRef<WriteResult> client = clients.remove(reply.requestId());
      if (client != null) {
        client.tell(result(reply.outcome()));
      }
    }
    for (Event event : out.events()) {
      if (event instanceof Event.BecameServing s) {
        onServing(s);
      } else if (event instanceof Event.SteppedDown down) {
        onSteppedDown(down);
      }
    }
  }

  private WriteResult result(WriteOutcome outcome) {
    if (outcome instanceof WriteOutcome.Committed c) {
      return WriteResult.committed(c.index());
    }
    if (outcome instanceof WriteOutcome.Unavailable u) {
      return WriteResult.failed(
          u.assignedIndex() > 0
              ? ApiError.notAcknowledged(
                  u.unreachableMemberIds(), hosts(), writeTimeoutMillis, true)
              : ApiError.unreachable(u.unreachableMemberIds(), hosts()));
    }
    return WriteResult.failed(ApiError.LEADER_GONE.exception());
  }

  private void onServing(Event.BecameServing s) {
    ReplicaState own = env.ownState();
    if (own.lastIndex() != s.commitIndex()) {
      LOG.warn(
          "serving at commit {} while this node's replica is at {}",
          s.commitIndex(),
          own.lastIndex());
    }
    List<ClientWrite> queued = writes.serve(own.kms());
    LOG.info("leader of term {} serves writes from commit index {}", s.term(), s.commitIndex());
    env.roleChanged(ctx.getSelf(), s.term(), LeaderRole.SERVING);
    queued.forEach(this::onClientWrite);
  }

  /** Publishes the machine's progress while it serves, null once when it stops serving. */
  private void publishProgress() {
    LeaderProgress now =
        machine == null || !writes.serving()
            ? null
            : new LeaderProgress(
                machine.term(), machine.lastIndex(), machine.commitIndex(), machine.matchIndexes());
    if (now != null || progress != null) {
      progress = now;
      env.progress(now);
    }
  }

  private void onSteppedDown(Event.SteppedDown down) {
    LOG.warn(
        "leader of term {} steps down ({}; a member knows term {})",
        down.term(),
        down.reason(),
        down.observedTerm());
    observedTerm = Math.max(observedTerm, down.observedTerm());
    env.roleChanged(ctx.getSelf(), down.term(), LeaderRole.STEPPED_DOWN);
    machine = null;
    writes.stop();
    publishProgress();
    joins.abandon(ApiError.LEADER_GONE.exception());
    if (!restarting) {
      restarting = true;
      ctx.scheduleOnce(RESTART_DELAY, ctx.getSelf(), Restart.INSTANCE);
    }
  }

  // ---------------------------------------------------------------- writes

  private Behavior<Command> onClientWrite(ClientWrite w) {
    if (env.ownState().removed()) {
      w.replyTo().tell(WriteResult.failed(ApiError.NOT_PART_OF_CLUSTER.exception()));
      return this;
    }
    if (!serving()) {
      Set<Integer> released = writes.release(w.change(), blockers());
      if (!released.isEmpty() && machine != null) {
        LOG.info(
            "removing unreachable node {}: the takeover of term {} no longer waits for it",
            released,
            machine.term());
        execute(machine.step(new MembershipChanged<>(released)));
      }
      KmsException refused = writes.hold(w, now(), blockers(), hosts());
      if (refused != null) {
        w.replyTo().tell(WriteResult.failed(refused));
      }
      return this;
    }
    LeaderWrites.Admitted<LogCommand> admitted;
    try {
      // the wire check: an entry that has an index must commit on every member, so one that
      // cannot cross the wire (too large, not serializable) never gets one (MessageBudget)
      admitted =
          writes.admit(
              w.change(),
              unreachable,
              (change, before) -> {
                LogCommand command = LogCommand.of(change, before);
                wireSize.check(command, budget());
                return command;
              });
    } catch (KmsException rejected) {
      w.replyTo().tell(WriteResult.failed(rejected));
      return this;
    }
    long requestId = ++nextRequestId;
    clients.put(requestId, w.replyTo());
    Output<LogCommand> out =
        machine.step(new LeaderInput.ClientWrite<>(requestId, admitted.command()));
    for (Reply reply : out.replies()) {
      if (reply.requestId() == requestId) {
        writes.refusedAtOnce(admitted, reply.outcome());
      }
    }
    execute(out);
    return this;
  }

  private boolean serving() {
    return machine != null && writes.serving();
  }

  /** The members known unreachable now (they block every write). */
  private SortedSet<Integer> blockers() {
    return writes.blockers(env.ownState().members(), unreachable);
  }

  // ---------------------------------------------------------------- replicas, peers, clock

  private Behavior<Command> onReplica(ToLeader message) {
    if (machine == null) {
      return this;
    }
    Message.ToLeader<LogCommand> m;
    try {
      m = ReplicationMessages.machine(message);
    } catch (IllegalArgumentException | NullPointerException malformed) {
      LOG.warn("dropped a malformed replica message: {}", malformed.getMessage());
      return this;
    }
    if (m instanceof LeaderInput.PromiseGranted<LogCommand> g && g.term() == machine.term()) {
      promised.add(g.from());
    }
    execute(machine.step(m));
    return this;
  }

  private Behavior<Command> onPeersChanged(PeersChanged peers) {
    boolean first = peersByHost == null;
    peersByHost = Map.copyOf(peers.reachable());
    if (first && machine == null && !restarting) {
      startMachine();
    } else {
      syncReachability();
    }
    joins.maybeInstall();
    return this;
  }

  /** Tells the machine which members became (un)reachable since it last heard. */
  private void syncReachability() {
    if (machine == null || peersByHost == null) {
      return;
    }
    Map<Integer, String> hosts = peerHosts();
    refs.clear();
    hosts.forEach(
        (id, host) -> {
          ActorRef<ReplicaLog.Command> ref = peersByHost.get(host);
          if (ref != null) {
            refs.put(id, ref);
          }
        });
    for (int id : hosts.keySet()) {
      boolean reachable = refs.containsKey(id);
      if (!reachable && unreachable.add(id) && machine != null) {
        execute(machine.step(new LeaderInput.MemberUnreachable<>(id)));
      } else if (reachable && unreachable.remove(id) && machine != null) {
        execute(machine.step(new LeaderInput.MemberReachable<>(id)));
      }
    }
  }

  /**
   * {@link #hosts()} and the removed nodes this leader knew (their removal may not be confirmed:
   * the machine decides what they still get), unless their host now names another member.
   */
  private Map<Integer, String> peerHosts() {
    Map<Integer, String> hosts = hosts();
    formerHosts.putAll(hosts);
    for (Map.Entry<Integer, String> former : formerHosts.entrySet()) {
      if (!hosts.containsKey(former.getKey()) && !hosts.containsValue(former.getValue())) {
        hosts.put(former.getKey(), former.getValue());
      }
    }
    return hosts;
  }

  /**
   * Asks the nodes of the clustered system that this leader has no id for who they are, each at
   * most every {@link #IDENTIFY_INTERVAL_MILLIS}: the replicated membership keeps no host for a
   * removed id, so a leader elected after a removal cannot otherwise reach the removed node whose
   * removal is still in doubt, and a takeover that needs its promise would wait for ever (issue
   * 12).
   */
  private void identifyUnknown(long now) {
    if (machine == null || peersByHost == null) {
      return;
    }
    Map<Integer, String> hosts = peerHosts();
    identifyAskedAt.keySet().retainAll(peersByHost.keySet());
    for (String host : peersByHost.keySet()) {
      Long asked = identifyAskedAt.get(host);
      if (hosts.containsValue(host) || (asked != null && now - asked < IDENTIFY_INTERVAL_MILLIS)) {
        continue;
      }
      identifyAskedAt.put(host, now);
      ctx.pipeToSelf(
          env.statusOf(host),
          (status, error) -> new Identified(host, error == null ? status.orElse(null) : null));
    }
  }

  /** Addresses a node that says its own removal is in doubt ({@link RemovalCheck}). */
  private Behavior<Command> onIdentified(Identified identified) {
    KmsNode.NodeStatus status = identified.status();
    if (status == null || status.removal() == null || machine == null) {
      return this;
    }
    KmsNode.RemovalState removal = status.removal();
    OptionalInt id =
        RemovalCheck.inDoubtEndpoint(
            identified.host(),
            status.id(),
            status.host(),
            removal.removed(),
            removal.unconfirmedRemovals(),
            hosts());
    if (id.isEmpty()
        || formerHosts.containsKey(id.getAsInt())
        || env.ownState().hardState().evictedIds().contains(id.getAsInt())) {
      return this;
    }
    LOG.info(
        "node {} at {} applied its own removal and does not know it committed: addressing it",
        id.getAsInt(),
        identified.host());
    formerHosts.put(id.getAsInt(), identified.host());
    syncReachability();
    return this;
  }

  /** Node id → host of every node this leader may talk to (members, this node, a joiner). */
  private Map<Integer, String> hosts() {
    ReplicaState own = env.ownState();
    Map<Integer, String> hosts = new TreeMap<>(own.kms().membership().nodes());
    if (writes.serving()) {
      hosts.putAll(writes.projected().membership().nodes());
    }
    hosts.putIfAbsent(own.selfId(), env.selfHost());
    joins.addJoiner(hosts);
    return hosts;
  }

  private Behavior<Command> onMembersRemoved(MembersRemoved removed) {
    formerHosts.keySet().removeAll(removed.ids());
    if (machine != null) {
      execute(machine.step(new MembershipChanged<>(removed.ids())));
    }
    writes.membersRemoved(removed.ids());
    syncReachability();
    return this;
  }

  private Behavior<Command> onTick() {
    long now = now();
    if (machine != null) {
      execute(machine.step(new LeaderInput.Tick<>(now)));
    }
    identifyUnknown(now);
    publishProgress();
    List<ClientWrite> late = writes.expired(now);
    if (!late.isEmpty()) {
      ReplicaState own = env.ownState();
      KmsException timeout = writes.takeoverTimeout(own.members(), own.selfId(), promised, hosts());
      late.forEach(w -> w.replyTo().tell(WriteResult.failed(timeout)));
    }
    joins.tick(now);
    return this;
  }

  /** The leader's clock: monotonic milliseconds. */
  static long now() {
    return System.nanoTime() / 1_000_000;
  }

  /** What {@link LeaderJoins} needs of this leader. */
  private final class Leading implements LeaderJoins.Leading {

    @Override
    public boolean serving() {
      return Leader.this.serving();
    }

    @Override
    public LeaderStateMachine<LogCommand> machine() {
      return machine;
    }

    @Override
    public void execute(Output<LogCommand> out) {
      Leader.this.execute(out);
    }

    @Override
    public void write(ClientWrite write) {
      onClientWrite(write);
    }

    @Override
    public SortedSet<Integer> blockers() {
      return Leader.this.blockers();
    }

    @Override
    public Map<Integer, String> hosts() {
      return Leader.this.hosts();
    }

    @Override
    public Map<String, ActorRef<ReplicaLog.Command>> peersByHost() {
      return peersByHost;
    }

    @Override
    public Set<Integer> unreachable() {
      return unreachable;
    }

    @Override
    public void syncReachability() {
      Leader.this.syncReachability();
    }
  }
}
