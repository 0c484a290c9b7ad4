package io.openkms.persistence;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The sealed store on PostgreSQL (docs/ARCHITECTURE.md §2, §5 layer 5): no secret in any row of the
 * journal tables, a restart recovers events and snapshot, another REK cannot. Each test uses its
 * own schema, dropped afterwards; skipped only when no server answers at 127.0.0.1:5432.
 */
class SealedJournalPostgresTest {
  @TempDir Path dir;

  private StoreConfig.Postgres store;

  @BeforeEach
  void freshSchema() {
    PostgresSupport.assumeServer();
    store = PostgresSupport.freshSchema();
  }

  @AfterEach
  void dropSchema() throws Exception {
    if (store != null) {
      PostgresSupport.drop(store);
    }
  }

  @Test
  void eventsAndSnapshotsAreSealedAtRestAndRecover() throws Exception {
    HsmKey hsmKey = HsmKey.generate();
    NodeVolume volume = NodeVolume.open(dir, new SoftHsm(hsmKey));
    Schema.apply(store);
    JournalScenario.Written w = JournalScenario.write(store, volume.rek());

    List<byte[]> cells = JournalScenario.allCells(store);
    assertFalse(cells.isEmpty());
    for (byte[] cell : cells) {
      for (byte[] needle : w.needles()) {
        assertEquals(-1, TreeDigest.indexOf(cell, needle));
      }
    }
    JournalScenario.assertSealedRows(store, volume.rek(), w);

    NodeVolume again = NodeVolume.open(dir, new SoftHsm(HsmKey.parse(hsmKey.toString())));
    JournalScenario.assertRecovers(store, again.rek(), w);
  }

  @Test
  void anotherRekCannotRecover() throws Exception {
    RootEncryptionKey rek = RootEncryptionKey.generate();
    Schema.apply(store);
    JournalScenario.Written w = JournalScenario.write(store, rek);
    JournalScenario.assertRecoveryFailsWith(store, RootEncryptionKey.generate());
    JournalScenario.assertRecovers(store, rek, w);
  }

  @Test
  void journalLivesOnlyInItsOwnSchema() throws Exception {
    Schema.apply(store);
    JournalScenario.write(store, RootEncryptionKey.generate());
    try (var c = store.connect();
        var s = c.createStatement();
        var rs =
            s.executeQuery(
                "SELECT table_schema FROM information_schema.tables"
                    + " WHERE table_name = 'event_journal' AND table_schema = '"
                    + store.schema()
                    + "'")) {
      assertTrue(rs.next());
      assertEquals(store.schema(), rs.getString(1));
    }
    assertEquals(2, JournalScenario.rows(store, "event_journal").size());
  }
}
