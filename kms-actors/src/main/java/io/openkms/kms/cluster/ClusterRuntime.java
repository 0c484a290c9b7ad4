package io.openkms.kms.cluster;

import com.typesafe.config.Config;
import io.openkms.kms.actors.Leader;
import io.openkms.kms.actors.LocalNode;
import io.openkms.kms.actors.ReplicaMonitor;
import io.openkms.kms.actors.ReplicaState;
import io.openkms.kms.lifecycle.Claim;
import io.openkms.kms.lifecycle.ClusterWatch;
import io.openkms.kms.lifecycle.LifecycleTimeouts;
import io.openkms.kms.lifecycle.RemovalCheck;
import io.openkms.kms.replication.LeaderRole;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;
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
 * <p>A shell on one supervisor thread: it feeds {@link ClusterWatch} (the rules: start, join,
 * restart, stale view, removal) the wall clock, the system's member status and reachability, the
 * members' status answers and the system's termination, and carries out its actions (create, join,
 * terminate or abandon a system, probe members, leave). A node told to join by a leader ({@link
 * #joinAs}) restarts its system towards the given seeds.
 */
public final class ClusterRuntime implements AutoCloseable {

  private static final Logger LOG = LoggerFactory.getLogger(ClusterRuntime.class);

  private final LocalNode node;
  private final ClusterSettings settings;
  private final InternodeTls tls;
  private final InternodeProbe probe;
  private final InternodeProof proof;
  private final Config baseConfig;
  private final String version;
  private final ScheduledExecutorService supervisor;
  private final ClusterWatch watch;
  private final RemovalWatch removalWatch;
  private final SecureRandom random = new SecureRandom();
  private final AtomicReference<LeaderInfo> localLeader = new AtomicReference<>();
  private volatile Handle current;

  /** Until when (System.nanoTime) a fresh node told to join answers "joining"; 0: never. */
  private volatile long joiningUntilNanos;

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
  public ClusterRuntime(
      LocalNode node,
      ClusterSettings settings,
      InternodeTls tls,
      InternodeProbe probe,
      InternodeProof proof,
      Config baseConfig,
      String version) {
    this.node = node;
    this.version = version;
    this.settings = settings;
    this.tls = tls;
    this.probe = probe;
    this.proof = proof;
    this.baseConfig = baseConfig;
    this.watch = new ClusterWatch(settings.host(), settings.timeouts());
    this.supervisor =
        Executors.newSingleThreadScheduledExecutor(
            r -> {
              Thread t = new Thread(r, "minkms-cluster-supervisor");
              t.setDaemon(true);
              return t;
            });
    this.removalWatch =
        new RemovalWatch(node, settings.host(), supervisor, this::upHosts, this::statusOf);
    node.onEvent(
        event -> {
          // leave only once the removal is final: an in-doubt removal may not commit, and a new
          // leader then needs this node's promise (issue 12)
          if (event instanceof io.openkms.kms.replication.Event.RemovalCommitted) {
            supervisor.execute(() -> carryOut(current, watch.removed()));
          }
        });
  }

  /** Starts the clustered system (asynchronously). */
  public void start() {
    supervisor.execute(this::startSystem);
    supervisor.scheduleWithFixedDelay(
        () -> {
          try {
            removalWatch.check();
          } catch (RuntimeException e) {
            LOG.warn("checking this node's removal failed: {}", e.toString());
          }
        },
        REMOVAL_CHECK_MILLIS,
        REMOVAL_CHECK_MILLIS,
        TimeUnit.MILLISECONDS);
  }

  /**
   * How often a node whose own removal is in doubt asks its members whether it may leave, and how
   * long it waits for their answers (issue 12, {@link RemovalCheck}).
   */
  static final long REMOVAL_CHECK_MILLIS = 3_000;

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
    return watch.left();
  }

  // ---------------------------------------------------------------- the system's life

  private void startSystem() {
    int gen = watch.nextGeneration();
    if (gen < 0) {
      return;
    }
    ActorSystem<Void> system;
    try {
      ActorSystemSetup setup =
          ActorSystemSetup.create(BootstrapSetup.create(settings.pekkoConfig(baseConfig)), tls);
      system =
          ActorSystem.create(
              Behaviors.setup(
                  ctx -> {
                    ctx.spawn(
                        ReplicaMonitor.restarting(
                            settings.timeouts(),
                            ReplicaEndpoint.create(
                                node.replicaLog(), this::status, this::installProgress)),
                        ReplicaEndpoint.NAME);
                    return Behaviors.empty();
                  }),
              ClusterSettings.SYSTEM_NAME,
              setup);
    } catch (RuntimeException e) {
      LOG.warn(
          "cannot start the cluster system on port {}: {}; retrying",
          settings.clusterPort(),
          e.getMessage());
      supervisor.schedule(
          this::startSystem, settings.timeouts().restartDelayMillis(), TimeUnit.MILLISECONDS);
      return;
    }
    ActorRef<Leader.Command> proxy =
        ClusterSingleton.get(system)
            .init(
                SingletonActor.of(
                        ReplicaMonitor.restarting(
                            settings.timeouts(), Leader.create(new ClusterEnv(this, node))),
                        "leader")
                    .withStopMessage(Leader.Stop.INSTANCE));
    Handle h = new Handle(gen, system, proxy);
    current = h;
    system.getWhenTerminated().thenRun(() -> supervisor.execute(() -> onTerminated(gen)));
    carryOut(h, watch.started(gen, System.currentTimeMillis()));
  }

  private void onTerminated(int gen) {
    Handle h = current;
    if (h != null && h.generation() == gen) {
      current = null;
    }
    carryOut(h, watch.terminated(gen));
  }

  /** Looks at the current system: joins it when needed, restarts it when it is stuck. */
  private void check(Handle h) {
    if (current != h) {
      return;
    }
    MemberStatus status = Cluster.get(h.system()).selfMember().status();
    boolean up = status == MemberStatus.up() || status == MemberStatus.weaklyUp();
    ReplicaState s = node.replicaState();
    carryOut(
        h,
        watch.check(
            h.generation(),
            System.currentTimeMillis(),
            status.toString(),
            up,
            up ? PekkoMembers.reachability(h.system()) : null,
            new ClusterWatch.Definition(
                s.selfId(),
                s.kms().membership().clusterId(),
                s.kms().membership().nodes(),
                s.mayLeave(),
                s.removalInDoubt())));
  }

  /** Carries out the watch's actions on system {@code h} (null: none runs). */
  private void carryOut(Handle h, List<ClusterWatch.Action> actions) {
    for (ClusterWatch.Action action : actions) {
      if (action instanceof ClusterWatch.Check a) {
        supervisor.schedule(() -> check(h), a.delayMillis(), TimeUnit.MILLISECONDS);
      } else if (action instanceof ClusterWatch.JoinSeeds a) {
        LOG.info("joining the cluster at {}", a.seeds());
        List<Address> addresses = new ArrayList<>();
        for (String seed : a.seeds()) {
          addresses.add(AddressFromURIString.parse(seed));
        }
        Cluster.get(h.system()).manager().tell(new JoinSeedNodes(addresses));
      } else if (action instanceof ClusterWatch.Form a) {
        LOG.info(a.why());
        Cluster cluster = Cluster.get(h.system());
        cluster.manager().tell(Join.create(cluster.selfMember().address()));
      } else if (action instanceof ClusterWatch.ProbeMembers a) {
        probeMembers(h, a);
      } else if (action instanceof ClusterWatch.ProbeUnreachable a) {
        for (String host : a.hosts()) {
          probeBriefly(host)
              .thenAccept(
                  answer ->
                      answer.ifPresent(
                          r ->
                              supervisor.execute(
                                  () ->
                                      carryOut(
                                          h,
                                          watch.staleViewAnswer(a, host, current == h, peer(r))))));
        }
      } else if (action instanceof ClusterWatch.Restart a) {
        LOG.warn("restarting the cluster system: {}", a.why());
        h.system().terminate();
      } else if (action instanceof ClusterWatch.AbandonIfStuck a) {
        supervisor.schedule(
            () ->
                carryOut(
                    h,
                    watch.terminationOverdue(
                        h.system().whenTerminated().isCompleted(), current == h)),
            a.delayMillis(),
            TimeUnit.MILLISECONDS);
      } else if (action instanceof ClusterWatch.Abandon) {
        abandon(h);
      } else if (action instanceof ClusterWatch.Start a) {
        LOG.info("the cluster system stopped; restarting it in {} ms", a.delayMillis());
        supervisor.schedule(this::startSystem, a.delayMillis(), TimeUnit.MILLISECONDS);
      } else if (action instanceof ClusterWatch.Leave) {
        LOG.warn("this node was removed from its cluster: leaving");
        if (h != null) {
          Cluster cluster = Cluster.get(h.system());
          cluster.manager().tell(Leave.create(cluster.selfMember().address()));
        }
      } else if (action instanceof ClusterWatch.MarkRemoved a) {
        LOG.warn(
            "node {} no longer lists this node as a member: {}",
            a.host(),
            io.openkms.kms.domain.ApiError.NOT_PART_OF_CLUSTER.message());
        node.markRemoved();
      }
    }
  }

  /**
   * A clustered system that does not terminate within {@link LifecycleTimeouts#terminateMillis()}
   * of being asked to is left behind (its threads are logged), its internode port is released
   * ({@link StuckArtery}) and a new one is started; the new one retries until it can bind the
   * cluster port.
   */
  private void abandon(Handle h) {
    StringBuilder threads = new StringBuilder();
    Thread.getAllStackTraces()
        .forEach(
            (thread, stack) -> {
              if (thread.getName().startsWith(ClusterSettings.SYSTEM_NAME)) {
                threads.append('\n').append(thread.getName()).append(' ').append(thread.getState());
                for (int i = 0; i < Math.min(stack.length, 8); i++) {
                  threads.append("\n    at ").append(stack[i]);
                }
              }
            });
    LOG.warn(
        "the cluster system did not terminate within {} ms; releasing its port and starting"
            + " a new one. Threads:{}",
        settings.timeouts().terminateMillis(),
        threads);
    StuckArtery.releasePort(h.system(), settings.timeouts().terminateMillis());
    current = null;
    startSystem();
  }

  /** Probes every other member, then lets the watch decide whom to join. */
  private void probeMembers(Handle h, ClusterWatch.ProbeMembers round) {
    List<CompletableFuture<Optional<ProbeResult>>> answers = new ArrayList<>();
    for (String host : round.others().values()) {
      answers.add(probeBriefly(host));
    }
    CompletableFuture.allOf(answers.toArray(new CompletableFuture[0]))
        .thenRun(
            () ->
                supervisor.execute(
                    () ->
                        carryOut(
                            h,
                            watch.probed(
                                round,
                                current == h,
                                PekkoMembers.selfUp(h.system()),
                                System.currentTimeMillis(),
                                answers.stream()
                                    .map(a -> a.join().map(ClusterRuntime::peer).orElse(null))
                                    .toList()))));
  }

  /** What the watch needs of a member's status answer. */
  static ClusterWatch.Peer peer(ProbeResult r) {
    return new ClusterWatch.Peer(
        r.host(),
        r.clusterId(),
        r.inCluster(),
        r.removed(),
        r.members().keySet(),
        r.clusterAddress(),
        r.upHosts());
  }

  /**
   * Restarts the clustered system towards {@code instruction}'s seeds (a leader adds this fresh
   * node, docs/ARCHITECTURE.md §3 "Joining").
   *
   * @return completes once the restart is under way
   */
  CompletionStage<Void> joinAs(JoinInstruction instruction) {
    CompletableFuture<Void> done = new CompletableFuture<>();
    supervisor.execute(
        () -> {
          LOG.info(
              "told to join cluster {} by {} as node {}",
              instruction.clusterId(),
              instruction.leader(),
              instruction.nodeId());
          installProgress();
          Handle h = current;
          int gen = watch.joinAs(instruction.seeds(), h != null);
          if (h != null) {
            h.system().terminate();
            h.system()
                .getWhenTerminated()
                .thenRun(
                    () ->
                        supervisor.execute(
                            () -> {
                              if (watch.latest(gen)) {
                                current = null;
                                startSystem();
                              }
                            }));
            carryOut(h, watch.joinTerminating()); // abandoned if its termination hangs
          } else {
            startSystem();
          }
          done.complete(null);
        });
    return done;
  }

  /**
   * How long a fresh node told to join answers 503 {@code node is joining the cluster} without news
   * from the leader (a join that failed on the leader's side ends it).
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

  private final AtomicReference<Claim> claim = new AtomicReference<>(Claim.NONE);

  /**
   * A leader's re-admission probe claimed this node for cluster {@code claimant} ({@code ""}: no
   * claim). Feeds {@link Claim}: a fresh node renews its joining window; one that is not fresh is
   * not admitted for {@link Claim#WINDOW_MILLIS} (one WARN when that starts).
   */
  void claimed(String claimant) {
    if (claimant == null || claimant.isEmpty()) {
      return;
    }
    ReplicaState s = node.replicaState();
    long now = monotonicMillis();
    Claim.Step[] step = new Claim.Step[1];
    claim.updateAndGet(
        c ->
            (step[0] =
                    c.claimed(
                        now,
                        claimant,
                        s.kms().membership().clusterId(),
                        s.fresh(),
                        s.lastIndex(),
                        settings.host()))
                .next());
    if (step[0].renewJoining()) {
      installProgress();
    }
    if (step[0].entered()) {
      LOG.warn("not admitted by the cluster of this HSM key: {}", step[0].next().message());
    }
  }

  /**
   * Why this node refuses client requests now: it was claimed by the cluster of its HSM key, which
   * does not admit it ({@link Claim#notAdmitted}); {@code ""} when it serves.
   */
  String notAdmitted() {
    return claim.get().problem(monotonicMillis());
  }

  /** True while {@link #notAdmitted()} is not empty (without building the message). */
  boolean refusing() {
    return claim.get().notAdmitted(monotonicMillis());
  }

  /** Milliseconds of the monotonic clock (System.nanoTime), for {@link Claim}. */
  private static long monotonicMillis() {
    return System.nanoTime() / 1_000_000;
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

  /** This node's status (also for other nodes' {@code CLUSTER:STATUS}; {@link NodeStatuses}). */
  io.openkms.kms.actors.KmsNode.NodeStatus status() {
    Handle h = current;
    return NodeStatuses.local(
        node, settings, version, h == null ? null : h.system(), notAdmitted());
  }

  /**
   * Asks the node at {@code host} of the clustered system for its status ({@code CLUSTER:STATUS}),
   * waiting up to {@link #REMOVAL_CHECK_MILLIS}; never completes exceptionally ({@link
   * NodeStatuses#ask}).
   */
  CompletableFuture<Optional<io.openkms.kms.actors.KmsNode.NodeStatus>> statusOf(String host) {
    Handle h = current;
    return NodeStatuses.ask(h == null ? null : h.system(), host, REMOVAL_CHECK_MILLIS);
  }

  /** The KMS hosts of the Up members this node's clustered system reaches (itself included). */
  Set<String> upHosts() {
    Handle h = current;
    return h == null || !PekkoMembers.selfUp(h.system())
        ? Set.of()
        : Set.copyOf(PekkoMembers.upMembers(h.system()).keySet());
  }

  /** True if this node's clustered system is an Up member. */
  boolean inCluster() {
    Handle h = current;
    return h != null && PekkoMembers.selfUp(h.system());
  }

  /**
   * Asks {@code host} for its status ({@code /v1/rpc/status}); empty if it does not answer within
   * {@link LifecycleTimeouts#probeTimeoutMillis()} or the exchange fails. Never completes
   * exceptionally.
   */
  private CompletableFuture<Optional<ProbeResult>> probeBriefly(String host) {
    return probe
        .status(host, nonce())
        .toCompletableFuture()
        .completeOnTimeout(null, settings.timeouts().probeTimeoutMillis(), TimeUnit.MILLISECONDS)
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
    watch.stop();
    Handle h = current;
    if (h != null) {
      h.system().terminate();
      try {
        h.system().getWhenTerminated().toCompletableFuture().get(20, TimeUnit.SECONDS);
      } catch (Exception e) {
        // a node stopped for an in-process restart must get its internode port back
        LOG.warn("the cluster system did not stop in time: {}; releasing its port", e.toString());
        StuckArtery.releasePort(h.system(), settings.timeouts().terminateMillis());
      }
    }
    supervisor.shutdownNow();
  }
}
