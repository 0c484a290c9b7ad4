package io.openkms.kms.actors;

import io.openkms.kms.actors.Leader.ClientWrite;
import io.openkms.kms.actors.Leader.WriteResult;
import io.openkms.kms.domain.ApiError;
import io.openkms.kms.domain.Change;
import io.openkms.kms.domain.KmsException;
import io.openkms.kms.domain.Membership;
import io.openkms.kms.lifecycle.AddNodeRequest;
import io.openkms.kms.lifecycle.LeaderWrites;
import io.openkms.kms.lifecycle.NodeJoin;
import io.openkms.kms.lifecycle.Readmission;
import io.openkms.kms.replication.LeaderInput;
import io.openkms.kms.replication.LeaderStateMachine;
import io.openkms.kms.replication.Output;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.Set;
import java.util.SortedSet;
import java.util.TreeMap;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.javadsl.ActorContext;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The {@link Leader}'s membership changes that bring a node in: {@code minkms add} ({@link
 * AddNodeRequest}), the join's steps ({@link NodeJoin}: check, wait until up, install the state,
 * write the addition) and the re-admission of members that came back with an empty store ({@link
 * Readmission}: probe, replace, evict). Part of the leader's shell, on the leader's thread: the
 * decisions are the pure machines named above; this class carries out their verdicts (asks,
 * transfers, log writes through the leader) and holds the join under way.
 *
 * <p>Its log lines use the {@link Leader}'s logger, so an operator's filters see one component.
 */
final class LeaderJoins {

  /** What the joins need of the leader (its machine, its write path, its view of the peers). */
  interface Leading {

    /** True when the leader serves writes. */
    boolean serving();

    /** The replication machine, or null while the leader restarts. */
    LeaderStateMachine<LogCommand> machine();

    /** Carries out the machine's output. */
    void execute(Output<LogCommand> out);

    /** Submits a write as a client's ({@code Leader.ClientWrite}). */
    void write(ClientWrite write);

    /** The members known unreachable now (they block every write). */
    SortedSet<Integer> blockers();

    /** Node id → host of every node the leader may talk to (without the joiner). */
    Map<Integer, String> hosts();

    /** The reachable nodes: {@code host:port} → replica endpoint; null before the first report. */
    Map<String, ActorRef<ReplicaLog.Command>> peersByHost();

    /** The member ids the leader cannot reach now. */
    Set<Integer> unreachable();

    /** Tells the machine which members became (un)reachable (e.g. the joiner is tracked now). */
    void syncReachability();
  }

  /** This class's messages to the leader (outcomes of its asks and transfers). */
  sealed interface Message extends Leader.Command
      permits JoinChecked, Probed, OldEntryRemoved, Evicted, JoinInstalled, JoinProgress {}

  private record JoinChecked(Throwable error) implements Message {}

  /** A member's answer to a re-admission probe; {@code replyTo} is null for an automatic one. */
  private record Probed(String host, Readmission.Answer answer, ActorRef<WriteResult> replyTo)
      implements Message {}

  /** The outcome of removing a member's old entry to admit it again. */
  private record OldEntryRemoved(WriteResult result) implements Message {}

  /** The outcome of evicting the old entry {@code oldId} of a member not admitted again. */
  private record Evicted(String host, int oldId, WriteResult result) implements Message {}

  private record JoinInstalled(ReplicaLog.InstallResult result, Throwable error)
      implements Message {}

  /** The joining node took a part of the state ({@link SnapshotSender.Progress}). */
  private record JoinProgress(boolean last) implements Message {}

  /**
   * A node being added: its steps and timeouts ({@link NodeJoin}), who waits for the outcome and
   * the state's sender (a stalled transfer gives up after {@link SnapshotSender#IDLE}).
   */
  private static final class Join {
    final NodeJoin steps;
    final String host;
    final List<ActorRef<WriteResult>> replyTo = new ArrayList<>();
    ActorRef<Object> sender;

    Join(NodeJoin steps, ActorRef<WriteResult> replyTo) {
      this.steps = steps;
      this.host = steps.host();
      if (replyTo != null) {
        this.replyTo.add(replyTo);
      }
    }

    void tell(WriteResult result) {
      replyTo.forEach(r -> r.tell(result));
    }
  }

  private static final Logger LOG = LoggerFactory.getLogger(Leader.class);

  private final ActorContext<Leader.Command> ctx;
  private final LeaderEnv env;
  private final LeaderWrites<ClientWrite> writes;
  private final Leading leader;
  private final Readmission readmission;
  private Join join;

