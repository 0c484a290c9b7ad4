package io.openkms.persistence;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.List;
import org.apache.pekko.Done;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.actor.testkit.typed.javadsl.TestProbe;
import org.apache.pekko.actor.typed.ActorRef;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The {@code jdbc-durable-state-store} half of {@link StoreConfig#pekkoConfig()}: a durable state
 * is sealed in {@code durable_state} and comes back after a restart, on H2 and on PostgreSQL (where
 * the table lives in the node's own schema).
 */
class SealedDurableStateTest {
  @TempDir Path dir;

  @Test
  void h2() throws Exception {
    StoreConfig store = StoreConfig.h2(dir);
    roundTrip(store);
    for (byte[] needle : List.of("durable-marker".getBytes(StandardCharsets.UTF_8))) {
      assertEquals(List.of(), TreeDigest.filesContaining(dir, needle));
    }
  }

  @Test
  void postgres() throws Exception {
    PostgresSupport.assumeServer();
    StoreConfig store = PostgresSupport.freshSchema();
    try {
      roundTrip(store);
    } finally {
      PostgresSupport.drop(store);
    }
  }

  private static void roundTrip(StoreConfig store) throws Exception {
    Schema.apply(store);
    RootEncryptionKey rek = RootEncryptionKey.generate();
    byte[] secret = new byte[32];
    new SecureRandom().nextBytes(secret);
    Register.Value value = new Register.Value(secret, "durable-marker");

    ActorTestKit kit = JournalScenario.start(store, rek);
    try {
      TestProbe<Done> done = kit.createTestProbe();
      ActorRef<Register.Command> register = kit.spawn(Register.create("register-1"));
      register.tell(new Register.Put(value, done.ref()));
      done.expectMessage(JournalScenario.TIMEOUT, Done.getInstance());
    } finally {
      kit.shutdownTestKit();
    }

    try (Connection c = store.connect();
        Statement s = c.createStatement();
        ResultSet rs =
            s.executeQuery(
                "SELECT persistence_id, state_serial_id, state_serial_manifest, state_payload FROM "
                    + store.schema()
                    + ".durable_state")) {
      assertEquals(true, rs.next());
      assertEquals("register-1", rs.getString(1));
      assertEquals(SealingSerializer.IDENTIFIER, rs.getInt(2));
      assertEquals(Register.Value.class.getName(), rs.getString(3));
      byte[] payload = rs.getBytes(4);
      assertEquals(-1, TreeDigest.indexOf(payload, secret));
      assertEquals(
          -1, TreeDigest.indexOf(payload, "durable-marker".getBytes(StandardCharsets.UTF_8)));
      assertEquals(false, rs.next());
    }

    ActorTestKit again = JournalScenario.start(store, rek);
    try {
      TestProbe<Register.Value> probe = again.createTestProbe();
      ActorRef<Register.Command> register = again.spawn(Register.create("register-1"));
      register.tell(new Register.Read(probe.ref()));
      Register.Value back = probe.receiveMessage(JournalScenario.TIMEOUT);
      assertArrayEquals(secret, back.secret());
      assertEquals("durable-marker", back.marker());
    } finally {
      again.shutdownTestKit();
    }
  }
}
