package io.openkms.cli.server;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import io.openkms.cli.BuildInfo;
import io.openkms.cli.CliException;
import io.openkms.cli.config.ServerConfig;
import io.openkms.cli.config.StoreSettings;
import io.openkms.http.server.ApiContext;
import io.openkms.http.server.KmsHttpServer;
import io.openkms.kms.actors.LocalNode;
import io.openkms.kms.crypto.ApiKey;
import io.openkms.kms.crypto.Identity;
import io.openkms.kms.domain.Membership;
import io.openkms.persistence.Hsm;
import io.openkms.persistence.HsmKey;
import io.openkms.persistence.NodeVolume;
import io.openkms.persistence.Schema;
import io.openkms.persistence.Sealing;
import io.openkms.persistence.SoftHsm;
import io.openkms.persistence.StartupException;
import io.openkms.persistence.StoreConfig;
import java.io.IOException;
import java.net.BindException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.time.Clock;
import java.time.Duration;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import javax.net.ssl.SSLContext;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.javadsl.Behaviors;

/**
 * Starts one node (issue 2, point 4): checks everything that can be wrong before it touches the
 * disk (HSM key, config, certificates, listen port), opens the sealed volume
 * ({@code failed to unseal root encryption key with HSM: invalid ciphertext} on a wrong key),
 * starts the actor system on the node's store, recovers and bootstraps the replicated state,
 * binds HTTPS and prints the banner of the deployment guide, step 3. Blocks until the node is
 * stopped (SIGTERM runs Pekko's coordinated shutdown).
 */
public final class NodeMain implements NodeLauncher {

  /** Bound on recovery and bootstrap at start. */
  static final Duration START_TIMEOUT = Duration.ofSeconds(60);

  /** Bound on a write (ARCHITECTURE §3). */
  static final Duration WRITE_TIMEOUT = Duration.ofSeconds(10);

  @Override
  public int launch(ServerOptions options, ServerConfig config) throws Exception {
    RunningNode node = start(options, config);
    System.out.println(node.banner());
    System.out.flush();
    node.system().getWhenTerminated().toCompletableFuture().join();
    return 0;
  }

  /**
   * A started node: its actor system (terminate it to stop the node), the node, its banner and
   * root API key.
   */
  public record RunningNode(ActorSystem<Void> system, LocalNode node, String banner,
      ApiKey rootApiKey) implements AutoCloseable {

    /** Stops the node and waits up to 30 s for it. */
    @Override
    public void close() {
      system.terminate();
      system.getWhenTerminated().toCompletableFuture().orTimeout(30, TimeUnit.SECONDS).join();
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
    NodeVolume volume;
    try {
      volume = NodeVolume.open(options.dir(), hsm);
    } catch (StartupException e) {
      throw CliException.failure(e.getMessage());
    }
    StoreConfig store = store(options, config.store());
    try {
      Schema.apply(store);
    } catch (StartupException e) {
      throw CliException.failure(e.getMessage());
    }
    ApiKey rootKey = ApiKey.fromSeed(hsm.deriveSeed(Hsm.ROOT_API_KEY_LABEL));
    Set<Identity> roots = config.adminIdentity()
        .map(id -> Set.of(Identity.parse(id)))
        .orElse(Set.of(rootKey.identity()));
    SSLContext sslContext = tls.sslContext(options.dir());

    Config pekko = ConfigFactory.defaultOverrides()
        .withFallback(store.pekkoConfig())
        .withFallback(ConfigFactory.defaultApplication())
        .withFallback(KmsHttpServer.defaults())
        .withFallback(ConfigFactory.defaultReference())
        .resolve();
    ActorSystem<Void> system = ActorSystem.create(Behaviors.empty(), "minkms", pekko);
    Sealing.get(system).install(volume.rek());
    String host = options.host().toString();
    LocalNode node;
    try {
      node = LocalNode.start(system, host, WRITE_TIMEOUT, false).toCompletableFuture()
          .get(START_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
      BuildInfo build = BuildInfo.current();
      ApiContext api = new ApiContext(ClusterStartup.start(node, hsm, options, config,
          WRITE_TIMEOUT),
          new ApiContext.ServerInfo(build.release(), build.commit(), build.apiVersion(), host),
          roots, Clock.systemUTC());
      KmsHttpServer.bind(system, options.address().host(), options.address().port(), sslContext,
          api).toCompletableFuture().get(START_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
    } catch (ExecutionException | CompletionException | TimeoutException e) {
      system.terminate();
      system.getWhenTerminated().toCompletableFuture().get(20, TimeUnit.SECONDS);
      throw CliException.failure(startFailure(options, e));
    }
    Membership m = node.state().membership();
    String banner = new Banner(BuildInfo.current().release(), hsm.name(), m.clusterId(),
        m.nodes(), m.nodeId(host).orElse(0), "https://" + host, rootKey.toString(),
        tls.note()).render();
    return new RunningNode(system, node, banner, rootKey);
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

  /** Fails early, before anything is written, when the API port is taken. */
  private static void probePort(HostPort address) throws CliException {
    try (ServerSocket socket = new ServerSocket()) {
      socket.setReuseAddress(true);
      socket.bind(new InetSocketAddress(InetAddress.getByName(address.host()), address.port()));
    } catch (BindException e) {
      throw CliException.failure("cannot listen on " + address + ": address already in use");
    } catch (IOException e) {
      throw CliException.failure("cannot listen on " + address + ": " + e.getMessage());
    }
  }

  private static StoreConfig store(ServerOptions options, StoreSettings s) throws CliException {
    if (s.kind() == StoreSettings.Kind.H2) {
      return StoreConfig.h2(options.dir());
    }
    try {
      return StoreConfig.postgres(s.url().orElseThrow(
              () -> CliException.failure("config: store.url is required for postgres")),
          s.user().orElse(""), s.password().orElse(""), s.schema().orElse("minkms"));
    } catch (IllegalArgumentException e) {
      throw CliException.failure("config: " + e.getMessage());
    }
  }

  private static String startFailure(ServerOptions options, Exception e) {
    Throwable cause = e;
    while ((cause instanceof ExecutionException || cause instanceof CompletionException)
        && cause.getCause() != null) {
      cause = cause.getCause();
    }
    if (cause instanceof IllegalStateException
        && LocalNode.NOT_PART_OF_CLUSTER.equals(cause.getMessage())) {
      return LocalNode.NOT_PART_OF_CLUSTER;
    }
    if (cause instanceof BindException) {
      return "cannot listen on " + options.address() + ": address already in use";
    }
    if (cause instanceof TimeoutException) {
      return "node did not start within " + START_TIMEOUT.toSeconds() + " s";
    }
    return "cannot start node: " + Optional.ofNullable(cause.getMessage())
        .orElse(cause.getClass().getSimpleName());
  }
}
