package io.openkms.cli.config;

import java.util.OptionalInt;

/**
 * The config file's {@code cluster} section (ours, not the reference's): the port of internode
 * cluster traffic (Pekko Artery over TLS, docs/ARCHITECTURE.md §2).
 *
 * @param port the cluster port 1..65535 if configured; else the API port + 1
 */
public record ClusterConfig(OptionalInt port) {
  /** Nothing configured: cluster port = API port + 1. */
  public static final ClusterConfig DEFAULT = new ClusterConfig(OptionalInt.empty());

  /**
   * The cluster port for a node whose API listens on {@code apiPort}: the configured port, else
   * {@code apiPort + 1}. Not range-checked: it is 65536 for API port 65535 without a configured
   * port ({@code minkms server} rejects that).
   */
  public int portFor(int apiPort) {
    return port.orElse(apiPort + 1);
  }
}
