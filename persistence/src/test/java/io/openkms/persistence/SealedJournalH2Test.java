package io.openkms.persistence;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.actor.testkit.typed.javadsl.TestProbe;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The sealed store on the embedded H2 file (docs/ARCHITECTURE.md §2): no secret reaches the files
 * under DIR, a restart recovers events and snapshot, another REK or HSM key cannot read them, and
 * removing {@code kms.db} resets the journal.
 */
class SealedJournalH2Test {
  @TempDir Path dir;

  private final HsmKey hsmKey = HsmKey.generate();

  @Test
  void eventsAndSnapshotsAreSealedAtRestAndRecover() throws Exception {
    NodeVolume volume = NodeVolume.open(dir, new SoftHsm(hsmKey));
    StoreConfig store = StoreConfig.h2(dir);
    Schema.apply(store);
    JournalScenario.Written w = JournalScenario.write(store, volume.rek());

    // The system is terminated, so H2 is closed: scan every byte of every file under DIR.
    // Positive control: the scan does see row contents stored in the clear (the manifest column).
    assertEquals(
        List.of(dir.resolve("kms-journal.mv.db")),
        TreeDigest.filesContaining(
            dir, Vault.Stored.class.getName().getBytes(java.nio.charset.StandardCharsets.UTF_8)));
    for (byte[] needle : w.needles()) {
      assertEquals(List.of(), TreeDigest.filesContaining(dir, needle));
    }
    JournalScenario.assertSealedRows(store, volume.rek(), w);

    // A restart with the same HSM key unseals the same REK and recovers both events.
    NodeVolume again = NodeVolume.open(dir, new SoftHsm(HsmKey.parse(hsmKey.toString())));
    JournalScenario.assertRecovers(store, again.rek(), w);
    for (byte[] needle : w.needles()) {
      assertEquals(List.of(), TreeDigest.filesContaining(dir, needle));
    }
  }

  @Test
  void anotherRekCannotRecover() throws Exception {
    NodeVolume volume = NodeVolume.open(dir, new SoftHsm(hsmKey));
    StoreConfig store = StoreConfig.h2(dir);
    Schema.apply(store);
    JournalScenario.Written w = JournalScenario.write(store, volume.rek());
    JournalScenario.assertRecoveryFailsWith(store, RootEncryptionKey.generate());
    // The failed attempt did not damage anything: the right key still recovers.
    JournalScenario.assertRecovers(store, volume.rek(), w);
  }

  @Test
  void wrongHsmKeyStartChangesNothing() throws Exception {
    NodeVolume volume = NodeVolume.open(dir, new SoftHsm(hsmKey));
    StoreConfig store = StoreConfig.h2(dir);
    Schema.apply(store);
    JournalScenario.write(store, volume.rek());
    Map<String, String> before = TreeDigest.of(dir);
    assertTrue(before.containsKey("kms-journal.mv.db"));

    var e =
        assertThrows(
            StartupException.class, () -> NodeVolume.open(dir, new SoftHsm(HsmKey.generate())));
    assertEquals(
        "failed to unseal root encryption key with HSM: invalid ciphertext", e.getMessage());
    assertEquals(before, TreeDigest.of(dir));
  }

  @Test
  void removingKmsDbResetsTheJournal() throws Exception {
    NodeVolume volume = NodeVolume.open(dir, new SoftHsm(hsmKey));
    StoreConfig store = StoreConfig.h2(dir);
    Schema.apply(store);
    JournalScenario.write(store, volume.rek());
    assertTrue(Files.exists(dir.resolve("kms-journal.mv.db")));

    Files.delete(dir.resolve("kms.db")); // the operator's reset: rm DIR/kms.db
    NodeVolume reset = NodeVolume.open(dir, new SoftHsm(hsmKey));
    assertTrue(reset.isFresh());
    assertTrue(reset.removedStaleFiles().contains(dir.resolve("kms-journal.mv.db")));
    assertEquals(
        java.util.Set.of("", "kms.db"), TreeDigest.of(dir).keySet(), "only kms.db is left");

    Schema.apply(store);
    ActorTestKit kit = JournalScenario.start(store, reset.rek());
    try {
      TestProbe<String> signals = kit.createTestProbe();
      kit.spawn(Vault.create(JournalScenario.PERSISTENCE_ID, signals.ref()));
      signals.expectMessage(JournalScenario.TIMEOUT, "recovered 0");
    } finally {
      kit.shutdownTestKit();
    }
    assertEquals(List.of(), JournalScenario.rows(store, "event_journal"));
  }
}