  LeaderJoins(
      ActorContext<Leader.Command> ctx,
      LeaderEnv env,
      LeaderWrites<ClientWrite> writes,
      Leading leader) {
    this.ctx = ctx;
    this.env = env;
    this.writes = writes;
    this.leader = leader;
    this.readmission = new Readmission(env.timeouts());
  }

  /** Adds the node being joined to {@code hosts} while the leader must track its replica. */
  void addJoiner(Map<Integer, String> hosts) {
    if (join != null && join.steps.tracked()) {
      hosts.put(join.steps.id(), join.host);
    }
  }

  /** The leader stops or steps down: the join under way fails with {@code error}. */
  void abandon(KmsException error) {
    if (join != null) {
      join.tell(WriteResult.failed(error));
      join = null;
    }
  }

  /**
   * The clock: a join past its bound fails; due re-admission probes go out, also while the leader
   * takes over: a takeover waits for every member's promise, and a member whose store is gone (the
   * leader's own node, reset) never gives it (verification trial, issue 12).
   */
  void tick(long now) {
    Optional<String> stalled = join == null ? Optional.empty() : join.steps.timedOut(now);
    if (stalled.isPresent()) {
      finishJoin(ApiError.joinFailed(join.host, stalled.get()));
    }
    if (leader.machine() != null && join == null) {
      probeForReadmission(now);
    }
  }

  /**
   * The members as this leader knows them: its projected state while it serves, else its node's
   * applied state (while it takes over).
   */
  private Membership membership() {
    return (writes.serving() ? writes.projected() : env.ownState().kms()).membership();
  }

  /** Handles one of this class's {@link Message}s. */
  void on(Message message) {
    if (message instanceof JoinChecked m) {
      onJoinChecked(m);
    } else if (message instanceof Probed m) {
      onProbed(m);
    } else if (message instanceof OldEntryRemoved m) {
      onOldEntryRemoved(m);
    } else if (message instanceof Evicted m) {
      onEvicted(m);
    } else if (message instanceof JoinInstalled m) {
      onJoinInstalled(m);
    } else if (message instanceof JoinProgress m) {
      onJoinProgress(m);
    }
  }

  // ---------------------------------------------------------------- adding a node

  /** {@code CLUSTER:ADDNODE}: answered by {@link AddNodeRequest}'s verdict. */
  void onAddNode(Leader.AddNode add) {
    OptionalInt member =
        !writes.serving()
            ? OptionalInt.empty()
            : writes.projected().membership().nodeId(add.host());
    AddNodeRequest.Verdict verdict =
        AddNodeRequest.decide(
            add.host(),
            env.ownState().removed(),
            join == null ? null : join.host,
            member,
            leader.blockers(),
            leader.hosts(),
            leader.serving());
    if (verdict instanceof AddNodeRequest.Refuse refused) {
      add.replyTo().tell(WriteResult.failed(refused.error()));
    } else if (verdict instanceof AddNodeRequest.Attach) {
      join.replyTo.add(add.replyTo()); // already being (re-)admitted: answer with it
    } else if (verdict instanceof AddNodeRequest.Probe) {
      probe(add.host(), add.replyTo()); // came back fresh? then it replaces its old entry
    } else {
      startJoin(add.host(), add.replyTo());
    }
  }

  /** Checks {@code host} and tells it to join (a reply to {@code replyTo}, if not null). */
  private void startJoin(String host, ActorRef<WriteResult> replyTo) {
    int id = writes.projected().membership().nextNodeId();
    join = new Join(NodeJoin.add(host, id, env.timeouts(), Leader.now()), replyTo);
    LOG.info("adding node {} as node {}: checking it", host, id);
    ctx.pipeToSelf(
        env.prepareJoin(host, id, writes.projected()), (ok, error) -> new JoinChecked(error));
  }

  // ---------------------------------------------------------------- re-admitting a member

  /** Probes the members (and replaced hosts) that {@link Readmission} says are due. */
  private void probeForReadmission(long now) {
    Map<Integer, String> down = new TreeMap<>();
    Map<Integer, String> nodes = membership().nodes();
    int self = leader.machine().selfId();
    for (int id : leader.unreachable()) {
      if (nodes.containsKey(id) && id != self) {
        down.put(id, nodes.get(id));
      }
    }
    for (String host : readmission.due(now, down, Set.copyOf(nodes.values()))) {
      probe(host, null);
    }
  }

