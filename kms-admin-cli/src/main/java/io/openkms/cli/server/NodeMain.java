package io.openkms.cli.server;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import io.openkms.cli.BuildInfo;
import io.openkms.cli.CliException;
import io.openkms.cli.config.ServerConfig;
import io.openkms.cli.config.StoreSettings;
import io.openkms.http.observe.Observability;
import io.openkms.http.server.ApiContext;
import io.openkms.http.server.KmsHttpServer;
import io.openkms.http.server.NodeOps;
import io.openkms.kms.actors.KmsNode;
import io.openkms.kms.actors.LocalNode;
import io.openkms.kms.actors.ReplicaLog;
import io.openkms.kms.crypto.ApiKey;
import io.openkms.kms.crypto.Identity;
import io.openkms.kms.domain.Membership;
import io.openkms.kms.util.Stages;
import io.openkms.persistence.Hsm;
import io.openkms.persistence.HsmKey;
import io.openkms.persistence.JournalHighWaterMark;
import io.openkms.persistence.JournalIntegrity;
import io.openkms.persistence.JournalShredder;
import io.openkms.persistence.JournalWatermark;
import io.openkms.persistence.NodeVolume;
import io.openkms.persistence.Schema;
import io.openkms.persistence.Sealing;
import io.openkms.persistence.SoftHsm;
import io.openkms.persistence.StartupException;
import io.openkms.persistence.StoreConfig;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.BindException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Clock;
import java.time.Duration;
import java.util.Comparator;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import java.util.stream.Stream;
import javax.net.ssl.SSLContext;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.http.javadsl.ServerBinding;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Starts one node (issue 2, point 4): checks everything that can be wrong before it touches the
 * disk (HSM key, config, certificates, listen port, store settings; a PostgreSQL store is prepared
 * before the volume is opened, so an unreachable database changes nothing in DIR), opens the sealed
 * volume ({@code failed to unseal root encryption key with HSM: invalid ciphertext} on a wrong
 * key), starts the actor system on the node's store, recovers and bootstraps the replicated state,
 * binds HTTPS and prints the banner of the deployment guide, step 3. Blocks until the node is
 * stopped.
 *
 * <p>Stopping: {@code SIGTERM} or {@code SIGINT} once the node is up stops it in order (Pekko's
 * coordinated shutdown: the HTTPS port is unbound, requests in flight get up to {@link #HTTP_DRAIN}
 * to finish, the actors stop, the store is closed) and the process exits with code <b>0</b> ({@link
 * StopSignals}). A signal during start exits at once with the JVM's usual 128 + signal number (143,
 * 130).
 *
 * <p>{@code --dev} (docs/REFERENCE.md §2.3: "random root key and ephemeral state"): the sealed REK
 * and the journal live in a new temporary directory that is deleted when the node stops; nothing of
 * the state is written to DIR (which only keeps the self-signed certificate in {@code DIR/certs}),
 * and the {@code store} section of the config is ignored.
 *
 * <p>Restarting ({@code minkms restart}, {@code /v1/debug/restart}, {@code /v1/rpc/restart}): the
 * node stops in order as on SIGTERM. Under systemd (the environment has {@code INVOCATION_ID}) or
 * with {@code MINKMS_RESTART=exit}, the process then exits with {@link #RESTART_EXIT_CODE} and the
 * unit's {@code Restart=} starts it again (reading {@code /etc/default/minkms} anew). Otherwise
 * ({@code MINKMS_RESTART=in-process}, the default without systemd) the same process reads the
 * config file and certificates again and starts the node anew, with the same PID, so any supervisor
 * keeps tracking it.
 */
public final class NodeMain implements NodeLauncher {

  /** Bound on recovery and bootstrap at start. */
  static final Duration START_TIMEOUT = Duration.ofSeconds(60);

  /** Bound on a write (docs/ARCHITECTURE.md §3). */
  static final Duration WRITE_TIMEOUT = Duration.ofSeconds(10);

  /** How long requests in flight may take to finish when the node stops. */
  static final Duration HTTP_DRAIN = Duration.ofSeconds(5);

  /**
   * The node's Pekko defaults ({@code minkms-node.conf}: the default dispatcher sized to the cores,
   * at least 2 threads), under the operator's {@code application.conf}.
   */
  static final Config NODE_DEFAULTS =
      ConfigFactory.parseResources(NodeMain.class.getClassLoader(), "minkms-node.conf");

  /** The exit code of a node that stops for a restart by its supervisor (systemd). */
  public static final int RESTART_EXIT_CODE = 75;

  /** Bound on waiting for the ports of the stopped node before it starts again. */
  static final Duration RESTART_PORT_WAIT = Duration.ofSeconds(60);

  private static final Logger LOG = LoggerFactory.getLogger(NodeMain.class);

  private final AtomicBoolean restartRequested = new AtomicBoolean();

  /**
   * Runs the node until SIGTERM/SIGINT.
   *
   * @return 0 after a stop by signal
   * @throws CliException exit 1 with the one-line startup error, or {@code node stopped
   *     unexpectedly} when the node stops without a signal
   */
  @Override
  public int launch(ServerOptions options, ServerConfig config) throws Exception {
    AtomicReference<RunningNode> running = new AtomicReference<>();
    AtomicReference<String> stopSignal = new AtomicReference<>();
    StopSignals.install(
        (name, number) -> {
          RunningNode up = running.get();
          if (up == null) {
            Runtime.getRuntime().exit(128 + number); // as the JVM's default handler
            return;
          }
          if (stopSignal.compareAndSet(null, name)) {
            LOG.info("{} received: stopping the node", name);
          }
          up.system().terminate();
        });
    ServerConfig current = config;
    while (true) {
      RunningNode node = start(options, current);
      running.set(node);
      System.out.println(node.banner());
      System.out.flush();
      node.stopped().toCompletableFuture().join();
      if (stopSignal.get() == null && restartRequested.getAndSet(false)) {
        running.set(null); // a signal during the restart exits at once
        if (restartByExit(System.getenv())) {
          LOG.info(
              "node stopped for a restart: exiting with {} for the supervisor to start it"
                  + " again",
              RESTART_EXIT_CODE);
          return RESTART_EXIT_CODE;
        }
        current = reloadConfig(options);
        awaitPortsFree(options, current);
        LOG.info("node stopped for a restart: starting it again");
        continue;
      }
      if (stopSignal.get() == null) {
        throw CliException.failure("node stopped unexpectedly");
      }
      LOG.info("node stopped");
      return 0;
    }
  }

  /**
   * True when a restart ends the process ({@link #RESTART_EXIT_CODE}) instead of starting the node
   * again in it: {@code MINKMS_RESTART=exit}, or under systemd ({@code INVOCATION_ID}) unless
   * {@code MINKMS_RESTART=in-process}.
   */
  static boolean restartByExit(java.util.Map<String, String> env) {
    String mode = env.getOrDefault("MINKMS_RESTART", "");
    if (mode.equals("exit")) {
      return true;
    }
    if (mode.equals("in-process")) {
      return false;
    }
    return env.get("INVOCATION_ID") != null;
  }

  /** The config file read again (its errors stop the node: exit 1 with the message). */
  private static ServerConfig reloadConfig(ServerOptions options) throws CliException {
    ServerConfig config =
        options.configFile().isPresent()
            ? ServerConfig.load(options.configFile().get(), System.getenv())
            : ServerConfig.defaults();
    for (String warning : config.warnings()) {
      LOG.warn("config: {}", warning);
    }
    return config;
  }

  /**
   * Waits until the API and cluster ports of a stopped node can be bound again (as its next start
   * binds them), checking every 200 ms for at most {@link #RESTART_PORT_WAIT} (60 s): before an
   * in-process restart, and wherever a node is started again in the same JVM.
   *
   * @param options the stopped node's options ({@code --address}: the API port and bind address)
   * @param config its config ({@code cluster.port}, by default the API port + 1)
   * @throws CliException exit 1 {@code cannot listen on <address>:<port>: <reason>} if a port is
   *     still taken after the wait
   */
  public static void awaitPortsFree(ServerOptions options, ServerConfig config)
      throws CliException, InterruptedException {
    long deadline = System.nanoTime() + RESTART_PORT_WAIT.toNanos();
    while (true) {
      try {
        probePort(options.address());
        ClusterStartup.probePort(options, config);
        return;
      } catch (CliException e) {
        if (System.nanoTime() > deadline) {
          throw e;
        }
        Thread.sleep(200);
      }
    }
  }

  /**
   * A started node: its actor system (terminate it to stop the node), the node, its banner and root
   * API key.
   *
   * @param stopped completes once the actor system has terminated (journal pool closed), the
   *     journal shredder's last run has ended (its H2 connection closed, so the database and its
   *     lock file are gone) and, with {@code --dev}, the temporary state directory is deleted
   */
  public record RunningNode(
      ActorSystem<Void> system,
      LocalNode node,
      String banner,
      ApiKey rootApiKey,
      CompletionStage<Void> stopped)
      implements AutoCloseable {

    /** Stops the node and waits up to 30 s for it. */
    @Override
    public void close() {
      system.terminate();
      stopped.toCompletableFuture().orTimeout(30, TimeUnit.SECONDS).join();
    }
  }

  /**
   * Starts a node and returns once it serves HTTPS (tests use this to run nodes in-process).
   *
   * @throws CliException exit 1 with the one-line startup error
   */
  public RunningNode start(ServerOptions options, ServerConfig config) throws Exception {
    HsmKey hsmKey = hsmKey(options);
    Hsm hsm = new SoftHsm(hsmKey);
    ServerCertificate tls = ServerCertificate.load(options, config);
    probePort(options.address());
    ClusterStartup.probePort(options, config);
    if (options.dev() && config.store().kind() != StoreSettings.Kind.H2) {
      LOG.warn("--dev: the store section of the config is ignored, the state is temporary");
    }
    StoreConfig store = options.dev() ? null : store(options.dir(), config.store());
    if (store instanceof StoreConfig.Postgres postgres) {
      applySchema(store); // before DIR is touched: an unreachable database changes nothing
      if (!Files.exists(options.dir().resolve(NodeVolume.KMS_DB), LinkOption.NOFOLLOW_LINKS)) {
        requireNoJournal(postgres, options.dir());
      }
    }
    Path devDir = options.dev() ? Files.createTempDirectory("minkms-dev-") : null;
    try {
      Path volumeDir = devDir != null ? devDir : options.dir();
      if (devDir != null) {
        store = store(devDir, StoreSettings.H2);
      }
      NodeVolume volume;
      try {
        volume = NodeVolume.open(volumeDir, hsm);
      } catch (StartupException e) {
        throw CliException.failure(e.getMessage());
      }
      if (store instanceof StoreConfig.H2) {
        applySchema(store);
      }
      checkJournal(store, volume);
      try {
        volume.restrictModes(); // DIR 0700, kms.db and H2's files 0600 (issue 13)
      } catch (StartupException e) {
        throw CliException.failure(e.getMessage());
      }
      RunningNode node =
          run(
              options,
              config,
              hsm,
              tls,
              store,
              volume,
              system -> {
                restartRequested.set(true);
                system.terminate();
              });
      return devDir == null
          ? node
          : new RunningNode(
              node.system(),
              node.node(),
              node.banner(),
              node.rootApiKey(),
              node.stopped().thenRun(() -> deleteTree(devDir)));
    } catch (Exception | Error e) {
      if (devDir != null) {
        deleteTree(devDir);
      }
      throw e;
    }
  }

  private static RunningNode run(
      ServerOptions options,
      ServerConfig config,
      Hsm hsm,
      ServerCertificate tls,
      StoreConfig store,
      NodeVolume volume,
      java.util.function.Consumer<ActorSystem<Void>> restart)
      throws Exception {
    ApiKey rootKey = ApiKey.fromSeed(hsm.deriveSeed(Hsm.ROOT_API_KEY_LABEL));
    Set<Identity> roots =
        config
            .adminIdentity()
            .map(id -> Set.of(Identity.parse(id)))
            .orElse(Set.of(rootKey.identity()));
    SSLContext sslContext = tls.sslContext(options.dir());

    Config pekko =
        ConfigFactory.defaultOverrides()
            .withFallback(store.pekkoConfig())
            .withFallback(ConfigFactory.defaultApplication())
            .withFallback(NODE_DEFAULTS)
            .withFallback(KmsHttpServer.defaults())
            .withFallback(ConfigFactory.defaultReference())
            .resolve();
    Observability observability = NodeObservability.start(config);
    ActorSystem<Void> system = ActorSystem.create(Behaviors.empty(), "minkms", pekko);
    Sealing.get(system).install(volume.rek());
    JournalWatermark.get(system).install(highWaterMark(volume));
    JournalShredder shredder =
        new JournalShredder(
                store,
                ReplicaLog.PERSISTENCE_ID,
                pekko.getDuration(JournalShredder.SETTLE_KEY),
                Clock.systemUTC())
            .start(pekko.getDuration(JournalShredder.INTERVAL_KEY));
    // One chain, so that stopped completes only after the shredder's last run: that run holds its
    // own H2 connection and keeps the database open (its lock file and compaction in DIR) after the
    // journal's pool closed. Separate dependents of whenTerminated run in no defined order (in
    // fact the last registered first), and close() returned while the shredder still wrote DIR.
    CompletionStage<Void> stopped =
        system
            .getWhenTerminated()
            .thenRun(
                () -> {
                  try {
                    shredder.close();
                  } finally {
                    observability.close();
                  }
                });
    String host = options.host().toString();
    LocalNode node;
    try {
      node =
          LocalNode.start(system, host, WRITE_TIMEOUT, false)
              .toCompletableFuture()
              .get(START_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
      node.setMaxChangeBytes(config.limits().maxChangeBytes());
      node.setQuotas(config.limits().quotas());
      // the applied state, also of a node whose removal is in doubt (it serves nothing, but starts:
      // lifecycle.NodeStart, issue 12)
      HeapCheck.warnIfStateTooLarge(node.replicaState().kms(), Runtime.getRuntime().maxMemory())
          .ifPresent(LOG::warn);
      BuildInfo build = BuildInfo.current();
      KmsNode served = ClusterStartup.start(node, hsm, options, config, WRITE_TIMEOUT);
      NodeOps ops =
          NodeOperations.ops(
              system.settings().config(), hsm, served, host, () -> restart.accept(system));
      ApiContext api =
          new ApiContext(
              served,
              new ApiContext.ServerInfo(build.release(), build.commit(), build.apiVersion(), host),
              roots,
              Clock.systemUTC(),
              observability,
              ops);
      ServerBinding binding =
          KmsHttpServer.bind(
                  system, options.address().host(), options.address().port(), sslContext, api)
              .toCompletableFuture()
              .get(START_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
      binding.addToCoordinatedShutdown(HTTP_DRAIN, system);
      LOG.info(ServerOptions.listeningNotice(options.address()));
    } catch (ExecutionException | CompletionException | TimeoutException e) {
      system.terminate();
      stopped.toCompletableFuture().get(30, TimeUnit.SECONDS);
      throw CliException.failure(startFailure(options, e));
    }
    Membership m = node.replicaState().kms().membership();
    String banner =
        new Banner(
                BuildInfo.current().release(),
                hsm.name(),
                m.clusterId(),
                m.nodes(),
                m.nodeId(host).orElse(node.replicaState().selfId()),
                "https://" + host,
                rootKey.toString(),
                tls.note(options.dir()),
                config.adminIdentity())
            .render();
    return new RunningNode(system, node, banner, rootKey, stopped);
  }

  /**
   * A new {@code kms.db} means a new root encryption key: a journal already in the PostgreSQL
   * schema was sealed under the old one and could never be read (recovery would fail). NodeVolume
   * deletes such stale journals only for H2 files in DIR; a database is not deleted behind the
   * operator's back.
   *
   * @throws CliException {@code the PostgreSQL schema S holds the journal of a node whose
   *     DIR/kms.db is gone: drop the schema (DROP SCHEMA S CASCADE) or configure another one}
   */
  private static void requireNoJournal(StoreConfig.Postgres store, Path dir) throws CliException {
    boolean used;
    try (Connection c = store.connect();
        Statement s = c.createStatement();
        ResultSet rs =
            s.executeQuery(
                "SELECT EXISTS (SELECT 1 FROM "
                    + store.schema()
                    + ".event_journal) OR EXISTS (SELECT 1 FROM "
                    + store.schema()
                    + ".snapshot)")) {
      used = rs.next() && rs.getBoolean(1);
    } catch (SQLException e) {
      throw CliException.failure(
          "cannot read the journal store "
              + store.describe()
              + ": "
              + Optional.ofNullable(e.getMessage())
                  .orElse(e.toString())
                  .lines()
                  .findFirst()
                  .orElse(""));
    }
    if (used) {
      throw CliException.failure(
          "the PostgreSQL schema "
              + store.schema()
              + " holds the journal of a node whose "
              + dir.resolve(NodeVolume.KMS_DB)
              + " is gone: drop the schema (DROP SCHEMA "
              + store.schema()
              + " CASCADE) or configure another one");
    }
  }

  private static JournalHighWaterMark highWaterMark(NodeVolume volume) {
    return new JournalHighWaterMark(volume.dir(), volume.rek(), ReplicaLog.PERSISTENCE_ID);
  }

  /**
   * Refuses a journal with removed, reordered or altered rows before anything opens it for writing
   * ({@link JournalIntegrity}).
   *
   * @throws CliException {@code journal integrity: …} naming the first bad sequence number
   */
  private static void checkJournal(StoreConfig store, NodeVolume volume) throws CliException {
    try {
      JournalIntegrity.check(store, volume.rek(), ReplicaLog.PERSISTENCE_ID, highWaterMark(volume));
    } catch (StartupException e) {
      throw CliException.failure(e.getMessage());
    }
  }

  private static void applySchema(StoreConfig store) throws CliException {
    try {
      Schema.apply(store);
    } catch (StartupException e) {
      throw CliException.failure(e.getMessage());
    }
  }

  /** Deletes a temporary directory tree; logs what it cannot delete. */
  private static void deleteTree(Path root) {
    try (Stream<Path> paths = Files.walk(root)) {
      for (Path p : paths.sorted(Comparator.reverseOrder()).toList()) {
        Files.deleteIfExists(p);
      }
    } catch (IOException | UncheckedIOException e) {
      LOG.warn("cannot delete the temporary --dev state {}: {}", root, e.getMessage());
    }
  }

  private static HsmKey hsmKey(ServerOptions options) throws CliException {
    try {
      if (options.hsmKey().isEmpty() && options.dev()) {
        return HsmKey.generate();
      }
      return HsmKey.parse(options.hsmKey().orElse(null));
    } catch (IllegalArgumentException e) {
      throw CliException.failure(e.getMessage());
    }
  }

  /**
   * Fails early, before anything is written, when the API address cannot be bound: {@code cannot
   * listen on H:P: address already in use} (or {@code cannot assign requested address}, {@code
   * permission denied}; {@link BindFailure}).
   */
  private static void probePort(HostPort address) throws CliException {
    try (ServerSocket socket = new ServerSocket()) {
      socket.setReuseAddress(true);
      socket.bind(new InetSocketAddress(InetAddress.getByName(address.host()), address.port()));
    } catch (IOException e) {
      throw CliException.failure("cannot listen on " + address + ": " + BindFailure.reason(e));
    }
  }

  private static StoreConfig store(Path dir, StoreSettings s) throws CliException {
    try {
      if (s.kind() == StoreSettings.Kind.H2) {
        return StoreConfig.h2(dir);
      }
      return StoreConfig.postgres(
          s.url()
              .orElseThrow(
                  () -> CliException.failure("config: store.url is required for postgres")),
          s.user().orElse(""),
          s.password().orElse(""),
          s.schema().orElse("minkms"));
    } catch (IllegalArgumentException e) {
      throw CliException.failure("config: " + e.getMessage());
    }
  }

  private static String startFailure(ServerOptions options, Exception e) {
    Throwable cause = Stages.cause(e);
    if (cause instanceof IllegalStateException
        && LocalNode.NOT_PART_OF_CLUSTER.equals(cause.getMessage())) {
      return LocalNode.NOT_PART_OF_CLUSTER;
    }
    if (cause instanceof BindException bind) {
      return "cannot listen on " + options.address() + ": " + BindFailure.reason(bind);
    }
    if (cause instanceof TimeoutException) {
      return "node did not start within " + START_TIMEOUT.toSeconds() + " s";
    }
    return "cannot start node: "
        + Optional.ofNullable(cause.getMessage()).orElse(cause.getClass().getSimpleName());
  }
}
