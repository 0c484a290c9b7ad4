package io.openkms.kms.cluster;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.typesafe.config.ConfigFactory;
import java.net.BindException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.time.Duration;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.junit.jupiter.api.Test;

/**
 * {@link StuckArtery} frees the Artery TCP port of a running system in this Pekko version (the
 * internals it uses exist), and does nothing to a system without remoting.
 */
class StuckArteryTest {

  @Test
  void releasesTheInternodePortOfARemoteSystem() throws Exception {
    ActorSystem<Void> system =
        ActorSystem.create(
            Behaviors.empty(),
            "stuck-artery",
            ConfigFactory.parseString(
                    """
            pekko.actor.provider = remote
            pekko.remote.artery.transport = tcp
            pekko.remote.artery.canonical.hostname = 127.0.0.1
            pekko.remote.artery.canonical.port = 0
            """)
                .withFallback(ConfigFactory.defaultReference()));
    try {
      int port = (Integer) system.address().getPort().get();
      InetAddress loopback = InetAddress.getByName("127.0.0.1");
      assertThrows(BindException.class, () -> new ServerSocket(port, 50, loopback).close());
      assertTrue(StuckArtery.releasePort(system, 10_000));
      try (ServerSocket freed = new ServerSocket(port, 50, loopback)) {
        assertTrue(freed.isBound());
      }
    } finally {
      system.terminate();
      system
          .getWhenTerminated()
          .toCompletableFuture()
          .get(Duration.ofSeconds(30).toSeconds(), java.util.concurrent.TimeUnit.SECONDS);
    }
  }

  @Test
  void aLocalSystemHasNoPortToRelease() throws Exception {
    ActorSystem<Void> system = ActorSystem.create(Behaviors.empty(), "local");
    try {
      assertFalse(StuckArtery.releasePort(system, 1_000));
    } finally {
      system.terminate();
      system
          .getWhenTerminated()
          .toCompletableFuture()
          .get(30, java.util.concurrent.TimeUnit.SECONDS);
    }
  }
}