  private void probe(String host, ActorRef<WriteResult> replyTo) {
    ctx.pipeToSelf(
        env.probe(host),
        (answer, error) -> new Probed(host, error == null ? answer.orElse(null) : null, replyTo));
  }

  private void onProbed(Probed p) {
    if (p.replyTo() != null && join != null && join.host.equals(p.host())) {
      join.replyTo.add(p.replyTo()); // re-admitted meanwhile: answer with it
      return;
    }
    int member = membership().nodeId(p.host()).orElse(-1);
    String clusterId = env.ownState().kms().membership().clusterId();
    Readmission.Verdict verdict = readmission.judge(p.host(), member, clusterId, p.answer());
    boolean able = leader.serving() && join == null;
    // while taking over, the removal of the old entry releases the takeover from the member's
    // promise when it is the only one missing (LeaderWrites.release), then waits for the takeover
    boolean leading = leader.machine() != null;
    if (verdict instanceof Readmission.Replace r && join == null && leading) {
      LOG.info(
          "member {} (node {}) answers as a fresh node with this cluster's HSM key:"
              + " replacing its old entry and admitting it again",
          p.host(),
          r.oldId());
      join = new Join(NodeJoin.replace(p.host(), env.timeouts(), Leader.now()), p.replyTo());
      leader.write(
          new ClientWrite(
              new Change.RemoveNode(r.oldId(), true),
              ctx.messageAdapter(WriteResult.class, OldEntryRemoved::new)));
    } else if (verdict instanceof Readmission.Add && able) {
      LOG.info("node {} answers as a fresh node: admitting it again", p.host());
      startJoin(p.host(), p.replyTo());
    } else if (verdict instanceof Readmission.Evict evict && leading) {
      evict(p.host(), evict);
      if (p.replyTo() != null) {
        p.replyTo().tell(WriteResult.failed(evict.error()));
      }
    } else if (verdict instanceof Readmission.Refuse refused) {
      if (refused.log() && p.replyTo() == null) {
        LOG.warn("member {} is not admitted again: {}", p.host(), refused.error().message());
      }
      if (p.replyTo() != null) {
        p.replyTo().tell(WriteResult.failed(refused.error()));
      }
    } else if (p.replyTo() != null) {
      p.replyTo()
          .tell(
              WriteResult.failed(
                  verdict instanceof Readmission.Wait w
                      ? ApiError.joinFailed(p.host(), w.reason())
                      : (!able && join != null ? ApiError.JOIN_IN_PROGRESS : ApiError.LEADER_GONE)
                          .exception()));
    }
  }

  /**
   * Removes the old entry of a member that another cluster now answers for ({@link
   * Readmission.Evict}): its store is gone, and every write would wait for it.
   */
  private void evict(String host, Readmission.Evict evict) {
    if (evict.log()) {
      LOG.warn(
          "member {} (node {}) is not admitted again: {}; removing its old entry, whose store is"
              + " gone, so that writes go on without it",
          host,
          evict.oldId(),
          evict.error().message());
    }
    leader.write(
        new ClientWrite(
            new Change.RemoveNode(evict.oldId(), true),
            ctx.messageAdapter(WriteResult.class, r -> new Evicted(host, evict.oldId(), r))));
  }

  private void onEvicted(Evicted evicted) {
    if (evicted.result().ok()) {
      LOG.warn(
          "the old entry of {} (node {}) is removed (index {}); once its store is deleted again"
              + " it is added by itself",
          evicted.host(),
          evicted.oldId(),
          evicted.result().index());
      readmission.replacing(evicted.host());
    } else {
      LOG.warn(
          "the old entry of {} (node {}) is not removed yet: {}",
          evicted.host(),
          evicted.oldId(),
          evicted.result().message());
    }
  }

  private void onOldEntryRemoved(OldEntryRemoved removed) {
    if (join == null || !join.steps.in(NodeJoin.Phase.REMOVING_OLD)) {
      return;
    }
    if (!removed.result().ok()) {
      finishJoin(removed.result().error());
      return;
    }
    readmission.replacing(join.host);
    join.steps.oldEntryRemoved(writes.projected().membership().nextNodeId());
    LOG.info(
        "the old entry of {} is removed (index {}): adding it as node {}",
        join.host,
        removed.result().index(),
        join.steps.id());
    ctx.pipeToSelf(
        env.prepareJoin(join.host, join.steps.id(), writes.projected()),
        (ok, error) -> new JoinChecked(error));
  }

