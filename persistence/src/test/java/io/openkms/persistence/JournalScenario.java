package io.openkms.persistence;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.ResultSetMetaData;
import java.sql.SQLException;
import java.sql.Statement;
import java.sql.Types;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import org.apache.pekko.Done;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.actor.testkit.typed.javadsl.TestProbe;
import org.apache.pekko.actor.typed.ActorRef;

/**
 * The store scenario shared by the H2 and PostgreSQL tests: a small {@link ActorTestKit} (no
 * cluster) on {@link StoreConfig#pekkoConfig()}, {@link Sealing} installed, the test-only {@link
 * Vault} persisting two events holding known random secrets and markers, with a snapshot after the
 * first. Every actor system is terminated (bounded) before the method returns.
 */
final class JournalScenario {
  static final String PERSISTENCE_ID = "vault-1";
  static final Duration TIMEOUT = Duration.ofSeconds(30);

  static final Config TEST_CONFIG =
      ConfigFactory.parseString(
          """
          pekko.loglevel = WARNING
          pekko.loggers = ["org.apache.pekko.event.slf4j.Slf4jLogger"]
          pekko.logging-filter = "org.apache.pekko.event.slf4j.Slf4jLoggingFilter"
          pekko.actor.default-dispatcher.fork-join-executor.parallelism-max = 2
          pekko.coordinated-shutdown.run-by-jvm-shutdown-hook = off
          pekko.actor.testkit.typed.system-shutdown-default = 20s
          pekko.actor.testkit.typed.throw-on-shutdown-timeout = on
          """);

  /** What the scenario wrote: two events (and a snapshot of the first). */
  record Written(byte[] secret1, String marker1, byte[] secret2, String marker2) {
    List<byte[]> needles() {
      return List.of(
          secret1,
          secret2,
          marker1.getBytes(StandardCharsets.UTF_8),
          marker2.getBytes(StandardCharsets.UTF_8));
    }
  }

  /** A row of a journal table: its serializer id, manifest and payload. */
  record Row(long sequenceNr, int serId, String manifest, byte[] payload) {}

  private JournalScenario() {}

  static ActorTestKit start(StoreConfig store, RootEncryptionKey rek) {
    ActorTestKit kit =
        ActorTestKit.create("sealed-journal", store.pekkoConfig().withFallback(TEST_CONFIG));
    if (rek != null) {
      Sealing.get(kit.system()).install(rek);
    }
    return kit;
  }

  /** Persists two events and a snapshot, then terminates the system. */
  static Written write(StoreConfig store, RootEncryptionKey rek) {
    SecureRandom random = new SecureRandom();
    byte[] s1 = new byte[32];
    byte[] s2 = new byte[32];
    random.nextBytes(s1);
    random.nextBytes(s2);
    byte[] m = new byte[8];
    random.nextBytes(m);
    Written w =
        new Written(
            s1,
            "marker-one-" + HexFormat.of().formatHex(m),
            s2,
            "marker-two-" + HexFormat.of().formatHex(m));
    ActorTestKit kit = start(store, rek);
    try {
      TestProbe<String> signals = kit.createTestProbe();
      TestProbe<Done> done = kit.createTestProbe();
      ActorRef<Vault.Command> vault = kit.spawn(Vault.create(PERSISTENCE_ID, signals.ref()));
      signals.expectMessage(TIMEOUT, "recovered 0");
      vault.tell(new Vault.Store(w.secret1(), w.marker1(), done.ref()));
      done.expectMessage(TIMEOUT, Done.getInstance());
      signals.expectMessage(TIMEOUT, "snapshot 1");
      vault.tell(new Vault.Store(w.secret2(), w.marker2(), done.ref()));
      done.expectMessage(TIMEOUT, Done.getInstance());
    } finally {
      kit.shutdownTestKit();
    }
    return w;
  }

  /** Restarts the actor on {@code rek} and checks it recovers exactly what was written. */
  static void assertRecovers(StoreConfig store, RootEncryptionKey rek, Written w) {
    ActorTestKit kit = start(store, rek);
    try {
      TestProbe<String> signals = kit.createTestProbe();
      TestProbe<Vault.State> state = kit.createTestProbe();
      ActorRef<Vault.Command> vault = kit.spawn(Vault.create(PERSISTENCE_ID, signals.ref()));
      signals.expectMessage(TIMEOUT, "recovered 2");
      vault.tell(new Vault.Get(state.ref()));
      List<Vault.Stored> entries = state.receiveMessage(TIMEOUT).entries();
      assertEquals(2, entries.size());
      assertArrayEquals(w.secret1(), entries.get(0).secret());
      assertEquals(w.marker1(), entries.get(0).marker());
      assertArrayEquals(w.secret2(), entries.get(1).secret());
      assertEquals(w.marker2(), entries.get(1).marker());
    } finally {
      kit.shutdownTestKit();
    }
  }

