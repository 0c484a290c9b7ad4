package io.openkms.kms.actors;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import io.openkms.persistence.Hsm;
import io.openkms.persistence.HsmKey;
import io.openkms.persistence.NodeVolume;
import io.openkms.persistence.Schema;
import io.openkms.persistence.Sealing;
import io.openkms.persistence.SoftHsm;
import io.openkms.persistence.StoreConfig;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.javadsl.Behaviors;

/**
 * A node's sealed H2 store in a temporary directory and the local actor system on it, as {@code
 * NodeMain} assembles them (for actor tests that need real persistence and read journal).
 */
final class NodeStore implements AutoCloseable {

  final Path dir;
  final Hsm hsm;

  NodeStore(Path dir, HsmKey key) {
    this.dir = dir;
    this.hsm = new SoftHsm(key);
  }

  static NodeStore create() throws IOException {
    return new NodeStore(Files.createTempDirectory("minkms-actors-test"), HsmKey.generate());
  }

  /**
   * Opens the volume, checks its journal against its high-water mark, and starts a local actor
   * system on it that keeps the mark.
   */
  ActorSystem<Void> openSystem(String name) throws Exception {
    NodeVolume volume = NodeVolume.open(dir, hsm);
    StoreConfig store = StoreConfig.h2(dir);
    Schema.apply(store);
    // as NodeMain before it opens the store for writing: a restart in these tests is refused if
    // the journal's high-water mark ran ahead of its rows (issue 12)
    io.openkms.persistence.JournalIntegrity.check(
        store, volume.rek(), ReplicaLog.PERSISTENCE_ID, highWaterMark(volume));
    Config config =
        ConfigFactory.parseString(
                String.join(
                    "\n",
                    "pekko.loglevel = WARNING",
                    "pekko.coordinated-shutdown.exit-jvm = off",
                    "pekko.coordinated-shutdown.run-by-jvm-shutdown-hook = off",
                    "pekko.jvm-shutdown-hooks = off"))
            .withFallback(store.pekkoConfig())
            .withFallback(ConfigFactory.defaultReference())
            .resolve();
    ActorSystem<Void> system = ActorSystem.create(Behaviors.empty(), name, config);
    Sealing.get(system).install(volume.rek());
    io.openkms.persistence.JournalWatermark.get(system).install(highWaterMark(volume));
    return system;
  }

  /** The journal's high-water mark, kept as NodeMain keeps it. */
  static io.openkms.persistence.JournalHighWaterMark highWaterMark(NodeVolume volume) {
    return new io.openkms.persistence.JournalHighWaterMark(
        volume.dir(), volume.rek(), ReplicaLog.PERSISTENCE_ID);
  }

  /**
   * Runs the start-time journal check ({@link io.openkms.persistence.JournalIntegrity}) on the
   * stopped node's store: its mark never exceeds the journal's end.
   */
  void checkJournal() throws Exception {
    NodeVolume volume = NodeVolume.open(dir, hsm);
    io.openkms.persistence.JournalIntegrity.check(
        StoreConfig.h2(dir), volume.rek(), ReplicaLog.PERSISTENCE_ID, highWaterMark(volume));
  }

  static void stop(ActorSystem<?> system) {
    system.terminate();
    system.getWhenTerminated().toCompletableFuture().orTimeout(30, TimeUnit.SECONDS).join();
  }

  @Override
  public void close() throws IOException {
    try (Stream<Path> files = Files.walk(dir)) {
      files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
    }
  }
}