  // ---------------------------------------------------------------- the join's steps

  private void onJoinChecked(JoinChecked checked) {
    if (join == null || !join.steps.in(NodeJoin.Phase.CHECKING)) {
      return;
    }
    if (checked.error() != null) {
      Throwable cause = Asks.cause(checked.error());
      finishJoin(
          cause instanceof KmsException k
              ? k
              : ApiError.joinFailed(join.host, String.valueOf(cause.getMessage())));
      return;
    }
    LOG.info("node {} was told to join; waiting until it is up", join.host);
    join.steps.checked();
    leader.syncReachability();
    maybeInstall();
  }

  /** Starts installing the state once the joining node is up (called when the peers change). */
  void maybeInstall() {
    Map<String, ActorRef<ReplicaLog.Command>> peers = leader.peersByHost();
    LeaderStateMachine<LogCommand> machine = leader.machine();
    if (join == null
        || peers == null
        || machine == null
        || !join.steps.install(peers.containsKey(join.host), Leader.now())) {
      return;
    }
    ReplicaState own = env.ownState();
    ActorRef<ReplicaLog.Command> target = peers.get(join.host);
    int id = join.steps.id();
    long term = machine.term();
    if (!NodeJoin.installable(own.lastTerm(), term)) {
      finishJoin(ApiError.LEADER_GONE.exception()); // a newer leader wrote to this node
      return;
    }
    LOG.info("node {} is up: installing the state at index {} on it", join.host, own.lastIndex());
    // the transfer (chunks well below the internode frame) is its own actor: the membership
    // decision stays here
    ActorRef<SnapshotSender.Outcome> outcome =
        ctx.messageAdapter(
            SnapshotSender.Outcome.class, o -> new JoinInstalled(o.result(), o.error()));
    join.sender =
        ctx.spawnAnonymous(
            SnapshotSender.create(
                target,
                new SnapshotSender.Install(
                    id,
                    own.kms().membership().clusterId(),
                    own.lastTerm(),
                    own.lastIndex(),
                    term,
                    machine.selfId()),
                own.kms(),
                outcome,
                ctx.messageAdapter(
                    SnapshotSender.Progress.class, p -> new JoinProgress(p.last()))));
  }

  private void onJoinProgress(JoinProgress progress) {
    if (join != null) {
      join.steps.progress(progress.last(), Leader.now());
    }
  }

  private void onJoinInstalled(JoinInstalled installed) {
    if (join == null || !join.steps.in(NodeJoin.Phase.INSTALLING)) {
      return;
    }
    if (installed.error() != null) {
      finishJoin(
          ApiError.joinFailed(
              join.host, "it did not take the cluster's state: " + installed.error().getMessage()));
      return;
    }
    if (installed.result() instanceof ReplicaLog.InstallRefused) {
      finishJoin(ApiError.notFresh(join.host));
      return;
    }
    if (!leader.serving()) {
      finishJoin(ApiError.LEADER_GONE.exception());
      return;
    }
    LeaderStateMachine<LogCommand> machine = leader.machine();
    ReplicaLog.Installed done = (ReplicaLog.Installed) installed.result();
    // the install answers like a GAP refusal: the node's log now ends at the snapshot, so
    // replication to it resumes there instead of at index 1
    leader.execute(
        machine.step(
            new LeaderInput.AppendRejected<>(
                join.steps.id(),
                machine.term(),
                LeaderInput.AppendRejected.Reason.GAP,
                machine.term(),
                done.lastIndex(),
                done.lastTerm())));
    List<ActorRef<WriteResult>> waiters = List.copyOf(join.replyTo);
    ActorRef<WriteResult> replyTo =
        ctx.spawnAnonymous(
            Behaviors.<WriteResult>receiveMessage(
                r -> {
                  waiters.forEach(w -> w.tell(r));
                  return Behaviors.stopped();
                }));
    String host = join.host;
    LOG.info(
        "node {} holds the state at index {}: replicating its addition", host, done.lastIndex());
    leader.write(new ClientWrite(new Change.AddNode(host), replyTo));
    join = null;
    leader.syncReachability();
  }

  private void finishJoin(KmsException error) {
    LOG.warn("adding node {} failed: {}", join.host, error.message());
    if (join.sender != null) {
      ctx.stop(join.sender); // a late install must not make the node hold the state
    }
    join.tell(WriteResult.failed(error));
    join = null;
    leader.syncReachability();
  }
}
