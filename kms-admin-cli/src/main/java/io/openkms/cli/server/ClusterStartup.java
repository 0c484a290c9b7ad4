package io.openkms.cli.server;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import io.openkms.cli.BuildInfo;
import io.openkms.cli.CliException;
import io.openkms.cli.config.ServerConfig;
import io.openkms.http.client.InternodeClient;
import io.openkms.http.tls.SelfSigned;
import io.openkms.kms.actors.LocalNode;
import io.openkms.kms.cluster.ClusterNode;
import io.openkms.kms.cluster.ClusterRuntime;
import io.openkms.kms.cluster.ClusterSettings;
import io.openkms.kms.cluster.InternodeProof;
import io.openkms.kms.cluster.InternodeTls;
import io.openkms.kms.crypto.ApiKey;
import io.openkms.persistence.Hsm;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.security.KeyPair;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.List;

/**
 * Starts the clustered part of a node (docs/ARCHITECTURE.md §2–§3) next to its local replica: the
 * internode key from the HSM ({@link Hsm#INTERNODE_KEY_LABEL}) with a self-signed certificate for
 * Artery TLS, the internode HTTPS client, the proof key ({@link InternodeProof#LABEL}), and the
 * {@link ClusterRuntime} on the cluster port ({@code cluster.port} of the config, by default the
 * API port + 1). The runtime stops when the node's local actor system terminates.
 */
final class ClusterStartup {

  /** Bound on connecting to another node's internode endpoint. */
  static final Duration CONNECT_TIMEOUT = Duration.ofSeconds(3);

  /** Bound on waiting for a single-node cluster to take writes at start. */
  static final Duration SINGLE_NODE_READY = Duration.ofSeconds(30);

  /** Bound on one internode exchange. */
  static final Duration REQUEST_TIMEOUT = Duration.ofSeconds(5);

  private ClusterStartup() {}

  /**
   * Starts the cluster runtime of {@code node} and returns the node the API serves.
   *
   * @throws CliException exit 1 {@code cannot listen on <address>:<port>: address already in use}
   *     when the cluster port is taken ({@code cannot assign requested address}, {@code permission
   *     denied}: {@link BindFailure}), or {@code invalid cluster port <n>}
   */
  static ClusterNode start(
      LocalNode node, Hsm hsm, ServerOptions options, ServerConfig config, Duration writeTimeout)
      throws CliException {
    ClusterSettings settings =
        settings(options, config, writeTimeout).withTimeouts(node.replicaMonitor().timeouts());
    KeyPair key = ApiKey.fromSeed(hsm.deriveSeed(Hsm.INTERNODE_KEY_LABEL)).keyPair();
    X509Certificate cert =
        SelfSigned.serverCertificate(
            key, List.of(settings.canonicalHostname()), Duration.ofDays(3650));
    Config base =
        ConfigFactory.defaultOverrides()
            .withFallback(ConfigFactory.defaultApplication())
            .withFallback(ConfigFactory.defaultReference());
    ClusterRuntime runtime =
        new ClusterRuntime(
            node,
            settings,
            new InternodeTls(key, cert),
            new InternodeClient(key, CONNECT_TIMEOUT, REQUEST_TIMEOUT),
            new InternodeProof(hsm.deriveSeed(InternodeProof.LABEL)),
            base,
            BuildInfo.current().release());
    runtime.start();
    node.system().getWhenTerminated().thenRun(runtime::close);
    ClusterNode clustered = new ClusterNode(node, runtime);
    if (node.replicaState().kms().membership().nodes().size() <= 1) {
      awaitWritable(clustered); // a single-node cluster takes writes once its banner is shown
    }
    return clustered;
  }

  /**
   * Waits until a single-node cluster has formed and its leader serves, at most {@link
   * #SINGLE_NODE_READY}; a member of a larger cluster does not wait (it serves reads at once and
   * rejoins in the background).
   */
  private static void awaitWritable(ClusterNode node) {
    long deadline = System.nanoTime() + SINGLE_NODE_READY.toNanos();
    while (!node.writable() && System.nanoTime() < deadline) {
      try {
        Thread.sleep(50);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return;
      }
    }
  }

  /**
   * Fails early, before anything is written, when the cluster port is invalid or taken.
   *
   * @throws CliException exit 1, as {@link #start}
   */
  static void probePort(ServerOptions options, ServerConfig config) throws CliException {
    ClusterSettings settings = settings(options, config, Duration.ofSeconds(10));
    probePort(options.address().host(), settings.clusterPort());
  }

  private static ClusterSettings settings(
      ServerOptions options, ServerConfig config, Duration writeTimeout) throws CliException {
    int port = config.cluster().portFor(options.address().port());
    try {
      return ClusterSettings.of(
              options.host().toString(), options.address().host(), port, writeTimeout)
          .withHeartbeat(config.heartbeat());
    } catch (IllegalArgumentException e) {
      throw CliException.failure("invalid cluster port " + port);
    }
  }

  private static void probePort(String host, int port) throws CliException {
    try (ServerSocket socket = new ServerSocket()) {
      socket.setReuseAddress(true);
      socket.bind(new InetSocketAddress(InetAddress.getByName(host), port));
    } catch (IOException e) {
      throw CliException.failure(
          "cannot listen on " + host + ":" + port + ": " + BindFailure.reason(e));
    }
  }
}
