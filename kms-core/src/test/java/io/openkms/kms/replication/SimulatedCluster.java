package io.openkms.kms.replication;

import io.openkms.kms.domain.Change;
import io.openkms.kms.domain.Quotas;
import io.openkms.kms.lifecycle.AddNodeRequest;
import io.openkms.kms.lifecycle.LeaderWrites;
import io.openkms.kms.lifecycle.LifecycleTimeouts;
import io.openkms.kms.lifecycle.NodeJoin;
import io.openkms.kms.lifecycle.RemovalCheck;
import io.openkms.kms.lifecycle.ReplicaHealth;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.Map;
import java.util.OptionalInt;
import java.util.Random;
import java.util.Set;
import java.util.SortedSet;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * A seeded, deterministic simulation of 1–5 nodes that drives {@link ReplicaStateMachine} and
 * {@link LeaderStateMachine} the way the Pekko actors will, over a hostile network: messages are
 * dropped, delayed, duplicated and reordered; nodes are partitioned, crash (losing everything but
 * what they persisted) and restart; leaders change, also while the old one still runs (overlapping
 * singletons); members are removed through the log ({@code rm}) and out of band ({@code edit
 * --rm}), members are wiped and removed through the log without their acknowledgement ({@code rm}
 * of a dead member; one that arrives while the leader takes over releases the takeover from the
 * dead member's promise when {@link LeaderWrites#release} says so, as the real leader does), spare
 * nodes join through the log ({@code add}), a node's journal fails for a while (its replica stops
 * without acknowledging, restarts from its journal under {@link ReplicaHealth}'s backoff and
 * catches up), and spares join by taking the leader node's state, larger than a chunk, in chunks
 * pulled over the same lossy network ({@link SnapshotAssembly}), when the leader's {@link
 * AddNodeRequest} lets the {@code add} start (it refuses while it takes over, while a member is
 * unreachable, or while another join runs, as the real leader does). After every step the {@link
 * Oracle} checks the invariants of docs/ARCHITECTURE.md §3. {@link #quiesce()} then heals
 * everything and checks that one leader completes every in-doubt entry on every member.
 */
final class SimulatedCluster {

  static final long TICK_MAX_MILLIS = 800;

  /** The simulated snapshot chunk: far below any state worth a join, so every install is cut. */
  static final int CHUNK_BYTES = 512;

  /** Longest journal failure (a full disk freed, a paused JDBC call resumed). */
  static final int JOURNAL_FAILURE_MAX_MILLIS = 8_000;

  /**
   * The byte bound of the simulated messages: at most 1,000 bytes of entries per append or fetch
   * answer (at least one entry), changes of at most 700 bytes ({@link SimCommand#bytes}).
   */
  static final MessageBudget<SimCommand> BUDGET =
      new MessageBudget<>(700, 1_000, SimCommand::bytes);

  private static final int TRACE_LINES = Integer.getInteger("sim.trace", 60);

  /**
   * A node leaves the cluster for good once its removal is final ({@link Event.RemovalCommitted}),
   * as {@code ClusterRuntime} makes it leave the Pekko cluster at that event ({@code
   * ClusterWatch.removed}): nothing reaches its replica any more (what it sent before still
   * arrives). On by default; {@code -Dsim.leave=false} keeps removed nodes reachable. Before issue
   * 12 a node left as soon as it applied its own removal, also an in-doubt one; when that removal
   * did not commit, the next leader needed its promise and never got it: 141 of hostile seeds
   * 0–1,999 wedged (seed 19: {@code rm} of the leader's own node while the other member was down).
   */
  static final boolean LEAVE_ON_REMOVAL = !"false".equals(System.getProperty("sim.leave"));

  /**
   * A node whose own removal is in doubt asks the members it knows at every tick whether it may
   * leave ({@link RemovalCheck}; {@code ClusterRuntime} asks every few seconds) and confirms its
   * removal to its replica when they say so ({@link RemovalConfirmed}). On by default; {@code
   * -Dsim.probe=false} leaves it to the leader's word alone, as before: a node whose removal every
   * member confirmed but whose leader stopped before telling it (a new leader no longer tracks it)
   * stays in doubt for ever; {@link #quiesce()} counts those as {@code strandedInDoubt}.
   */
  static final boolean PROBE = !"false".equals(System.getProperty("sim.probe"));

  /**
   * A leader reaches a node that applied its own removal only if it has a host for it: its node
   * applied a membership naming it while the leader ran ({@link SimNode#leaderHosts}), or (on by
   * default) the removed node, running and in doubt, tells its id to the leaders that ask the nodes
   * they know no id for ({@link RemovalCheck#inDoubtEndpoint}). {@code -Dsim.resolve=false} models
   * the leader before that: a new leader elected on another node knows no host for a removed id,
   * and a takeover that needs the removed node's promise never gets it.
   */
  static final boolean RESOLVE = !"false".equals(System.getProperty("sim.resolve"));

  private final long seed;
  private final Random random;
  private final LeaderConfig config;
  private final LifecycleTimeouts timeouts;
  private final SimFaults faults;
  private final List<SimNode> nodes = new ArrayList<>();
  private final List<InFlight> network = new ArrayList<>();
  private final Oracle oracle;
  private final Deque<String> trace = new ArrayDeque<>();
  private long nowMillis = 1_000;
  private long nextRequestId = 1;
  private long nextLeaderInstance = 1;
  private int step;
  private int leadersStarted;
  private int leadersServing;
  private int stepDowns;

  /** How often each kind of message was delivered, each event seen, each fault injected. */
  private final Map<String, Integer> counts = new TreeMap<>();

  private final int[] side;

  /** Nodes named by any removal so far (in the log or not yet): keeps at least two members. */
  private final Set<Integer> removalTargets = new TreeSet<>();

  /** Spares named by an addition so far (ids are never reused). */
  private final Set<Integer> addTargets = new TreeSet<>();

  /** The requests that removed a wiped member through the log. */
  private final Set<Long> deadRemovals = new TreeSet<>();

  /** A message on the wire. */
  private record InFlight(int from, int to, Message<SimCommand> message) {}

  /** Snapshot transfers by id (a leader installs its node's state on a joining spare). */
  private final Map<Integer, SimInstall> installs = new TreeMap<>();

  /** Snapshot transfer messages on the wire (same fates as {@link #network}). */
  private final List<SimInstall.Wire> installWire = new ArrayList<>();

  /**
   * Creates {@code nodeCount} nodes; the first {@code founders} form the genesis membership, the
   * others are fresh spares that may be added through the log later. {@code timeouts} gives the
   * replicas' restart rules ({@link ReplicaHealth}) and the leaders' install bound ({@link
   * NodeJoin}).
   */
  SimulatedCluster(
      long seed,
      int nodeCount,
      int founders,
      LeaderConfig config,
      LifecycleTimeouts timeouts,
      SimFaults faults) {
    this.faults = faults;
    this.timeouts = timeouts;
    if (nodeCount < 1 || nodeCount > 5 || founders < 1 || founders > nodeCount) {
      throw new IllegalArgumentException("1 to 5 nodes, at least one founder");
    }
    this.seed = seed;
    this.random = new Random(seed);
    this.config = config;
    Set<Integer> genesis = new TreeSet<>();
    for (int id = 0; id < founders; id++) {
      genesis.add(id);
    }
    for (int id = 0; id < nodeCount; id++) {
      SimNode node = new SimNode(id, genesis);
      node.health = new ReplicaHealth(timeouts, nowMillis);
      node.health.recovered(nowMillis);
      nodes.add(node);
    }
    side = new int[nodeCount];
    oracle = new Oracle(genesis, config.writeTimeoutMillis());
    startLeader(nodes.get(0));
  }

  // ---------------------------------------------------------------- the random walk

  /** Runs {@code steps} random steps, checking the invariants after each. */
  void run(int steps) {
    for (int i = 0; i < steps; i++) {
      step++;
      randomStep();
      checkAfterStep();
    }
  }

  private void randomStep() {
    int roll = random.nextInt(faults.total());
    if ((roll -= faults.deliver()) < 0) {
      deliverRandomMessage();
    } else if ((roll -= faults.tick()) < 0) {
      tick(1 + random.nextInt((int) TICK_MAX_MILLIS));
    } else if ((roll -= faults.write()) < 0) {
      clientWrite(false);
    } else if ((roll -= faults.failureDetector()) < 0) {
      updateFailureDetector();
    } else if ((roll -= faults.crash()) < 0) {
      crashRandomNode();
    } else if ((roll -= faults.restart()) < 0) {
      restartRandomNode();
    } else if ((roll -= faults.partition()) < 0) {
      partition();
    } else if ((roll -= faults.heal()) < 0) {
      heal();
    } else if ((roll -= faults.newLeader()) < 0) {
      startLeaderSomewhere(random.nextBoolean());
    } else if ((roll -= faults.removeInLog()) < 0) {
      clientWrite(true);
    } else if ((roll -= faults.removeOutOfBand()) < 0) {
      removeOutOfBand();
    } else if ((roll -= faults.addInLog()) < 0) {
      addSpare();
    } else if ((roll -= faults.wipe()) < 0) {
      wipeMember();
    } else if ((roll -= faults.journalFailure()) < 0) {
      journalFailure();
    } else {
      spuriousUnreachable();
    }
  }

  private void deliverRandomMessage() {
    if (!installWire.isEmpty()
        && random.nextInt(network.size() + installWire.size()) >= network.size()) {
      deliverInstallMessage();
      return;
    }
    if (network.isEmpty()) {
      return;
    }
    int pick = random.nextInt(network.size());
    InFlight message = network.get(pick);
    int fate = random.nextInt(100);
    if (fate < faults.dropPercent()) {
      network.remove(pick);
      note("drop " + message);
      return;
    }
    if (fate < faults.dropPercent() + faults.duplicatePercent()) {
      note("duplicate " + message); // deliver and keep a copy on the wire
    } else {
      network.remove(pick);
    }
    deliver(message);
  }

  private void deliver(InFlight message) {
    SimNode target = nodes.get(message.to());
    if (!target.up || side[message.from()] != side[message.to()] || target.left) {
      note("lost " + message);
      return;
    }
    if (message.message() instanceof Message.ToReplica<SimCommand>
        && target.hardState.removed()
        && !nodes.get(message.from()).leaderHosts.contains(target.id)
        && !(RESOLVE && inDoubt(target))) {
      note("lost (no host for removed " + target.id + ") " + message);
      count("noHostForRemoved");
      return;
    }
    note("deliver " + message);
    count(
        message.message().getClass().getSimpleName()
            + (message.message() instanceof LeaderInput.AppendRejected<SimCommand> r
                ? "." + r.reason()
                : ""));
    if (message.message() instanceof Message.ToReplica<SimCommand> input) {
      if (target.replica == null) {
        note("lost (replica stopped) " + message);
        return;
      }
      executeReplica(target, target.replica.step(input));
    } else if (message.message() instanceof Message.ToLeader<SimCommand> input
        && target.leader != null) {
      executeLeader(target, target.leader.step(input));
    }
  }

  void tick(long advanceMillis) {
    nowMillis += advanceMillis;
    note("tick " + nowMillis);
    probeInDoubt();
    for (SimNode node : nodes) {
      if (node.up && node.restartAt >= 0 && nowMillis >= node.restartAt) {
        bootReplica(node); // ReplicaHealth's backoff elapsed: recover from the journal
      }
    }
    for (SimInstall install : installs.values()) {
      if (!install.over && install.join.timedOut(nowMillis).isPresent()) {
        // NodeJoin's install bound: the leader gives up; the transfer starves
        note("install " + install.id + ": " + install.join.timedOut(nowMillis).get());
        count("installTimedOut");
        install.over = true;
      } else if (!install.over && install.assembly != null && nodes.get(install.spare).up) {
        requestChunks(install, install.assembly.tick(nowMillis));
      }
    }
    for (SimNode node : nodes) {
      if (node.up && node.leader != null) {
        executeLeader(node, node.leader.step(new LeaderInput.Tick<>(nowMillis)));
      }
    }
  }

  /** Every in-doubt node that runs asks the members it can reach ({@link #PROBE}). */
  private void probeInDoubt() {
    if (!PROBE || !LEAVE_ON_REMOVAL) {
      return;
    }
    for (SimNode node : nodes) {
      if (inDoubt(node) && node.replica != null) {
        RemovalCheck.Verdict verdict = RemovalCheck.decide(node.id, answersFor(node));
        if (verdict.leave()) {
          note("in-doubt " + node.id + " leaves: " + verdict.reason());
          count("inDoubtConfirmedByMembers");
          executeReplica(node, node.replica.step(new RemovalConfirmed<>()));
        }
      }
    }
  }

  private static boolean inDoubt(SimNode node) {
    return node.up && !node.left && !node.gone && node.hardState.removalInDoubt(node.id);
  }

  /**
   * The answers {@code asker} gets: from the members it knows and every node those name (members,
   * unconfirmed removals), if they run and the network between them is whole.
   */
  private Map<Integer, RemovalCheck.Answer> answersFor(SimNode asker) {
    Map<Integer, RemovalCheck.Answer> answers = new TreeMap<>();
    Deque<Integer> ask = new ArrayDeque<>(asker.appliedMembers);
    Set<Integer> asked = new TreeSet<>();
    while (!ask.isEmpty()) {
      int id = ask.removeFirst();
      if (id == asker.id || id >= nodes.size() || !asked.add(id)) {
        continue;
      }
      SimNode other = nodes.get(id);
      if (!other.up
          || other.left
          || other.gone
          || other.replica == null
          || side[id] != side[asker.id]) {
        continue;
      }
      RemovalCheck.Answer answer =
          new RemovalCheck.Answer(
              true,
              other.hardState.removed(),
              other.replica.members(),
              other.hardState.unconfirmedRemovals().keySet(),
              other.hardState.evictedIds());
      answers.put(id, answer);
      ask.addAll(answer.members());
      ask.addAll(answer.unconfirmedRemovals());
    }
    return answers;
  }

  private void clientWrite(boolean removal) {
    List<SimNode> leaders = new ArrayList<>();
    for (SimNode node : nodes) {
      if (node.up && node.leader != null) {
        leaders.add(node);
      }
    }
    if (leaders.isEmpty()) {
      return;
    }
    SimNode node = leaders.get(random.nextInt(leaders.size()));
    long requestId = nextRequestId++;
    SimCommand command = SimCommand.write(requestId);
    if (removal) {
      List<Integer> candidates = removalCandidates();
      if (candidates.isEmpty()) {
        return;
      }
      int victim = candidates.get(random.nextInt(candidates.size()));
      removalTargets.add(victim);
      command = SimCommand.remove(requestId, victim);
    }
    submit(node, command);
  }

  /** {@code minkms add}: a fresh spare joins through a log entry. */
  private void addSpare() {
    List<SimNode> leaders = new ArrayList<>();
    for (SimNode node : nodes) {
      if (node.up && node.leader != null) {
        leaders.add(node);
      }
    }
    List<Integer> spares = new ArrayList<>();
    for (SimNode node : nodes) {
      if (!node.gone && !oracle.hasEverBeenMember(node.id) && !addTargets.contains(node.id)) {
        spares.add(node.id);
      }
    }
    if (leaders.isEmpty() || spares.isEmpty()) {
      return;
    }
    int spare = spares.get(random.nextInt(spares.size()));
    addTargets.add(spare);
    count("add");
    SimNode leader = leaders.get(random.nextInt(leaders.size()));
    if (random.nextInt(3) > 0 && leader.log.size() > 0) { // installs: 2 in 3 (some are refused)
      startInstall(leader, nodes.get(spare));
    } else {
      submit(leader, SimCommand.add(nextRequestId++, spare));
    }
  }

  // ---------------------------------------------------------------- joining with the state

  /** The simulated {@code host:port} of node {@code id}. */
  private static String host(int id) {
    return "10.0.0." + id + ":7373";
  }

  /** Node id → host of every simulated node (for the messages of refusals). */
  private Map<Integer, String> hosts() {
    Map<Integer, String> hosts = new TreeMap<>();
    for (SimNode node : nodes) {
      hosts.put(node.id, host(node.id));
    }
    return hosts;
  }

  /** The members {@code leader}'s failure detector reports unreachable (they block writes). */
  private static SortedSet<Integer> blockers(SimNode leader) {
    return leader.writes.blockers(leader.appliedMembers, leader.reportedUnreachable);
  }

  /** The host that {@code leader}'s running instance is adding now ({@link NodeJoin}), or null. */
  private String joining(SimNode leader) {
    for (SimInstall install : installs.values()) {
      if (install.leaderNode == leader.id
          && install.leaderInstance == leader.leaderInstance
          && !install.over
          && !install.added
          && install.join.timedOut(nowMillis).isEmpty()) {
        return install.join.host();
      }
    }
    return null;
  }

  /**
   * The leader's node offers its persisted log (serialized, above {@value #CHUNK_BYTES} bytes) to
   * {@code spare}; the spare pulls it in chunks and installs it only whole and with the announced
   * digest; then the leader resumes replication to it at the installed index (as after a {@code
   * GAP}) and writes its addition (docs/ARCHITECTURE.md §3 "Joining").
   */
  private void startInstall(SimNode leader, SimNode spare) {
    AddNodeRequest.Verdict verdict =
        AddNodeRequest.decide(
            host(spare.id),
            !leader.appliedMembers.contains(leader.id),
            joining(leader),
            OptionalInt.empty(),
            blockers(leader),
            hosts(),
            leader.leader.role() == LeaderRole.SERVING);
    if (!(verdict instanceof AddNodeRequest.Start)) {
      // the real leader answers the operator and starts nothing; the spare may be added later
      note("add of " + spare.id + " on " + leader.id + ": " + verdict);
      count(verdict instanceof AddNodeRequest.Refuse ? "addRefused" : "addAttached");
      addTargets.remove(spare.id);
      return;
    }
    if (!NodeJoin.installable(leader.log.get(leader.log.size() - 1).term(), leader.leader.term())) {
      note("stale leader on " + leader.id + " does not install on " + spare.id);
      count("installStale"); // the real leader answers the add with 503 leader gone
      return;
    }
    SimInstall install =
        new SimInstall(
            installs.size(),
            leader.id,
            leader.leaderInstance,
            leader.leader.term(),
            spare.id,
            leader.log,
            leader.hardState.evictedIds(),
            CHUNK_BYTES);
    install.join = NodeJoin.add(host(spare.id), spare.id, timeouts, nowMillis);
    install.join.checked();
    install.join.install(true, nowMillis);
    installs.put(install.id, install);
    count("install");
    if (install.plan.chunkCount() > 1) {
      count("installAboveChunk");
    }
    note(
        "install "
            + install.id
            + " from "
            + leader.id
            + " on "
            + spare.id
            + ": "
            + install.plan.totalBytes()
            + " bytes in "
            + install.plan.chunkCount()
            + " chunks");
    installWire.add(
        new SimInstall.Wire(leader.id, spare.id, install.id, SimInstall.Kind.OFFER, -1));
  }

  private void deliverInstallMessage() {
    int pick = random.nextInt(installWire.size());
    SimInstall.Wire wire = installWire.get(pick);
    int fate = random.nextInt(100);
    if (fate < faults.dropPercent()) {
      installWire.remove(pick);
      note("drop " + wire);
      return;
    }
    if (fate >= faults.dropPercent() + faults.duplicatePercent()) {
      installWire.remove(pick);
    }
    SimNode target = nodes.get(wire.to());
    SimInstall install = installs.get(wire.install());
    if (!target.up
        || side[wire.from()] != side[wire.to()]
        || (install.over && wire.kind() != SimInstall.Kind.INSTALLED)) {
      note("lost " + wire);
      return;
    }
    note("deliver " + wire);
    count("install." + wire.kind());
    switch (wire.kind()) {
      case OFFER -> {
        if (install.assembly == null && target.replica != null) {
          install.assembly =
              new SnapshotAssembly(
                  install.plan,
                  install.sha256,
                  2,
                  config.resendIntervalMillis(),
                  config.writeTimeoutMillis());
          requestChunks(install, install.assembly.start(nowMillis));
        }
      }
      case REQUEST -> {
        if (target.leader != null && target.leaderInstance == install.leaderInstance) {
          installWire.add(
              new SimInstall.Wire(
                  target.id, install.spare, install.id, SimInstall.Kind.CHUNK, wire.seq()));
        } // else the sender stopped with its leader: the transfer starves
      }
      case CHUNK -> {
        if (install.assembly != null) {
          SnapshotAssembly.Step step =
              install.assembly.accept(wire.seq(), install.chunk(wire.seq()), nowMillis);
          requestChunks(install, step);
        }
      }
      case INSTALLED -> installed(install, target);
    }
  }

  private void requestChunks(SimInstall install, SnapshotAssembly.Step step) {
    for (int seq : step.request()) {
      installWire.add(
          new SimInstall.Wire(
              install.spare, install.leaderNode, install.id, SimInstall.Kind.REQUEST, seq));
    }
    if (step.status() == SnapshotAssembly.Status.FAILED) {
      note("install " + install.id + " failed: " + step.reason());
      count("installFailed");
      install.over = true;
    } else if (step.status() == SnapshotAssembly.Status.COMPLETE) {
      install(install, nodes.get(install.spare));
    }
  }

  /** The spare journals the whole state at once (only when fresh), as {@code ReplicaLog} does. */
  private void install(SimInstall install, SimNode spare) {
    install.over = true;
    if (spare.replica == null || !spare.log.isEmpty()) {
      note("install " + install.id + " refused by " + spare.id);
      count("installRefused");
      return;
    }
    SimInstall.State state = SimInstall.decode(install.assembly.bytes());
    if (nowMillis < spare.journalFailsUntil) {
      stopReplica(spare, "journal write");
      return;
    }
    spare.hardState =
        new HardState(install.leaderTerm, install.leaderNode, false, state.evictedIds());
    spare.log.addAll(state.entries());
    spare.installedOnly = true; // its copy may hold entries that never commit (seed 30025239)
    applyEntries(spare, state.entries());
    spare.restartReplica();
    log(spare, spare.health.persisted(nowMillis));
    count("installed");
    note("installed " + install.id + " on " + spare.id + " at " + spare.log.size());
    installWire.add(
        new SimInstall.Wire(
            spare.id, install.leaderNode, install.id, SimInstall.Kind.INSTALLED, -1));
  }

  /** The leader resumes replication to the spare at the installed index and adds it. */
  private void installed(SimInstall install, SimNode leader) {
    if (leader.leader == null
        || leader.leaderInstance != install.leaderInstance
        || leader.leader.role() != LeaderRole.SERVING
        || install.added) {
      return; // that leader is gone: the spare holds the state but is not added
    }
    if (install.join.timedOut(nowMillis).isPresent()) {
      count("installLate"); // the join failed meanwhile: the spare holds the state, not added
      return;
    }
    install.added = true;
    count("installAdded");
    SimNode spare = nodes.get(install.spare);
    long lastIndex = install.lastIndex;
    long lastTerm = install.lastTerm;
    executeLeader(
        leader,
        leader.leader.step(
            new LeaderInput.AppendRejected<>(
                spare.id,
                leader.leader.term(),
                LeaderInput.AppendRejected.Reason.GAP,
                leader.leader.term(),
                lastIndex,
                lastTerm)));
    submit(leader, SimCommand.add(nextRequestId++, spare.id));
  }

  private void submit(SimNode node, SimCommand command) {
    note("write " + command + " to leader on " + node.id);
    oracle.onSubmit(command.requestId(), node.leaderInstance, nowMillis);
    executeLeader(
        node, node.leader.step(new LeaderInput.ClientWrite<>(command.requestId(), command)));
  }

  private void crashRandomNode() {
    SimNode node = nodes.get(random.nextInt(nodes.size()));
    if (node.up) {
      crash(node);
    }
  }

  private void crash(SimNode node) {
    note("crash " + node.id);
    count("crash");
    node.up = false;
    node.replica = null;
    node.restartAt = -1;
    dropLeader(node);
    for (SimInstall install : installs.values()) {
      if (install.spare == node.id && !install.over) {
        install.over = true; // the assembly was in memory: the leader's join times out
        count("installLost");
      }
    }
  }

  private void restartRandomNode() {
    SimNode node = nodes.get(random.nextInt(nodes.size()));
    if (!node.up && !node.gone) {
      note("restart " + node.id);
      node.up = true;
      node.health = new ReplicaHealth(timeouts, nowMillis); // a new process
      bootReplica(node);
    }
  }

  /**
   * A node's journal fails for up to {@value #JOURNAL_FAILURE_MAX_MILLIS} ms (a full disk, a JDBC
   * call timeout after a pause): its replica's next write fails and stops it; it restarts from its
   * journal after {@link ReplicaHealth#backoffMillis} and fails again while the journal does.
   */
  private void journalFailure() {
    SimNode node = nodes.get(random.nextInt(nodes.size()));
    if (!node.up || node.gone) {
      return;
    }
    node.journalFailsUntil = nowMillis + 1 + random.nextInt(JOURNAL_FAILURE_MAX_MILLIS);
    note("journal of " + node.id + " fails until " + node.journalFailsUntil);
    count("journalFailure");
  }

  /** The replica recovers from its journal, or fails again (and backs off) while it fails. */
  private void bootReplica(SimNode node) {
    if (nowMillis < node.journalFailsUntil) {
      stopReplica(node, "journal recovery");
      return;
    }
    if (node.restartAt >= 0) {
      count("journalRecovered");
    }
    node.restartReplica();
    node.restartAt = -1;
    log(node, node.health.recovered(nowMillis));
  }

  /**
   * A journal write or recovery failed: the replica stops (what it had not sent yet is never sent:
   * nothing unpersisted is acknowledged) and restarts after the backoff.
   */
  private void stopReplica(SimNode node, String what) {
    node.replica = null;
    node.journalFailed = true;
    count(what.equals("journal recovery") ? "journalRecoveryFailed" : "journalWriteFailed");
    log(node, node.health.failed(nowMillis, what, "simulated"));
    node.restartAt = nowMillis + node.health.backoffMillis(node.health.status().failures());
  }

  private void log(SimNode node, ReplicaHealth.Log log) {
    if (log.level() != ReplicaHealth.Level.NONE) {
      note(log.level() + " on " + node.id + ": " + log.line());
    }
  }

  private void partition() {
    for (int id = 0; id < side.length; id++) {
      side[id] = random.nextInt(2);
    }
    note("partition " + java.util.Arrays.toString(side));
  }

  private void heal() {
    java.util.Arrays.fill(side, 0);
    note("heal");
  }

  /** Each leader's failure detector catches up with who is reachable from it. */
  void updateFailureDetector() {
    for (SimNode node : nodes) {
      if (!node.up || node.leader == null) {
        continue;
      }
      for (SimNode other : nodes) {
        boolean reachable = other.up && side[other.id] == side[node.id];
        boolean reported = !node.reportedUnreachable.contains(other.id);
        if (reachable == reported) {
          continue;
        }
        LeaderInput<SimCommand> input;
        if (reachable) {
          node.reportedUnreachable.remove(other.id);
          input = new LeaderInput.MemberReachable<>(other.id);
        } else {
          node.reportedUnreachable.add(other.id);
          input = new LeaderInput.MemberUnreachable<>(other.id);
        }
        note("fd on " + node.id + ": " + input);
        executeLeader(node, node.leader.step(input));
      }
    }
  }

  /** The failure detector wrongly suspects a member for a while (it is corrected later). */
  private void spuriousUnreachable() {
    SimNode node = nodes.get(random.nextInt(nodes.size()));
    if (node.up && node.leader != null) {
      int other = random.nextInt(nodes.size());
      node.reportedUnreachable.add(other);
      note("spurious fd on " + node.id + ": unreachable " + other);
      executeLeader(node, node.leader.step(new LeaderInput.MemberUnreachable<>(other)));
    }
  }

  /** A new singleton on a random live node; the old ones keep running unless told otherwise. */
  private void startLeaderSomewhere(boolean stopOthers) {
    List<SimNode> candidates = new ArrayList<>();
    for (SimNode node : nodes) {
      if (node.up
          && node.leader == null
          && node.replica != null
          && !node.replica.isRemoved()
          && node.appliedMembers.contains(node.id)) {
        candidates.add(node);
      }
    }
    if (candidates.isEmpty()) {
      return;
    }
    if (stopOthers) {
      for (SimNode node : nodes) {
        dropLeader(node);
      }
    }
    startLeader(candidates.get(random.nextInt(candidates.size())));
  }

  private void startLeader(SimNode node) {
    long term = Math.max(node.hardState.promisedTerm(), node.highestTermSeen) + 1;
    node.highestTermSeen = term;
    node.leader =
        new LeaderStateMachine<>(
            node.id, term, node.appliedMembers, SimCommand.RULE, config, BUDGET);
    node.leaderInstance = nextLeaderInstance++;
    node.writes = new LeaderWrites<>(Quotas.DEFAULT, config.writeTimeoutMillis());
    node.reportedUnreachable.clear();
    node.leaderHosts.clear();
    node.leaderHosts.addAll(node.appliedMembers);
    leadersStarted++;
    note("start leader on " + node.id + " term " + term + " members " + node.appliedMembers);
    executeLeader(node, node.leader.start(nowMillis));
  }

  private void dropLeader(SimNode node) {
    if (node.leader != null) {
      note("stop leader on " + node.id);
      oracle.forgetWritesOf(node.leaderInstance);
      node.leader = null;
    }
  }

  /**
   * {@code minkms edit --rm}: a member is dead for good and removed from every surviving node's
   * definition without quorum.
   */
  private void removeOutOfBand() {
    List<Integer> candidates = discardable(-1);
    if (candidates.isEmpty()) {
      return;
    }
    SimNode victim = nodes.get(candidates.get(random.nextInt(candidates.size())));
    note("edit --rm " + victim.id);
    discard(victim);
    count("editRm");
    editOut(victim);
  }

  /**
   * The members whose state may be discarded for good (edit --rm, wipe), other than {@code keep}:
   * only while the membership is settled and another member still holds every acknowledged write.
   */
  private List<Integer> discardable(int keep) {
    List<Integer> candidates = new ArrayList<>();
    if (!oracle.membershipSettled()) {
      return candidates;
    }
    long acknowledged =
        oracle.acknowledged.values().stream().mapToLong(Long::longValue).max().orElse(0);
    for (int victim : removalCandidates()) {
      for (int other : removalCandidates()) {
        if (victim != keep && other != victim && appliedCount(other) >= acknowledged) {
          candidates.add(victim);
          break;
        }
      }
    }
    return candidates;
  }

  /** The node is dead for good and its state discarded: the ground truth forgets it. */
  private void discard(SimNode victim) {
    removalTargets.add(victim.id);
    if (victim.up) {
      crash(victim);
    }
    victim.gone = true;
    try {
      oracle.removeOutOfBand(victim.id, this);
    } catch (AssertionError e) {
      throw failure(e.getMessage());
    }
  }

  /**
   * A member's store is lost for good (the guide's reset, a lost disk) and a leader removes it
   * through the log without its acknowledgement ({@code minkms rm} of a dead member, the
   * re-admission of a wiped one).
   */
  private void wipeMember() {
    List<SimNode> leaders = new ArrayList<>();
    for (SimNode node : nodes) {
      if (node.up && node.leader != null) {
        leaders.add(node);
      }
    }
    if (leaders.isEmpty()) {
      return;
    }
    SimNode leader = leaders.get(random.nextInt(leaders.size()));
    List<Integer> candidates = discardable(leader.id);
    if (candidates.isEmpty()) {
      return;
    }
    SimNode victim = nodes.get(candidates.get(random.nextInt(candidates.size())));
    note("wipe " + victim.id);
    discard(victim);
    victim.wiped = true;
    count("wipe");
    long requestId = nextRequestId++;
    deadRemovals.add(requestId);
    if (leader.leader.role() != LeaderRole.SERVING) {
      // the operator's rm comes once the failure detector noticed the death; the real Leader
      // lets the removal of the only unreachable member release it from its takeover
      updateFailureDetector();
      Set<Integer> released =
          leader.leader == null
              ? Set.of()
              : leader.writes.release(new Change.RemoveNode(victim.id, true), blockers(leader));
      if (!released.isEmpty()) {
        count("takeoverReleased");
        note("rm of " + victim.id + " releases the takeover on " + leader.id);
        executeLeader(leader, leader.leader.step(new MembershipChanged<>(released)));
      }
    }
    if (leader.leader == null) {
      return; // stepped down meanwhile: the operator's rm gets 503 leader gone
    }
    submit(leader, SimCommand.removeDead(requestId, victim.id));
  }

  /** {@code minkms edit --rm} of {@code victim} on every surviving node. */
  private void editOut(SimNode victim) {
    MembershipChanged<SimCommand> edit = new MembershipChanged<>(Set.of(victim.id));
    for (SimNode node : nodes) {
      if (node.gone) {
        continue;
      }
      TreeSet<Integer> edited = new TreeSet<>(node.appliedMembers);
      edited.remove(victim.id);
      node.appliedMembers = Sets.sortedCopy(edited);
      if (node.up && node.replica != null) {
        executeReplica(node, node.replica.step(edit));
      } else {
        // edited while down (or retried until its journal works again)
        node.hardState = node.hardState.withEvicted(Set.of(victim.id));
      }
      if (node.up && node.leader != null) {
        executeLeader(node, node.leader.step(edit));
      }
    }
  }

  /**
   * Members that may be removed so that at least one member always remains that holds the state: a
   * member that applied its own membership (a founder, or a spare that received its addition), on
   * which a leader can run. A spare added through the log without an install holds nothing until
   * its addition reaches it, while a real joiner installs the leader's state before its addition is
   * written (seed 30016422: the only member holding the state removed itself while the addition of
   * the only other, which had received nothing, was in doubt; no node could lead again).
   */
  private List<Integer> removalCandidates() {
    TreeSet<Integer> remaining = new TreeSet<>(oracle.currentMembers());
    remaining.removeAll(removalTargets);
    if (remaining.size() < 2) {
      return List.of();
    }
    List<Integer> candidates = new ArrayList<>();
    for (int victim : remaining) {
      for (int other : remaining) {
        if (other != victim && holdsState(nodes.get(other))) {
          candidates.add(victim);
          break;
        }
      }
    }
    return candidates;
  }

  /** True if the node applied its own membership: it holds the log up to its addition. */
  private static boolean holdsState(SimNode node) {
    return !node.gone && node.appliedMembers.contains(node.id);
  }

  // ---------------------------------------------------------------- executing outputs

  private void executeReplica(SimNode node, Output<SimCommand> output) {
    if (!output.persist().isEmpty() && nowMillis < node.journalFailsUntil) {
      // the write fails: either nothing reached the disk, or all of it did but the journal
      // reported a failure (a timeout after the commit); either way nothing is sent
      boolean written = random.nextBoolean();
      if (written) {
        persistAndApply(node, output);
      }
      note("journal write of " + node.id + " fails" + (written ? " after writing" : ""));
      stopReplica(node, "journal write");
      return;
    }
    persistAndApply(node, output);
    if (!output.persist().isEmpty()) {
      log(node, node.health.persisted(nowMillis));
    }
    for (Send<SimCommand> send : output.send()) {
      if (send.message() instanceof LeaderInput.AppendAck<SimCommand> ack
          && ack.lastIndex() > node.log.size()) {
        throw failure(
            "node "
                + node.id
                + " acknowledges "
                + ack.lastIndex()
                + " but its journal holds "
                + node.log.size());
      }
      network.add(new InFlight(node.id, send.to(), checkBytes(send.message())));
    }
    for (SendEntries read : output.sendEntries()) {
      // like ReplicaLog: a fetch answer carries what fits in one message; the leader asks again
      List<Entry<SimCommand>> entries =
          BUDGET.prefix(node.log.subList((int) read.fromIndex() - 1, (int) read.toIndex()));
      network.add(
          new InFlight(
              node.id,
              read.to(),
              new LeaderInput.EntriesFetched<>(node.id, read.term(), read.fromIndex(), entries)));
    }
    for (Event event : output.events()) {
      note("event on " + node.id + ": " + event);
      count(event.getClass().getSimpleName());
      if (event instanceof Event.RemovalCommitted && LEAVE_ON_REMOVAL) {
        if (!node.replica.mayLeave()) {
          throw failure("node " + node.id + " told to leave but its removal is in doubt");
        }
        node.left = true;
      }
      if (event instanceof Event.RemovedFromCluster removed
          && !oracle.isRemovedOutOfBand(node.id)) {
        SortedSet<Integer> after = oracle.membersAt(removed.index());
        if (after == null || after.contains(node.id)) {
          throw failure("node " + node.id + " claims removal at " + removed.index());
        }
      }
    }
  }

  /** Writes the output's journal items and applies its entries (what the journal replays). */
  private void persistAndApply(SimNode node, Output<SimCommand> output) {
    for (Persist<SimCommand> item : output.persist()) {
      if (item instanceof Persist.SaveHardState<SimCommand> save) {
        node.hardState = save.hardState();
      } else if (item instanceof Persist.AppendEntries<SimCommand> append) {
        for (Entry<SimCommand> entry : append.entries()) {
          if (entry.index() != node.log.size() + 1) {
            throw failure(
                "node " + node.id + " asked to persist " + entry + " after " + node.log.size());
          }
          node.log.add(entry);
        }
      }
    }
    applyEntries(node, output.apply());
    if (!node.replica.members().equals(node.appliedMembers)) {
      throw failure(
          "node "
              + node.id
              + " replica members "
              + node.replica.members()
              + " differ from its applied state "
              + node.appliedMembers);
    }
  }

  /** Applies persisted entries in order, exactly once, and tells the oracle. */
  private void applyEntries(SimNode node, List<Entry<SimCommand>> entries) {
    for (Entry<SimCommand> entry : entries) {
      if (entry.index() != node.digests.size()) {
        throw failure(
            "node "
                + node.id
                + " applies "
                + entry.index()
                + " after "
                + (node.digests.size() - 1)
                + ": not in order / not exactly once");
      }
      if (!entry.equals(node.log.get((int) entry.index() - 1))) {
        throw failure("node " + node.id + " applies an entry it has not persisted: " + entry);
      }
      long digest = Oracle.digest(node.digests.get(node.digests.size() - 1), entry);
      node.digests.add(digest);
      if (!node.installedOnly) {
        tellOracle(node.id, entry, digest);
      } // else checked once its addition reaches a log (checkAfterStep)
      TreeSet<Integer> members =
          new TreeSet<>(SimCommand.RULE.apply(node.appliedMembers, entry.command()));
      members.removeAll(node.hardState.evictedIds()); // the caller honours evictions too
      node.appliedMembers = Sets.sortedCopy(members);
      if (node.leader != null) {
        node.leaderHosts.addAll(members);
      }
    }
  }

  private void tellOracle(int nodeId, Entry<SimCommand> entry, long digest) {
    try {
      oracle.onApply(nodeId, entry, digest);
    } catch (AssertionError e) {
      throw failure(e.getMessage());
    }
  }

  private void executeLeader(SimNode node, Output<SimCommand> output) {
    if (!output.persist().isEmpty() || !output.apply().isEmpty()) {
      throw failure("a leader asked to persist or apply: " + output);
    }
    for (Send<SimCommand> send : output.send()) {
      network.add(new InFlight(node.id, send.to(), checkBytes(send.message())));
    }
    for (Reply reply : output.replies()) {
      note("reply on " + node.id + ": " + reply);
      if (reply.outcome() instanceof WriteOutcome.Unavailable u && u.assignedIndex() > 0) {
        count("inDoubt");
      }
      if (deadRemovals.contains(reply.requestId())
          && reply.outcome() instanceof WriteOutcome.Committed) {
        count("deadRemovalCommitted");
      }
      try {
        oracle.onReply(reply, this);
      } catch (AssertionError e) {
        throw failure(e.getMessage());
      }
    }
    for (Event event : output.events()) {
      note("event on " + node.id + ": " + event);
      if (event instanceof Event.SteppedDown down) {
        if (down.reason() == Event.SteppedDown.Reason.LOG_CONFLICT) {
          throw failure("log conflict: " + down);
        }
        stepDowns++;
        node.highestTermSeen = Math.max(node.highestTermSeen, down.observedTerm());
        node.leader = null;
      } else if (event instanceof Event.BecameServing) {
        leadersServing++;
      }
    }
  }

  // ---------------------------------------------------------------- checks

  /** No message carries more than one entry beyond {@link #BUDGET}'s byte bound. */
  private Message<SimCommand> checkBytes(Message<SimCommand> message) {
    List<Entry<SimCommand>> entries = List.of();
    if (message instanceof ReplicaInput.Append<SimCommand> append) {
      entries = append.entries();
    } else if (message instanceof LeaderInput.EntriesFetched<SimCommand> fetched) {
      entries = fetched.entries();
    }
    long bytes = 0;
    for (Entry<SimCommand> e : entries) {
      if (e.command().bytes() > BUDGET.maxChangeBytes()) {
        throw failure("an entry above the change bound was admitted: " + e);
      }
      bytes += e.command().bytes();
    }
    if (entries.size() > 1 && bytes > BUDGET.maxMessageBytes()) {
      throw failure("a message of " + bytes + " bytes: " + message);
    }
    if (bytes > BUDGET.maxMessageBytes() - BUDGET.maxChangeBytes() + 100) {
      count("fullMessage"); // a batch near the byte bound: the bound is exercised
    }
    return message;
  }

  private void checkAfterStep() {
    try {
      oracle.checkNoWriteHangs(nowMillis);
      oracle.checkAcknowledgedKept(this);
    } catch (AssertionError e) {
      throw failure(e.getMessage());
    }
    for (SimNode node : nodes) {
      if (node.installedOnly && oracle.hasEverBeenMember(node.id)) {
        // its addition reached a log: it counts from now on, and what it applied must match
        node.installedOnly = false;
        for (int index = 1; index < node.digests.size(); index++) {
          tellOracle(node.id, node.log.get(index - 1), node.digests.get(index));
        }
      }
      if (!node.up) {
        continue;
      }
      // a node whose replica does not run says so, and only a running replica says it is healthy
      boolean running = node.replica != null;
      ReplicaHealth.Status status = node.health.status();
      if (running == (node.restartAt >= 0)
          || running == (status.state() == ReplicaHealth.State.FAILED)
          || (!running && status.healthy(nowMillis))) {
        throw failure(
            "node "
                + node.id
                + ": replica "
                + (running ? "runs" : "stopped")
                + ", restart at "
                + node.restartAt
                + ", health "
                + status);
      }
    }
  }

  /**
   * Heals every fault, restarts every node that is still a member, keeps one fresh leader and runs
   * a reliable network until it serves and every member holds the same log. Then checks that the
   * in-doubt entries were completed everywhere (docs/ARCHITECTURE.md §3 "never half-visible for
   * long") and that every acknowledged write survived (invariant 3).
   */
  void quiesce() {
    note("quiesce");
    heal();
    for (SimNode node : nodes) {
      node.journalFailsUntil = 0; // the disk was freed: stopped replicas recover at their restart
    }
    for (SimNode node : nodes) {
      if (node.wiped && countedByASurvivor(node.id)) {
        // its removal did not commit: a new leader cannot take over without its promise, so the
        // operator removes it out of band (the documented fallback)
        note("edit --rm of wiped " + node.id);
        count("wipeEditedOut");
        editOut(node);
      }
    }
    for (SimNode node : nodes) {
      if (!node.up && !node.gone) {
        node.up = true;
        node.health = new ReplicaHealth(timeouts, nowMillis);
        bootReplica(node);
      } else if (node.up && node.replica == null) {
        bootReplica(node); // its restart is due: the journal works again
      }
      dropLeader(node);
    }
    long highestTerm = 0;
    SimNode host = null;
    for (SimNode node : nodes) {
      if (node.up) {
        highestTerm =
            Math.max(highestTerm, Math.max(node.hardState.promisedTerm(), node.highestTermSeen));
        // the singleton runs on the most up-to-date member (a stale view may not reach the others)
        if (!node.replica.isRemoved()
            && oracle.currentMembers().contains(node.id)
            && (host == null || node.log.size() > host.log.size())) {
          host = node;
        }
      }
    }
    if (host == null) {
      return; // no member left to lead (cannot happen: removals keep one member)
    }
    host.highestTermSeen = highestTerm;
    startLeader(host);
    int restarts = 0;
    for (int i = 0; i < 20_000; i++) {
      step++;
      if (!network.isEmpty()) {
        deliver(network.remove(0));
      } else {
        tick(config.resendIntervalMillis());
        updateFailureDetector();
      }
      checkAfterStep();
      if (host.leader == null) {
        // a competing term still on the wire fenced it: the singleton starts again, higher
        if (++restarts > 10) {
          throw failure("the leader keeps stepping down during quiesce");
        }
        startLeader(host);
        continue;
      }
      if (host.leader.role() == LeaderRole.SERVING && network.isEmpty() && settled(host)) {
        checkSettled(host);
        awaitInDoubtLeft(host);
        return;
      }
    }
    throw failure(
        "no progress during quiesce: leader "
            + host.leader.role()
            + " last "
            + host.leader.lastIndex()
            + " commit "
            + host.leader.commitIndex());
  }

  /**
   * Issue 12: once the cluster settled, every node whose removal committed leaves within a few
   * resend intervals, told by the leader or by its members ({@link #PROBE}); without the probe a
   * node that is left in doubt is counted as {@code strandedInDoubt}.
   */
  private void awaitInDoubtLeft(SimNode host) {
    if (!LEAVE_ON_REMOVAL) {
      return;
    }
    for (int i = 0; i < 2_000 && stranded(); i++) {
      step++;
      if (!network.isEmpty()) {
        deliver(network.remove(0));
      } else {
        tick(config.resendIntervalMillis());
      }
      checkAfterStep();
    }
    if (stranded()) {
      if (PROBE) {
        throw failure("a node whose removal committed stays in doubt after quiesce");
      }
      count("strandedInDoubt");
    }
  }

  /** True if a running node still doubts a removal that the ground truth knows committed. */
  private boolean stranded() {
    for (SimNode node : nodes) {
      if (inDoubt(node) && !oracle.currentMembers().contains(node.id)) {
        return true;
      }
    }
    return false;
  }

  /** True if a surviving node still counts {@code id} as a member. */
  private boolean countedByASurvivor(int id) {
    for (SimNode node : nodes) {
      if (!node.gone && node.appliedMembers.contains(id)) {
        return true;
      }
    }
    return false;
  }

  private boolean settled(SimNode host) {
    long last = host.leader.lastIndex();
    if (host.leader.commitIndex() != last) {
      return false;
    }
    for (int id : oracle.currentMembers()) {
      if (nodes.get(id).log.size() != last) {
        return false;
      }
    }
    return true;
  }

  private void checkSettled(SimNode host) {
    long last = host.leader.lastIndex();
    for (int id : oracle.currentMembers()) {
      SimNode node = nodes.get(id);
      if (node.digests.size() - 1 != last
          || node.digests.get((int) last) != oracle.knownDigest(last)) {
        throw failure("member " + id + " did not converge to index " + last);
      }
      if (node.replica == null || node.health.status().state() == ReplicaHealth.State.FAILED) {
        throw failure(
            "member " + id + " converged but its replica does not run: " + node.health.status());
      }
      if (node.journalFailed) {
        count("journalCaughtUp"); // restarted after a journal failure, holds everything now
      }
    }
    checkAfterStep();
  }

  // ---------------------------------------------------------------- views for the oracle

  long appliedCount(int nodeId) {
    return nodes.get(nodeId).digests.size() - 1;
  }

  Entry<SimCommand> persistedEntry(int nodeId, long index) {
    List<Entry<SimCommand>> log = nodes.get(nodeId).log;
    return index <= log.size() ? log.get((int) index - 1) : null;
  }

  List<Integer> survivingNodeIds() {
    List<Integer> ids = new ArrayList<>();
    for (SimNode node : nodes) {
      if (!node.gone && !node.installedOnly) {
        ids.add(node.id);
      }
    }
    return ids;
  }

  Oracle oracle() {
    return oracle;
  }

  private void count(String key) {
    counts.merge(key, 1, Integer::sum);
  }

  Map<String, Integer> stats() {
    Map<String, Integer> stats = new TreeMap<>(counts);
    stats.put("committed", oracle.committedReplies);
    stats.put("unavailable", oracle.unavailableReplies);
    stats.put("noLeader", oracle.noLeaderReplies);
    stats.put("leadersStarted", leadersStarted);
    stats.put("leadersServing", leadersServing);
    stats.put("stepDowns", stepDowns);
    return stats;
  }

  // ---------------------------------------------------------------- diagnostics

  private void note(String line) {
    trace.addLast(step + " @" + nowMillis + " " + line);
    if (trace.size() > TRACE_LINES) {
      trace.removeFirst();
    }
  }

  private AssertionError failure(String message) {
    return new AssertionError(
        "seed "
            + seed
            + ", step "
            + step
            + ": "
            + message
            + "\nlast events:\n"
            + String.join("\n", trace));
  }
}
