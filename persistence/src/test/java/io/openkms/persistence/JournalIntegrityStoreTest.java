package io.openkms.persistence;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.Statement;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@link JournalIntegrity} and {@link JournalShredder} on the rows themselves, on H2 and on
 * PostgreSQL (same SQL, quoted names in the configured schema): rows written in the journal format,
 * then removed, renumbered or cut from the end with plain SQL. The node-level cases are in
 * kms-admin-cli ({@code JournalIntegrityTest}, {@code ShreddingTest}).
 */
class JournalIntegrityStoreTest {
  private static final String PID = "p";
  private static final RootEncryptionKey REK = RootEncryptionKey.generate();

  @TempDir Path dir;

  @Test
  void h2() throws Exception {
    StoreConfig store = StoreConfig.h2(dir);
    Schema.apply(store);
    scenario(store);
  }

  @Test
  void postgres() throws Exception {
    PostgresSupport.assumeServer();
    StoreConfig store = PostgresSupport.freshSchema();
    try {
      Schema.apply(store);
      scenario(store);
    } finally {
      PostgresSupport.drop(store);
    }
  }

  private void scenario(StoreConfig store) throws Exception {
    JournalHighWaterMark hwm = new JournalHighWaterMark(dir, REK, PID);
    for (long seq = 1; seq <= 6; seq++) {
      insertEvent(store, seq, seq);
    }
    insertSnapshot(store, 4, 4, 1_000);
    hwm.write(6);
    JournalIntegrity.check(store, REK, PID, hwm);

    sql(store, "DELETE FROM %s.\"event_journal\" WHERE \"sequence_number\" = 6");
    assertEquals(
        "journal integrity: the journal of p ends at sequence number 5, but this node "
            + "journaled up to 6 ("
            + hwm.file()
            + "): sequence number 6 and later were removed from "
            + "its end",
        refused(store, hwm));
    insertEvent(store, 6, 6);

    sql(
        store,
        "UPDATE %s.\"event_journal\" SET \"sequence_number\" = 7 "
            + "WHERE \"sequence_number\" = 6");
    insertEvent(store, 6, 7); // the payload of 7 at 6, and 6's payload at 7
    assertEquals(
        "journal integrity: the event at sequence number 6 of p was written as sequence "
            + "number 7 of p (rows moved, reordered or renumbered)",
        refused(store, hwm));
    sql(store, "DELETE FROM %s.\"event_journal\" WHERE \"sequence_number\" >= 6");
    insertEvent(store, 6, 6);

    // shredding: events up to the snapshot go; what is left still passes the check
    JournalShredder shredder =
        new JournalShredder(
            store,
            PID,
            Duration.ofSeconds(30),
            Clock.fixed(Instant.ofEpochMilli(1_000 + 29_000), ZoneOffset.UTC));
    assertEquals(0, shredder.shred(), "the snapshot is younger than the settle time");
    shredder =
        new JournalShredder(
            store,
            PID,
            Duration.ofSeconds(30),
            Clock.fixed(Instant.ofEpochMilli(1_000 + 30_000), ZoneOffset.UTC));
    assertEquals(4, shredder.shred());
    JournalIntegrity.check(store, REK, PID, hwm);

    sql(store, "DELETE FROM %s.\"snapshot\"");
    assertEquals(
        "journal integrity: sequence number 1 of p is missing: the journal starts at 5",
        refused(store, hwm));
  }

  private static String refused(StoreConfig store, JournalHighWaterMark hwm) {
    return assertThrows(StartupException.class, () -> JournalIntegrity.check(store, REK, PID, hwm))
        .getMessage();
  }

  private static void sql(StoreConfig store, String sql) throws Exception {
    try (Connection c = store.connect();
        Statement s = c.createStatement()) {
      s.executeUpdate(sql.formatted(store.schema()));
    }
  }

  /** Row {@code seq} holding a record sealed for {@code sealedSeq}. */
  private static void insertEvent(StoreConfig store, long seq, long sealedSeq) throws Exception {
    byte[] payload =
        JournalRecordCodec.seal(
            REK, "m.v1", PID, sealedSeq, ("event " + sealedSeq).getBytes(StandardCharsets.UTF_8));
    try (Connection c = store.connect();
        PreparedStatement s =
            c.prepareStatement(
                "INSERT INTO "
                    + store.schema()
                    + ".\"event_journal\" (\"persistence_id\", "
                    + "\"sequence_number\", \"deleted\", \"writer\", \"write_timestamp\", "
                    + "\"adapter_manifest\", \"event_ser_id\", \"event_ser_manifest\", \"event_payload\") "
                    + "VALUES (?, ?, FALSE, 'w', 0, '', ?, 'm.v1', ?)")) {
      s.setString(1, PID);
      s.setLong(2, seq);
      s.setInt(3, JournalRecordSerializer.IDENTIFIER);
      s.setBytes(4, payload);
      s.executeUpdate();
    }
  }

  private static void insertSnapshot(StoreConfig store, long seq, long sealedSeq, long created)
      throws Exception {
    byte[] payload =
        JournalRecordCodec.seal(
            REK, "s.v1", PID, sealedSeq, "state".getBytes(StandardCharsets.UTF_8));
    try (Connection c = store.connect();
        PreparedStatement s =
            c.prepareStatement(
                "INSERT INTO "
                    + store.schema()
                    + ".\"snapshot\" (\"persistence_id\", "
                    + "\"sequence_number\", \"created\", \"snapshot_ser_id\", \"snapshot_ser_manifest\", "
                    + "\"snapshot_payload\") VALUES (?, ?, ?, ?, 's.v1', ?)")) {
      s.setString(1, PID);
      s.setLong(2, seq);
      s.setLong(3, created);
      s.setInt(4, JournalRecordSerializer.IDENTIFIER);
      s.setBytes(5, payload);
      s.executeUpdate();
    }
  }
}