  /** With another REK, recovery fails on the sealed snapshot and the actor stops. */
  static void assertRecoveryFailsWith(StoreConfig store, RootEncryptionKey wrongRek) {
    ActorTestKit kit = start(store, wrongRek);
    try {
      TestProbe<String> signals = kit.createTestProbe();
      ActorRef<Vault.Command> vault = kit.spawn(Vault.create(PERSISTENCE_ID, signals.ref()));
      assertEquals(
          "recovery failed: NotSerializableException: cannot unseal "
              + Vault.State.class.getName()
              + ": invalid ciphertext (wrong root encryption key or tampered journal)",
          signals.receiveMessage(TIMEOUT));
      signals.expectTerminated(vault, TIMEOUT);
    } finally {
      kit.shutdownTestKit();
    }
  }

  /** The rows of {@code event_journal} (payload column) or {@code snapshot}. */
  static List<Row> rows(StoreConfig store, String table) throws SQLException {
    String prefix = table.equals("snapshot") ? "snapshot" : "event";
    String sql =
        "SELECT sequence_number, "
            + prefix
            + "_ser_id, "
            + prefix
            + "_ser_manifest, "
            + prefix
            + "_payload FROM "
            + store.schema()
            + "."
            + table
            + " ORDER BY sequence_number";
    List<Row> rows = new ArrayList<>();
    try (Connection c = store.connect();
        Statement s = c.createStatement();
        ResultSet rs = s.executeQuery(sql)) {
      while (rs.next()) {
        rows.add(new Row(rs.getLong(1), rs.getInt(2), rs.getString(3), rs.getBytes(4)));
      }
    }
    return rows;
  }

  /** Every value of every column of every row of the journal tables, as bytes. */
  static List<byte[]> allCells(StoreConfig store) throws SQLException {
    List<byte[]> cells = new ArrayList<>();
    try (Connection c = store.connect();
        Statement s = c.createStatement()) {
      for (String table : List.of("event_journal", "event_tag", "snapshot", "durable_state")) {
        try (ResultSet rs = s.executeQuery("SELECT * FROM " + store.schema() + "." + table)) {
          ResultSetMetaData md = rs.getMetaData();
          while (rs.next()) {
            for (int i = 1; i <= md.getColumnCount(); i++) {
              int type = md.getColumnType(i);
              byte[] value =
                  switch (type) {
                    case Types.BINARY, Types.VARBINARY, Types.LONGVARBINARY, Types.BLOB ->
                        rs.getBytes(i);
                    default -> {
                      String v = rs.getString(i);
                      yield v == null ? null : v.getBytes(StandardCharsets.UTF_8);
                    }
                  };
              if (value != null) {
                cells.add(value);
              }
            }
          }
        }
      }
    }
    return cells;
  }

  /**
   * The journal holds exactly the two events and the snapshot, each written by the sealing
   * serializer, and (positive control) they do contain the secrets once unsealed with the REK.
   */
  static void assertSealedRows(StoreConfig store, RootEncryptionKey rek, Written w)
      throws Exception {
    List<Row> events = rows(store, "event_journal");
    assertEquals(2, events.size());
    List<Row> snapshots = rows(store, "snapshot");
    assertEquals(1, snapshots.size());
    for (Row r : events) {
      assertEquals(SealingSerializer.IDENTIFIER, r.serId());
      assertEquals(Vault.Stored.class.getName(), r.manifest());
    }
    assertEquals(SealingSerializer.IDENTIFIER, snapshots.get(0).serId());
    assertEquals(Vault.State.class.getName(), snapshots.get(0).manifest());
    assertEquals(1, snapshots.get(0).sequenceNr());

    byte[] e1 = unseal(rek, events.get(0));
    byte[] e2 = unseal(rek, events.get(1));
    byte[] snap = unseal(rek, snapshots.get(0));
    assertTrue(TreeDigest.indexOf(e1, w.secret1()) >= 0);
    assertTrue(TreeDigest.indexOf(e1, w.marker1().getBytes(StandardCharsets.UTF_8)) >= 0);
    assertTrue(TreeDigest.indexOf(e2, w.secret2()) >= 0);
    assertTrue(TreeDigest.indexOf(e2, w.marker2().getBytes(StandardCharsets.UTF_8)) >= 0);
    assertTrue(TreeDigest.indexOf(snap, w.secret1()) >= 0);
    assertTrue(TreeDigest.indexOf(snap, w.marker1().getBytes(StandardCharsets.UTF_8)) >= 0);
  }

  private static byte[] unseal(RootEncryptionKey rek, Row r) throws UnsealException {
    return rek.unseal(r.payload(), r.manifest().getBytes(StandardCharsets.UTF_8));
  }
}
