package io.openkms.kms.domain;

import static io.openkms.kms.domain.Fixtures.standard;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.openkms.kms.backup.BackupFile;
import io.openkms.kms.backup.BackupKey;
import io.openkms.kms.cluster.StateDigest;
import io.openkms.persistence.HsmKey;
import io.openkms.persistence.SoftHsm;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Arrays;
import java.util.HexFormat;
import org.junit.jupiter.api.Test;

/** {@link BackupFile} (sealing, refusals) and {@link Change.RestoreState}. */
class BackupRestoreTest {

  private static final BackupKey KEY = BackupKey.of(new SoftHsm(HsmKey.generate()));
  private static final Instant NOW = Instant.parse("2026-12-06T10:00:00Z");

  @Test
  void aBackupOpensToTheSameStateAndHoldsNoPlaintextKeyMaterial() {
    KmsState s = standard();
    byte[] backup = BackupFile.write(s, KEY, NOW);
    BackupFile.Contents c = BackupFile.open(backup, KEY);
    assertEquals(s.commitIndex(), c.header().commit());
    assertEquals(s.membership().clusterId(), c.header().clusterId());
    assertEquals(1, c.header().enclaves().get("e").keys());
    assertEquals(s.enclaves(), c.enclaves());
    assertEquals(s.sysAdmins(), c.sysAdmins());
    byte[] key = s.key("e", "k").ring().latest().orElseThrow().key();
    assertFalse(contains(backup, key), "raw key bytes in the backup");
    String text = new String(backup, StandardCharsets.ISO_8859_1);
    assertFalse(text.contains(HexFormat.of().formatHex(key)));
    assertFalse(text.contains(java.util.Base64.getEncoder().encodeToString(key)));
    assertTrue(text.startsWith("minkms-backup v1\n"));
  }

  @Test
  void restoringReplacesEnclavesAndSysAdminsAndKeepsTheMembership() {
    KmsState source = standard();
    BackupFile.Contents c = BackupFile.open(BackupFile.write(source, KEY, NOW), KEY);
    KmsState fresh = KmsState.empty().apply(new Change.InitCluster("other-cluster", "n9:7373"));
    KmsState restored =
        fresh.apply(
            new Change.RestoreState(c.enclaves(), c.sysAdmins(), c.header().commit(), false));
    assertEquals(fresh.membership(), restored.membership());
    assertEquals(2, restored.commitIndex());
    assertEquals(source.enclaves(), restored.enclaves());
    assertEquals(source.sysAdmins(), restored.sysAdmins());
    assertEquals(
        StateDigest.of(new KmsState(source.enclaves(), source.sysAdmins(), fresh.membership(), 2)),
        StateDigest.of(restored));
  }

  @Test
  void aLargeBackupIsRestoredInPartsThatAddUpToTheWhole() {
    KmsState source = standard();
    for (int i = 0; i < 40; i++) {
      source = source.apply(new Change.CreateKey("other", "key-" + i, Fixtures.version(1)));
    }
    BackupFile.Contents c = BackupFile.open(BackupFile.write(source, KEY, NOW), KEY);
    java.util.List<Change.RestoreState> parts = BackupFile.changes(c, 1024);
    assertTrue(parts.size() > 5, "parts: " + parts.size());
    assertFalse(parts.get(0).merge());
    assertTrue(parts.subList(1, parts.size()).stream().allMatch(Change.RestoreState::merge));
    KmsState fresh =
        KmsState.empty()
            .apply(new Change.InitCluster("x", "n9:7373"))
            .apply(new Change.CreateEnclave("stale", Fixtures.T0, Fixtures.ROOT));
    KmsState restored = fresh;
    for (Change.RestoreState p : parts) {
      restored = restored.apply(p);
    }
    assertEquals(source.enclaves(), restored.enclaves());
    assertEquals(source.sysAdmins(), restored.sysAdmins());
    assertEquals(1, BackupFile.changes(c, 1 << 20).size());
  }

  @Test
  void aBackupOfAnotherHsmKeyIsRefusedByName() {
    byte[] backup = BackupFile.write(standard(), KEY, NOW);
    BackupKey other = BackupKey.of(new SoftHsm(HsmKey.generate()));
    KmsException e = assertThrows(KmsException.class, () -> BackupFile.open(backup, other));
    assertEquals(400, e.status());
    assertTrue(
        e.message().startsWith("cannot restore backup: it was sealed under another HSM key"),
        e.message());
  }

  @Test
  void garbageTamperedAndTruncatedBackupsAreRefused() {
    byte[] backup = BackupFile.write(standard(), KEY, NOW);
    assertInvalid("invalid backup: not a minkms backup file", "hello".getBytes());
    assertInvalid("invalid backup: not a minkms backup file", new byte[0]);
    assertInvalid(
        "invalid backup: unsupported format 'minkms-backup v9' (expected 'minkms-backup v1')",
        "minkms-backup v9\n{}\n".getBytes());
    assertInvalid("invalid backup: truncated header", "minkms-backup v1\n{".getBytes());
    assertInvalid("invalid backup: unreadable header", "minkms-backup v1\n{x\n".getBytes());
    byte[] tampered = backup.clone();
    tampered[tampered.length - 20] ^= 1;
    assertInvalid("invalid backup: damaged: the sealed state does not authenticate", tampered);
    String header = new String(backup, StandardCharsets.ISO_8859_1);
    byte[] editedHeader =
        header.replaceFirst("\"commit\":11", "\"commit\":12").getBytes(StandardCharsets.ISO_8859_1);
    assertInvalid("invalid backup: damaged: the sealed state does not authenticate", editedHeader);
    assertInvalid(
        "invalid backup: damaged: the sealed state does not authenticate",
        Arrays.copyOf(backup, backup.length - 1));
  }

  @Test
  void restoreNeedsAnInitializedCluster() {
    KmsException e =
        assertThrows(
            KmsException.class,
            () ->
                KmsState.empty()
                    .apply(
                        new Change.RestoreState(
                            new java.util.TreeMap<>(), new java.util.TreeMap<>(), 1, false)));
    assertEquals(ApiError.CLUSTER_NOT_INITIALIZED.status(), e.status());
  }

  @Test
  void theKeyIdIsStablePerHsmKey() {
    HsmKey hsm = HsmKey.generate();
    assertEquals(BackupKey.of(new SoftHsm(hsm)).id(), BackupKey.of(new SoftHsm(hsm)).id());
    assertEquals(16, KEY.id().length());
    byte[] a = BackupFile.write(standard(), KEY, NOW);
    assertArrayEquals(Arrays.copyOf(a, 17), "minkms-backup v1\n".getBytes());
  }

  private static void assertInvalid(String message, byte[] data) {
    KmsException e = assertThrows(KmsException.class, () -> BackupFile.open(data, KEY));
    assertEquals(400, e.status());
    assertEquals(message, e.message());
  }

  private static boolean contains(byte[] haystack, byte[] needle) {
    outer:
    for (int i = 0; i + needle.length <= haystack.length; i++) {
      for (int j = 0; j < needle.length; j++) {
        if (haystack[i + j] != needle[j]) {
          continue outer;
        }
      }
      return true;
    }
    return false;
  }
}
