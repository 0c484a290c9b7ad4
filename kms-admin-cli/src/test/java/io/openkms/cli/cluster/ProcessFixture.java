package io.openkms.cli.cluster;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Real {@code minkms} nodes on 127.0.0.1, .2, .3 (a {@link TestCluster}): {@link #close()} always
 * kills every process it started and deletes its files; a JVM shutdown hook does the same if the
 * test JVM dies first.
 */
final class ProcessFixture extends TestCluster {

  private static final Set<NodeProcess> LIVE = ConcurrentHashMap.newKeySet();

  static {
    Runtime.getRuntime()
        .addShutdownHook(
            new Thread(
                () ->
                    LIVE.forEach(
                        n -> {
                          try {
                            n.kill();
                          } catch (InterruptedException | RuntimeException e) {
                            // best effort at JVM exit
                          }
                        })));
  }

  private final List<NodeProcess> nodes = new ArrayList<>();

  /** A fixture with a new HSM key and a port that is free on all three addresses. */
  ProcessFixture(String name) throws IOException {
    super(name);
  }

  /**
   * Prepares (does not start) node {@code name} on {@code ip}: its volume, its certificate from the
   * test CA (IP SAN {@code ip}) and its {@code config.yaml}.
   *
   * @param hsmKey the HSM key it starts with
   */
  NodeProcess node(String name, String ip, String hsmKey) throws IOException {
    Path dir = Files.createDirectories(root.resolve(name));
    Path config = writeConfig(name, ip);
    Path home = Files.createDirectories(root.resolve("home"));
    NodeProcess node = new NodeProcess(name, ip, port, dir, config, hsmKey, home);
    LIVE.add(node);
    nodes.add(node);
    return node;
  }

  /** Node {@code name} with this fixture's HSM key. */
  NodeProcess node(String name, String ip) throws IOException {
    return node(name, ip, hsmKey.toString());
  }

  /** Kills every node and deletes the files (kept with {@code -Dminkms.keep=true}). */
  @Override
  public void close() throws IOException {
    for (NodeProcess n : nodes) {
      try {
        n.kill();
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
      LIVE.remove(n);
    }
    deleteFiles();
  }
}
