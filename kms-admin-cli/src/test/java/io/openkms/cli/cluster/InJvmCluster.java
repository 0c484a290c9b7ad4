package io.openkms.cli.cluster;

import io.openkms.cli.CliException;
import io.openkms.cli.config.ServerConfig;
import io.openkms.cli.server.HostPort;
import io.openkms.cli.server.NodeMain;
import io.openkms.cli.server.ServerOptions;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * A cluster whose nodes run in the test JVM (docs/ARCHITECTURE.md §5, layer 3): each node is {@link
 * NodeMain#start} with its own volume, certificate and {@code config.yaml}, listening on its own
 * loopback address (127.0.0.1, .2, .3) on the cluster's port, exactly as {@code minkms server DIR
 * --address ip:port --host ip:port --config FILE} with {@code MINIO_KMS_HSM_KEY} would start it.
 * Nodes share the JVM but nothing else: each has its own actor systems (local and cluster; same
 * names, different ports), extensions, H2 journal in its DIR and HTTPS binding. Clusters form
 * through the API ({@code minkms add}), as with processes.
 *
 * <p>A stopped node ({@link Node#stop}: the node's coordinated shutdown, as on SIGTERM) is what the
 * other members see of a dead one: nothing answers on its ports. What needs a real process (SIGKILL
 * without shutdown, SIGSTOP, exit codes, the launcher) stays in {@link ProcessFixture}.
 */
final class InJvmCluster extends TestCluster {

  private final List<Node> nodes = new ArrayList<>();

  /** A cluster with a new HSM key and a port that is free on all three addresses. */
  InJvmCluster(String name) throws IOException {
    super(name);
  }

  /**
   * Prepares (does not start) node {@code name} on {@code ip}: its volume, its certificate from the
   * test CA (IP SAN {@code ip}) and its {@code config.yaml}.
   *
   * @param hsmKey the HSM key it starts with, {@code hsm:aes256:…}
   */
  Node node(String name, String ip, String hsmKey) throws IOException {
    Node node =
        new Node(
            name, ip, Files.createDirectories(root.resolve(name)), writeConfig(name, ip), hsmKey);
    nodes.add(node);
    return node;
  }

  /** Node {@code name} with this cluster's HSM key. */
  Node node(String name, String ip) throws IOException {
    return node(name, ip, hsmKey.toString());
  }

  /** Waits (30 s) until {@code node} answers {@code /v1/health/ready?write} with 200. */
  void awaitWritable(Member node) throws InterruptedException {
    await(
        Duration.ofSeconds(30),
        node + " ready for writes",
        () -> {
          client(node).ready(node.host(), true);
          return true;
        });
  }

  /**
   * Stops {@code members} at once (each as {@link Node#stop}) and waits until all are stopped: the
   * time of the slowest stop, not of all of them in a row.
   *
   * @throws AssertionError if a node's ports are not free after its stop
   */
  static void stopAll(List<Node> members) throws InterruptedException {
    List<Thread> stopping = new ArrayList<>();
    List<Throwable> failures = java.util.Collections.synchronizedList(new ArrayList<>());
    for (Node n : members) {
      Thread t =
          new Thread(
              () -> {
                try {
                  n.stop();
                } catch (InterruptedException | RuntimeException | AssertionError e) {
                  failures.add(e);
                }
              },
              "stop-" + n.name());
      t.start();
      stopping.add(t);
    }
    for (Thread t : stopping) {
      t.join();
    }
    if (!failures.isEmpty()) {
      AssertionError error = new AssertionError("stopping " + members + ": " + failures.get(0));
      failures.forEach(error::addSuppressed);
      throw error;
    }
  }

  /**
   * Stops every node at once ({@link #stopAll}) and deletes the files (kept with {@code
   * -Dminkms.keep=true}).
   */
  @Override
  public void close() throws IOException {
    try {
      stopAll(nodes);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    deleteFiles();
  }

  /** One node of the cluster, started and stopped in the test JVM. */
  final class Node implements Member {

    private final String name;
    private final String ip;
    final Path dir;
    private final Path config;
    private final String hsmKey;
    private NodeMain.RunningNode running;
    private ServerOptions options;
    private ServerConfig serverConfig;

    private Node(String name, String ip, Path dir, Path config, String hsmKey) {
      this.name = name;
      this.ip = ip;
      this.dir = dir;
      this.config = config;
      this.hsmKey = hsmKey;
    }

    @Override
    public String name() {
      return name;
    }

    @Override
    public String host() {
      return ip + ":" + port;
    }

    /** Starts the node with {@code --host ip:port}; returns its banner once it serves HTTPS. */
    String start() throws Exception {
      return start(ip);
    }

    /**
     * Starts the node with {@code --host <hostName>:<port>}.
     *
     * @return the banner
     * @throws CliException as {@code minkms server} would report it (exit code and message)
     */
    String start(String hostName) throws Exception {
      if (running != null) {
        throw new IllegalStateException(name + " is already running");
      }
      HostPort address = new HostPort(ip, port);
      ServerOptions options =
          new ServerOptions(
              dir,
              address,
              new HostPort(hostName, port),
              Optional.of(config),
              false,
              Optional.of(hsmKey));
      ServerConfig loaded = ServerConfig.load(config, Map.of());
      running = new NodeMain().start(options, loaded);
      this.options = options;
      this.serverConfig = loaded;
      return running.banner();
    }

    /** The running node's replica and state (its {@code LocalNode}); fails if it is stopped. */
    io.openkms.kms.actors.LocalNode localNode() {
      if (running == null) {
        throw new IllegalStateException(name + " is not running");
      }
      return running.node();
    }

    /** The running node's local actor system; fails if it is stopped. */
    org.apache.pekko.actor.typed.ActorSystem<Void> localSystem() {
      if (running == null) {
        throw new IllegalStateException(name + " is not running");
      }
      return running.system();
    }

    /** True while the node runs. */
    boolean alive() {
      return running != null;
    }

    /**
     * Stops the node in order (as on SIGTERM) and waits until its store is closed and its API and
     * cluster ports are free again (its cluster system stops after the local one): {@link
     * NodeMain#awaitPortsFree}, as before an in-process restart.
     */
    void stop() throws InterruptedException {
      if (running != null) {
        NodeMain.RunningNode r = running;
        running = null;
        r.close();
        try {
          NodeMain.awaitPortsFree(options, serverConfig);
        } catch (CliException e) {
          throw new AssertionError(
              name + "'s ports are not free after its stop: " + e.getMessage());
        }
      }
    }

    /** Deletes the node's volume (the guide's {@code rm kms.db}, and the journal beside it). */
    void wipe() throws IOException {
      if (alive()) {
        throw new IllegalStateException(name + " is running");
      }
      deleteTree(dir);
      Files.createDirectories(dir);
    }

    @Override
    public String toString() {
      return name + "(" + host() + ")";
    }
  }
}
