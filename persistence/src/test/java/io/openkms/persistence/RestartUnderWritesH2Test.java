package io.openkms.persistence;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.pekko.Done;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.actor.testkit.typed.javadsl.TestProbe;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 12 (a node restarted in the same JVM was refused: its journal ended below its high-water
 * mark): rounds of an in-process restart under write load, with the shredder deleting and
 * compacting as it goes. After each stop the journal (the way {@link JournalIntegrity} measures its
 * end: last event or snapshot row) must hold every event whose write was acknowledged, as the mark
 * records only acknowledged events.
 */
class RestartUnderWritesH2Test {
  @TempDir Path dir;

  @Test
  void terminatingTheSystemUnderWritesKeepsEveryAcknowledgedEvent() throws Exception {
    NodeVolume volume = NodeVolume.open(dir, new SoftHsm(HsmKey.generate()));
    StoreConfig store = StoreConfig.h2(dir);
    Schema.apply(store);
    long acknowledged = 0;
    for (int round = 0; round < 8; round++) {
      ActorTestKit kit = JournalScenario.start(store, volume.rek());
      JournalShredder shredder =
          new JournalShredder(
                  store,
                  JournalScenario.PERSISTENCE_ID,
                  java.time.Duration.ZERO,
                  java.time.Clock.systemUTC())
              .start(java.time.Duration.ofMillis(20));
      AtomicLong acks = new AtomicLong();
      TestProbe<String> signals = kit.createTestProbe();
      ActorRef<Done> counter =
          kit.spawn(
              Behaviors.receive(Done.class)
                  .onMessage(
                      Done.class,
                      d -> {
                        acks.incrementAndGet();
                        return Behaviors.same();
                      })
                  .build());
      ActorRef<Vault.Command> vault =
          kit.spawn(Vault.create(JournalScenario.PERSISTENCE_ID, signals.ref(), 40));
      String recovered = signals.receiveMessage(JournalScenario.TIMEOUT);
      assertTrue(recovered.startsWith("recovered "), recovered);
      long base = Long.parseLong(recovered.substring("recovered ".length()));
      assertTrue(
          base >= acknowledged,
          "round " + round + ": recovered " + base + " < acknowledged " + acknowledged);
      for (int i = 0; i < 1500; i++) {
        vault.tell(new Vault.Store(new byte[32], "m" + i, counter));
      }
      Thread.sleep(50 + (137L * round) % 900);
      kit.system().terminate();
      kit.system().getWhenTerminated().toCompletableFuture().get(30, TimeUnit.SECONDS);
      acknowledged = base + acks.get();
      shredder.close();
      long rows;
      try (Connection c = store.connect();
          Statement s = c.createStatement();
          ResultSet rs =
              s.executeQuery(
                  "SELECT GREATEST((SELECT COALESCE(MAX(\"sequence_number\"),0) FROM PUBLIC.\"event_journal\"), (SELECT COALESCE(MAX(\"sequence_number\"),0) FROM PUBLIC.\"snapshot\"))")) {
        rs.next();
        rows = rs.getLong(1);
      }
      System.out.println(
          "round " + round + ": acknowledged " + acknowledged + ", journal ends at " + rows);
      assertTrue(
          rows >= acknowledged,
          "round " + round + ": journal ends at " + rows + " < acknowledged " + acknowledged);
    }
  }
}
