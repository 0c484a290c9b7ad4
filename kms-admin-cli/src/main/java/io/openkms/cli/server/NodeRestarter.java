package io.openkms.cli.server;

import io.openkms.http.client.InternodeClient;
import io.openkms.http.server.Restarter;
import io.openkms.kms.actors.KmsNode;
import io.openkms.kms.util.Stages;
import java.time.Duration;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Restarts of a running node (docs/REFERENCE.md §2.3 {@code minkms restart}). {@link #restartSelf}
 * waits {@link #ANSWER_DELAY} so that the answer reaches the caller, then runs the node's stop
 * action ({@link NodeMain}: the node stops in order and starts again, or exits with {@link
 * NodeMain#RESTART_EXIT_CODE} for systemd). {@link #restartPeers} calls {@code POST
 * /v1/rpc/restart} on every other member at once (internode key) and waits at most {@code
 * minkms.ops.restart-timeout} (15 s).
 */
final class NodeRestarter implements Restarter {

  /** Time between the answer and the start of the restart. */
  static final Duration ANSWER_DELAY = Duration.ofMillis(500);

  private static final Logger LOG = LoggerFactory.getLogger(NodeRestarter.class);

  private final KmsNode node;
  private final String self;
  private final InternodeClient internode;
  private final Duration timeout;
  private final Runnable restart;
  private final AtomicBoolean requested = new AtomicBoolean();
  private final ScheduledExecutorService timer =
      Executors.newSingleThreadScheduledExecutor(
          r -> {
            Thread t = new Thread(r, "minkms-restart");
            t.setDaemon(true);
            return t;
          });

  /**
   * @param node the node (its members come from its current state)
   * @param self this node's {@code host:port}
   * @param internode the internode client for {@code /v1/rpc/restart}
   * @param timeout the bound on waiting for the other members
   * @param restart stops this node for a restart; called once
   */
  NodeRestarter(
      KmsNode node, String self, InternodeClient internode, Duration timeout, Runnable restart) {
    this.node = node;
    this.self = self;
    this.internode = internode;
    this.timeout = timeout;
    this.restart = restart;
  }

  @Override
  public void restartSelf() {
    if (requested.compareAndSet(false, true)) {
      LOG.info("restarting this node in {} ms", ANSWER_DELAY.toMillis());
      timer.schedule(
          () -> {
            try {
              restart.run();
            } finally {
              timer.shutdown();
            }
          },
          ANSWER_DELAY.toMillis(),
          TimeUnit.MILLISECONDS);
    }
  }

  @Override
  public CompletionStage<Map<Integer, String>> restartPeers() {
    Map<Integer, String> failed = new TreeMap<>();
    CompletableFuture<?>[] calls =
        node.state().membership().nodes().entrySet().stream()
            .filter(e -> !e.getValue().equals(self))
            .map(
                e ->
                    internode
                        .restart(e.getValue())
                        .toCompletableFuture()
                        .orTimeout(timeout.toMillis(), TimeUnit.MILLISECONDS)
                        .handle(
                            (ok, error) -> {
                              if (error != null) {
                                Throwable c = Stages.cause(error);
                                String reason =
                                    c instanceof java.util.concurrent.TimeoutException
                                        ? "no answer within " + timeout.toSeconds() + " s"
                                        : c.getMessage();
                                synchronized (failed) {
                                  failed.put(e.getKey(), e.getValue() + ": " + reason);
                                }
                              }
                              return null;
                            }))
            .toArray(CompletableFuture[]::new);
    return CompletableFuture.allOf(calls)
        .thenApply(
            v -> {
              synchronized (failed) {
                if (!failed.isEmpty()) {
                  LOG.warn("restart: members did not confirm: {}", failed);
                }
                return Map.copyOf(failed);
              }
            });
  }
}
