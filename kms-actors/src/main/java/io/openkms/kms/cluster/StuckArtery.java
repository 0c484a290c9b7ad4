package io.openkms.kms.cluster;

import java.util.concurrent.TimeUnit;
import org.apache.pekko.actor.ExtendedActorSystem;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.remote.RemoteActorRefProvider;
import org.apache.pekko.remote.RemoteTransport;
import org.apache.pekko.remote.artery.tcp.ArteryTcpTransport;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Frees the internode port of a clustered system whose termination hangs.
 *
 * <p>In Pekko 1.7.0, {@code ActorSystem.terminate()} waits without a deadline for every Artery
 * stream to complete before it shuts the transport down and unbinds its TCP port. A node downed by
 * its split brain resolver after the others quarantined it ({@code DownSelfQuarantinedByRemote},
 * e.g. after a SIGSTOP) can stall there: the coordinated shutdown's {@code actor-system-terminate}
 * phase times out, every thread is idle, and the port stays bound, so no new system can start and
 * the node never rejoins (seen in ClusterLifecycleTest.followerPaused). Upstream bounds this wait
 * with {@code pekko.remote.artery.advanced.shutdown-streams-timeout} (apache/pekko#3317), which
 * 1.7.0 lacks. Until then this class calls the transport's own shutdown (unbind and inbound kill
 * switch), the step the stalled termination never reaches. It uses Pekko's internal {@link
 * ArteryTcpTransport}: drop it once Pekko has the setting.
 */
final class StuckArtery {

  private static final Logger LOG = LoggerFactory.getLogger(StuckArtery.class);

  private StuckArtery() {}

  /**
   * Shuts down the Artery TCP transport of {@code system} and waits up to {@code timeoutMillis} ms
   * for its port to be unbound.
   *
   * @return true if the transport reported that it shut down in time; false otherwise (logged)
   */
  static boolean releasePort(ActorSystem<?> system, long timeoutMillis) {
    try {
      ExtendedActorSystem classic = (ExtendedActorSystem) system.classicSystem();
      if (!(classic.provider() instanceof RemoteActorRefProvider remote)) {
        return false;
      }
      RemoteTransport transport = remote.transport();
      if (!(transport instanceof ArteryTcpTransport tcp)) {
        return false;
      }
      scala.concurrent.Await.ready(
          tcp.shutdownTransport(),
          scala.concurrent.duration.Duration.create(timeoutMillis, TimeUnit.MILLISECONDS));
      LOG.info("released the internode port of the stuck cluster system");
      return true;
    } catch (Exception | LinkageError e) {
      LOG.warn("cannot release the internode port of the stuck cluster system: {}", e.toString());
      return false;
    }
  }
}
