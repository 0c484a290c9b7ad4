package io.openkms.kms.cluster;

import com.typesafe.config.Config;
import io.openkms.kms.actors.Leader;
import io.openkms.kms.actors.LocalNode;
import io.openkms.kms.actors.NodeSystem;
import io.openkms.kms.actors.ReplicaMonitor;
import io.openkms.kms.actors.ReplicaState;
import io.openkms.kms.replication.LeaderRole;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.apache.pekko.actor.Address;
import org.apache.pekko.actor.AddressFromURIString;
import org.apache.pekko.actor.BootstrapSetup;
import org.apache.pekko.actor.setup.ActorSystemSetup;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.cluster.MemberStatus;
import org.apache.pekko.cluster.typed.Cluster;
import org.apache.pekko.cluster.typed.ClusterSingleton;
import org.apache.pekko.cluster.typed.Join;
import org.apache.pekko.cluster.typed.JoinSeedNodes;
import org.apache.pekko.cluster.typed.Leave;
import org.apache.pekko.cluster.typed.SingletonActor;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The supervisor of a node's clustered actor system (docs/ARCHITECTURE.md §3 "Read path": "a local
 * actor system for the store, state and HTTP, and a clustered one for membership and replication
 * that a supervisor restarts"). The node's replica, state and HTTP live in the local system and
 * never depend on this one; this one carries Artery (TLS, internode key), Pekko Cluster membership,
 * the leader singleton and the node's {@link ReplicaEndpoint}.
 *
 * <h2>Lifecycle (one supervisor thread)</h2>
 * <ul>
 *   <li>Start: create the system, start the singleton and the endpoint, then join.
 *   <li>Join: a node whose cluster definition holds only itself joins itself (a single-node
 *       cluster). Any other node never forms a cluster of its own while another member may be in
 *       one: it probes its members over HTTPS ({@code /v1/rpc/status}) and joins those that are
 *       in the cluster; only when every member answers and none is, the member with the lowest id
 *       forms the cluster (after a full restart). A node told to join by a leader
 *       ({@link #joinAs}) joins the given seeds.
 *   <li>Restart: when the system terminates (the split brain resolver downed it, it was
 *       quarantined) or a join does not complete within {@value #JOIN_TIMEOUT_MILLIS} ms, a new
 *       system is started after {@link ClusterSettings#restartDelay()}; it keeps trying to rejoin.
 *   <li>Stale view: a system that stays Up while some member is unreachable for
 *       {@value #UNREACHABLE_MILLIS} ms (longer than the split brain resolver takes to down a
 *       minority) probes those members over HTTPS; if one answers that it runs the cluster
 *       without this node, and either this node reaches no majority or that member's side is a
 *       majority, the others downed and quarantined this node while it was paused or cut off and
 *       no gossip will reach it any more: the system is restarted and rejoins.
 *   <li>Removal: once the node's replica applied its own removal, it leaves and stays out.
 * </ul>
 */
public final class ClusterRuntime implements AutoCloseable {

  /** Bound on one join attempt before the clustered system is restarted. */
  static final long JOIN_TIMEOUT_MILLIS = 20_000;

  /** Bound on a clustered system's termination before the supervisor gives up on it. */
  static final long TERMINATE_TIMEOUT_MILLIS = 15_000;

  /** How often the supervisor looks at a joining or running system. */
  static final long CHECK_MILLIS = 1_000;

  /**
   * How long a member may stay unreachable from an Up system before the supervisor asks it
   * whether it still counts this node in (then again every {@value #UNREACHABLE_PROBE_MILLIS}
   * ms).
   */
  static final long UNREACHABLE_MILLIS = 15_000;

  /** Bound on one status probe of another member. */
  static final long PROBE_TIMEOUT_MILLIS = 3_000;

  /** Interval between two probes of members that stay unreachable. */
  static final long UNREACHABLE_PROBE_MILLIS = 5_000;

  private static final Logger LOG = LoggerFactory.getLogger(ClusterRuntime.class);

  private final LocalNode node;
  private final ClusterSettings settings;
  private final InternodeTls tls;
  private final InternodeProbe probe;
  private final InternodeProof proof;
  private final Config baseConfig;
  private final String version;
  private final ScheduledExecutorService supervisor;
  private final SecureRandom random = new SecureRandom();
  private final AtomicReference<LeaderInfo> localLeader = new AtomicReference<>();
  private volatile Handle current;
  private volatile boolean stopping;
  private volatile boolean left;
  /** Until when (System.nanoTime) a fresh node told to join answers "joining"; 0: never. */
  private volatile long joiningUntilNanos;
  private int generation;
  private List<String> forcedSeeds;
  private long joinRequestedAt;
  private long notUpSince;
  private boolean wasUp;
  private long unreachableSince;
  private long unreachableProbedAt;

  /**
   * A running clustered system.
   *
   * @param generation increases with every start
   * @param system the clustered actor system
   * @param leaderProxy the singleton proxy of the leader
   */
  record Handle(int generation, ActorSystem<Void> system, ActorRef<Leader.Command> leaderProxy) {}

  /** The leader hosted on this node, if any. */
  record LeaderInfo(ActorRef<Leader.Command> leader, long term, LeaderRole role) {}

  /**
   * @param node the node's replica and state (local actor system)
   * @param settings host, ports, timeouts
   * @param tls the internode key and certificate
   * @param probe the internode HTTPS client
   * @param proof the HSM-derived proof key
   * @param baseConfig the configuration under ours (operator's and libraries' defaults)
   * @param version this node's release, reported in its status
   */
  public ClusterRuntime(LocalNode node, ClusterSettings settings, InternodeTls tls,
      InternodeProbe probe, InternodeProof proof, Config baseConfig, String version) {
    this.node = node;
    this.version = version;
    this.settings = settings;
    this.tls = tls;
    this.probe = probe;
    this.proof = proof;
    this.baseConfig = baseConfig;
    this.supervisor = Executors.newSingleThreadScheduledExecutor(r -> {
      Thread t = new Thread(r, "minkms-cluster-supervisor");
      t.setDaemon(true);
      return t;
    });
    node.onEvent(event -> {
      if (event instanceof io.openkms.kms.replication.Event.RemovedFromCluster) {
        supervisor.execute(this::leave);
      }
    });
  }

  /** Starts the clustered system (asynchronously). */
  public void start() {
    supervisor.execute(this::startSystem);
  }

  /** The running clustered system, or empty while it (re)starts. */
  Optional<Handle> current() {
    return Optional.ofNullable(current);
  }

  /** The node's settings. */
  ClusterSettings settings() {
    return settings;
  }

  /** The internode key material. */
  InternodeTls tls() {
    return tls;
  }

  /** The internode HTTPS client. */
  InternodeProbe probe() {
    return probe;
  }

  /** The HSM-derived proof key. */
  InternodeProof proof() {
    return proof;
  }

  /** The leader hosted on this node (null if none). */
  LeaderInfo localLeader() {
    return localLeader.get();
  }

  /** True once this node left its cluster for good (it was removed). */
  boolean hasLeft() {
    return left;
  }

  // ---------------------------------------------------------------- starting

  private void startSystem() {
    if (stopping) {
      return;
    }
    int gen = ++generation;
    ActorSystem<Void> system;
    try {
      ActorSystemSetup setup = ActorSystemSetup.create(
          BootstrapSetup.create(settings.pekkoConfig(baseConfig)), tls);
      system = ActorSystem.create(Behaviors.setup(ctx -> {
        ctx.spawn(ReplicaMonitor.restarting(ReplicaEndpoint.create(node.replicaLog(),
            this::status, this::installProgress)), ReplicaEndpoint.NAME);
        return Behaviors.empty();
      }), ClusterSettings.SYSTEM_NAME, setup);
    } catch (RuntimeException e) {
      LOG.warn("cannot start the cluster system on port {}: {}; retrying",
          settings.clusterPort(), e.getMessage());
      supervisor.schedule(this::startSystem, settings.restartDelay().toMillis(),
          TimeUnit.MILLISECONDS);
      return;
    }
    ActorRef<Leader.Command> proxy = ClusterSingleton.get(system).init(
        SingletonActor.of(ReplicaMonitor.restarting(Leader.create(new ClusterEnv(this, node))),
            "leader")
            .withStopMessage(Leader.Stop.INSTANCE));
    current = new Handle(gen, system, proxy);
    joinRequestedAt = 0;
    notUpSince = 0;
    wasUp = false;
    unreachableSince = 0;
    unreachableProbedAt = 0;
    system.getWhenTerminated().thenRun(() -> supervisor.execute(() -> onTerminated(gen)));
    List<String> seeds = forcedSeeds;
    forcedSeeds = null;
    if (seeds != null) {
      LOG.info("joining the cluster at {}", seeds);
      joinSeeds(system, seeds);
    }
    supervisor.schedule(() -> check(gen), 0, TimeUnit.MILLISECONDS);
  }

  private void onTerminated(int gen) {
    Handle h = current;
    if (h != null && h.generation() == gen) {
      current = null;
    }
    if (stopping || left || gen != generation) {
      return;
    }
    LOG.info("the cluster system stopped; restarting it in {} ms",
        settings.restartDelay().toMillis());
    supervisor.schedule(this::startSystem, settings.restartDelay().toMillis(),
        TimeUnit.MILLISECONDS);
  }

  private void restart(Handle h, String why) {
    LOG.warn("restarting the cluster system: {}", why);
    h.system().terminate();
    supervisor.schedule(() -> abandonIfStuck(h), TERMINATE_TIMEOUT_MILLIS, TimeUnit.MILLISECONDS);
  }

  /**
   * A clustered system that does not terminate within {@value #TERMINATE_TIMEOUT_MILLIS} ms of
   * being asked to is left behind (its threads are logged), its internode port is released
   * ({@link StuckArtery}) and a new one is started; the new one retries until it can bind the
   * cluster port.
   */
  private void abandonIfStuck(Handle h) {
    if (h.system().whenTerminated().isCompleted() || current != h || stopping || left) {
      return;
    }
    StringBuilder threads = new StringBuilder();
    Thread.getAllStackTraces().forEach((thread, stack) -> {
      if (thread.getName().startsWith(ClusterSettings.SYSTEM_NAME)) {
        threads.append('\n').append(thread.getName()).append(' ').append(thread.getState());
        for (int i = 0; i < Math.min(stack.length, 8); i++) {
          threads.append("\n    at ").append(stack[i]);
        }
      }
    });
    LOG.warn("the cluster system did not terminate within {} ms; releasing its port and starting"
        + " a new one. Threads:{}", TERMINATE_TIMEOUT_MILLIS, threads);
    StuckArtery.releasePort(h.system(), TERMINATE_TIMEOUT_MILLIS);
    generation++; // its late termination must not start yet another system
    current = null;
    startSystem();
  }

  // ---------------------------------------------------------------- joining and watching

  /** Looks at the current system: joins it when needed, restarts it when it is stuck. */
  private void check(int gen) {
    Handle h = current;
    if (h == null || h.generation() != gen || stopping || left) {
      return;
    }
    long now = System.currentTimeMillis();
    MemberStatus status = Cluster.get(h.system()).selfMember().status();
    if (status == MemberStatus.up() || status == MemberStatus.weaklyUp()) {
      wasUp = true;
      joinRequestedAt = 0;
      notUpSince = 0;
      watchUnreachable(h, now);
    } else if (wasUp) {
      // downed, leaving or removed: Pekko normally terminates the system; if not, restart it
      if (notUpSince == 0) {
        notUpSince = now;
        supervisor.schedule(() -> abandonIfStuck(h), TERMINATE_TIMEOUT_MILLIS,
            TimeUnit.MILLISECONDS);
      } else if (now - notUpSince > JOIN_TIMEOUT_MILLIS) {
        restart(h, "this node is " + status);
        return;
      }
    } else if (joinRequestedAt > 0) {
      if (now - joinRequestedAt > JOIN_TIMEOUT_MILLIS) {
        restart(h, "not up " + JOIN_TIMEOUT_MILLIS + " ms after joining");
        return;
      }
    } else {
      bootstrap(h);
    }
    supervisor.schedule(() -> check(gen), CHECK_MILLIS, TimeUnit.MILLISECONDS);
  }

  /**
   * Restarts an Up system whose view is stale (see the class documentation, "Stale view"): a
   * member unreachable for {@value #UNREACHABLE_MILLIS} ms answers over HTTPS that its reachable
   * Up members do not include this node, and either this node reaches no majority or those
   * members are a majority of this node's view. A member that does not answer (dead, paused)
   * changes nothing: a survivor keeps its system and the split brain resolver decides.
   */
  private void watchUnreachable(Handle h, long now) {
    PekkoMembers.Reachability view = PekkoMembers.reachability(h.system());
    if (view.unreachable().isEmpty()) {
      unreachableSince = 0;
      return;
    }
    if (unreachableSince == 0) {
      unreachableSince = now;
    }
    if (now - unreachableSince < UNREACHABLE_MILLIS
        || now - unreachableProbedAt < UNREACHABLE_PROBE_MILLIS) {
      return;
    }
    unreachableProbedAt = now;
    String clusterId = node.replicaState().kms().membership().clusterId();
    for (String host : view.unreachable()) {
      probeBriefly(host).thenAccept(answer -> answer
          .filter(r -> excludesThisNode(r, clusterId, settings.host(), view))
          .ifPresent(r -> supervisor.execute(() -> {
            if (current == h && !stopping && !left) {
              restart(h, host + " runs the cluster with " + r.upHosts()
                  + ", without this node, which cannot reach it");
            }
          })));
    }
  }

  /**
   * True if {@code r}, the answer of a member this node cannot reach, shows that its side of
   * cluster {@code clusterId} has moved on without {@code selfHost}: it is Up in that cluster,
   * reaches no {@code selfHost}, and either this node reaches no majority of the members in
   * {@code view} or that member's side is a majority of them.
   */
  static boolean excludesThisNode(ProbeResult r, String clusterId, String selfHost,
      PekkoMembers.Reachability view) {
    return r.clusterId().equals(clusterId) && r.inCluster() && r.upHosts() != null
        && !r.upHosts().contains(selfHost)
        && (!view.majority() || 2 * r.upHosts().size() > view.members());
  }

  /** Decides whom to join (see the class documentation). */
  private void bootstrap(Handle h) {
    ReplicaState s = node.replicaState();
    if (s.removed()) {
      supervisor.execute(this::leave);
      return;
    }
    Map<Integer, String> others = new TreeMap<>(s.kms().membership().nodes());
    others.remove(s.selfId());
    if (others.isEmpty()) {
      LOG.info("forming a single-node cluster");
      joinSelf(h);
      return;
    }
    joinRequestedAt = System.currentTimeMillis(); // no second probe round while this one runs
    List<CompletableFuture<Optional<ProbeResult>>> answers = new ArrayList<>();
    for (String host : others.values()) {
      answers.add(probeBriefly(host));
    }
    CompletableFuture.allOf(answers.toArray(new CompletableFuture[0])).thenRun(() ->
        supervisor.execute(() -> decide(h, s, others, answers.stream().map(
            CompletableFuture::join).toList())));
  }

  private void decide(Handle h, ReplicaState s, Map<Integer, String> others,
      List<Optional<ProbeResult>> answers) {
    joinRequestedAt = 0;
    if (current != h || stopping || left || PekkoMembers.selfUp(h.system())) {
      return;
    }
    String clusterId = s.kms().membership().clusterId();
    List<String> seeds = new ArrayList<>();
    int answered = 0;
    for (Optional<ProbeResult> answer : answers) {
      if (answer.isEmpty() || !answer.get().clusterId().equals(clusterId)) {
        continue;
      }
      ProbeResult r = answer.get();
      answered++;
      if (r.inCluster() && !r.removed()) {
        if (!r.members().containsKey(s.selfId())) {
          LOG.warn("node {} no longer lists this node as a member: {}", r.host(),
              io.openkms.kms.domain.ApiError.NOT_PART_OF_CLUSTER.message());
          node.markRemoved();
          return;
        }
        seeds.add(r.clusterAddress());
      }
    }
    if (!seeds.isEmpty()) {
      LOG.info("joining the cluster at {}", seeds);
      joinSeeds(h.system(), seeds);
      return;
    }
    int lowest = Math.min(s.selfId(), others.keySet().iterator().next());
    if (answered == others.size() && lowest == s.selfId()) {
      LOG.info("every member answered and none is in a cluster: forming it as node {}",
          s.selfId());
      joinSelf(h);
    }
  }

  private void joinSelf(Handle h) {
    Cluster cluster = Cluster.get(h.system());
    cluster.manager().tell(Join.create(cluster.selfMember().address()));
    joinRequestedAt = System.currentTimeMillis();
  }

  private void joinSeeds(ActorSystem<?> system, List<String> seeds) {
    List<Address> addresses = new ArrayList<>();
    for (String seed : seeds) {
      addresses.add(AddressFromURIString.parse(seed));
    }
    Cluster.get(system).manager().tell(new JoinSeedNodes(addresses));
    joinRequestedAt = System.currentTimeMillis();
  }

  /**
   * Restarts the clustered system towards {@code instruction}'s seeds (a leader adds this fresh
   * node, docs/ARCHITECTURE.md §3 "Joining").
   *
   * @return completes once the restart is under way
   */
  CompletionStage<Void> joinAs(JoinInstruction instruction) {
    CompletableFuture<Void> done = new CompletableFuture<>();
    supervisor.execute(() -> {
      LOG.info("told to join cluster {} by {} as node {}", instruction.clusterId(),
          instruction.leader(), instruction.nodeId());
      installProgress();
      forcedSeeds = List.copyOf(instruction.seeds());
      Handle h = current;
      if (h != null) {
        generation++; // the old system's termination must not start another one
        int gen = generation;
        h.system().terminate();
        h.system().getWhenTerminated().thenRun(() -> supervisor.execute(() -> {
          if (gen == generation) {
            current = null;
            startSystem();
          }
        }));
      } else {
        startSystem();
      }
      done.complete(null);
    });
    return done;
  }

  /**
   * How long a fresh node told to join answers 503 {@code node is joining the cluster} without
   * news from the leader (a join that failed on the leader's side ends it).
   */
  static final long JOINING_MILLIS = 30_000;

  /** Renews the "joining" window: a leader told this node to join, or a snapshot part came. */
  void installProgress() {
    joiningUntilNanos = System.nanoTime() + JOINING_MILLIS * 1_000_000;
  }

  /**
   * True while this fresh node waits for the state of the cluster it was told to join (within
   * {@value #JOINING_MILLIS} ms of the last news): its own bootstrap state must not answer
   * requests.
   */
  boolean joining() {
    long until = joiningUntilNanos;
    return until != 0 && System.nanoTime() - until < 0 && node.replicaState().fresh();
  }

  /** This node was removed: leave the Pekko cluster and stay out. */
  private void leave() {
    if (left) {
      return;
    }
    left = true;
    LOG.warn("this node was removed from its cluster: leaving");
    Handle h = current;
    if (h != null) {
      Cluster cluster = Cluster.get(h.system());
      cluster.manager().tell(Leave.create(cluster.selfMember().address()));
    }
  }

  // ---------------------------------------------------------------- leader registry, status

  /** Records the role of the leader hosted on this node (null role: it stopped). */
  void leaderChanged(ActorRef<Leader.Command> leader, long term, LeaderRole role) {
    if (role == null) {
      localLeader.updateAndGet(l -> l != null && l.leader().equals(leader) ? null : l);
    } else {
      localLeader.set(new LeaderInfo(leader, term, role));
    }
  }

  /** This node's status (also for other nodes' {@code CLUSTER:STATUS}). */
  io.openkms.kms.actors.KmsNode.NodeStatus status() {
    ReplicaState s = node.replicaState();
    Map<Integer, String> nodes = s.kms().membership().nodes();
    long leaderId = -1;
    Handle h = current;
    if (h != null && PekkoMembers.selfMember(h.system())) {
      Optional<String> leaderHost = PekkoMembers.leaderHost(h.system());
      if (leaderHost.isPresent()) {
        leaderId = s.kms().membership().nodeId(leaderHost.get()).orElse(-1);
      }
    }
    String role = leaderId < 0 ? "Candidate" : leaderId == s.selfId() ? "Leader" : "Follower";
    long heartbeat = h == null ? 0 : h.system().settings().config()
        .getDuration("pekko.cluster.failure-detector.heartbeat-interval").toMillis();
    return new io.openkms.kms.actors.KmsNode.NodeStatus(s.selfId(), settings.host(), role,
        leaderId, s.lastIndex(), node.uptimeMillis(), 0, nodes,
        NodeSystem.current(version, heartbeat, settings.stableAfter().toMillis()),
        node.replicaProblem());
  }

  /** The KMS hosts of the Up members this node's clustered system reaches (itself included). */
  Set<String> upHosts() {
    Handle h = current;
    return h == null || !PekkoMembers.selfUp(h.system()) ? Set.of()
        : Set.copyOf(PekkoMembers.upMembers(h.system()).keySet());
  }

  /** True if this node's clustered system is an Up member. */
  boolean inCluster() {
    Handle h = current;
    return h != null && PekkoMembers.selfUp(h.system());
  }

  /**
   * Asks {@code host} for its status ({@code /v1/rpc/status}); empty if it does not answer within
   * {@value #PROBE_TIMEOUT_MILLIS} ms or the exchange fails. Never completes exceptionally.
   */
  private CompletableFuture<Optional<ProbeResult>> probeBriefly(String host) {
    return probe.status(host, nonce()).toCompletableFuture()
        .completeOnTimeout(null, PROBE_TIMEOUT_MILLIS, TimeUnit.MILLISECONDS)
        .handle((r, e) -> Optional.ofNullable(e == null ? r : null));
  }

  private byte[] nonce() {
    byte[] nonce = new byte[32];
    random.nextBytes(nonce);
    return nonce;
  }

  /**
   * Leaves the cluster and stops the clustered system: waits up to 20 s, then releases its
   * internode port ({@link StuckArtery}) so that a node restarted in the same process can bind it.
   */
  @Override
  public void close() {
    stopping = true;
    Handle h = current;
    if (h != null) {
      h.system().terminate();
      try {
        h.system().getWhenTerminated().toCompletableFuture().get(20, TimeUnit.SECONDS);
      } catch (Exception e) {
        // a node stopped for an in-process restart must get its internode port back
        LOG.warn("the cluster system did not stop in time: {}; releasing its port", e.toString());
        StuckArtery.releasePort(h.system(), TERMINATE_TIMEOUT_MILLIS);
      }
    }
    supervisor.shutdownNow();
  }
}
