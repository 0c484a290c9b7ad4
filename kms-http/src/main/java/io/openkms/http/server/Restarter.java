package io.openkms.http.server;

import java.util.Map;
import java.util.concurrent.CompletionStage;

/**
 * Restarts nodes (docs/REFERENCE.md §2.3 {@code minkms restart}): what {@code /v1/debug/restart}
 * and the internode {@code /v1/rpc/restart} call. The node reloads its configuration when it starts
 * again.
 */
public interface Restarter {

  /** Restarts this node soon, after the current answer has been sent; returns at once. */
  void restartSelf();

  /**
   * Asks every other member of the cluster to restart ({@code POST /v1/rpc/restart}, all at once)
   * and waits for their answers, at most the coordination timeout (15 s, as the reference). Does
   * not restart this node.
   *
   * @return the members that did not confirm: node id → {@code host:port: reason}; empty when all
   *     did
   */
  CompletionStage<Map<Integer, String>> restartPeers();
}
