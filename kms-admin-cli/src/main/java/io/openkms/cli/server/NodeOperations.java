package io.openkms.cli.server;

import com.typesafe.config.Config;
import io.openkms.http.client.InternodeClient;
import io.openkms.http.ops.JfrProfiler;
import io.openkms.http.ops.LogHub;
import io.openkms.http.server.NodeOps;
import io.openkms.kms.actors.KmsNode;
import io.openkms.kms.backup.BackupKey;
import io.openkms.kms.crypto.ApiKey;
import io.openkms.persistence.Hsm;
import java.time.Clock;
import java.time.Duration;

/**
 * Builds a node's {@link NodeOps} from the {@code minkms.ops} settings ({@code minkms-node.conf},
 * overridable in {@code conf/application.conf}). The log hub (with its logback appender) and the
 * profiler belong to the JVM, not to one start of the node: they are made at the first start and
 * kept across in-process restarts, so a restart keeps the log history and a running profile.
 */
final class NodeOperations {

  private static LogHub hub;
  private static JfrProfiler profiler;

  private NodeOperations() {}

  /**
   * The operations of a node that is starting.
   *
   * @param config the node's Pekko config (holds {@code minkms.ops})
   * @param host this node's {@code host:port}
   * @param restart stops the node for a restart
   */
  static synchronized NodeOps ops(
      Config config, Hsm hsm, KmsNode node, String host, Runnable restart) {
    Config ops = config.getConfig("minkms.ops");
    if (hub == null) {
      hub =
          new LogHub(
              ops.getInt("log-history"), ops.getInt("log-buffer"), ops.getInt("log-streams"));
      LogStreamAppender.attach(hub);
      profiler =
          new JfrProfiler(
              ops.getDuration("pprof-max-duration"),
              ops.getBytes("pprof-max-bytes"),
              Clock.systemUTC());
    }
    Duration restartTimeout = ops.getDuration("restart-timeout");
    InternodeClient internode =
        new InternodeClient(
            ApiKey.fromSeed(hsm.deriveSeed(Hsm.INTERNODE_KEY_LABEL)).keyPair(),
            ClusterStartup.CONNECT_TIMEOUT,
            restartTimeout);
    NodeRestarter restarter = new NodeRestarter(node, host, internode, restartTimeout, restart);
    return new NodeOps(
        BackupKey.of(hsm), ops.getBytes("backup-max-bytes"), hub, profiler, restarter);
  }
}
