package io.openkms.persistence;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@link NodeVolume}: first start, restart, wrong HSM key, unusable directories, corrupt {@code
 * kms.db}, reset by removing {@code kms.db} (docs/ARCHITECTURE.md §2; docs/REFERENCE.md §14).
 */
class NodeVolumeTest {
  @TempDir Path tmp;

  private final SoftHsm hsm = new SoftHsm(HsmKey.parse(HsmKeyTest.SEQUENTIAL));

  @Test
  void firstStartCreatesDirectoryAndSealedRek() throws Exception {
    Path dir = tmp.resolve("a/b/volume");
    NodeVolume v = NodeVolume.open(dir, hsm);
    assertTrue(v.isFresh());
    assertEquals(dir, v.dir());
    assertEquals(List.of(), v.removedStaleFiles());
    assertEquals(Map.of("", "dir", "kms.db", TreeDigest.of(dir).get("kms.db")), TreeDigest.of(dir));

    String text = Files.readString(dir.resolve("kms.db"));
    assertTrue(text.contains("\nformat: 1\nhsm: hsm:minio:soft\nsealed-rek: "), text);
    VolumeFile file = VolumeFile.decode(Files.readAllBytes(dir.resolve("kms.db")));
    assertEquals(1, file.format());
    assertEquals("hsm:minio:soft", file.hsmName());
    assertEquals(12 + 32 + 16, file.sealedRek().length);
    assertArrayEquals(v.rek().bytes(), hsm.unseal(file.sealedRek()));
  }

  @Test
  void restartUnsealsTheSameRekAndChangesNothing() throws Exception {
    Path dir = tmp.resolve("v");
    NodeVolume first = NodeVolume.open(dir, hsm);
    Map<String, String> before = TreeDigest.of(dir);
    NodeVolume second = NodeVolume.open(dir, new SoftHsm(HsmKey.parse(HsmKeyTest.SEQUENTIAL)));
    assertFalse(second.isFresh());
    assertArrayEquals(first.rek().bytes(), second.rek().bytes());
    byte[] sealed = first.rek().seal(new byte[] {1, 2, 3}, new byte[0]);
    assertArrayEquals(new byte[] {1, 2, 3}, second.rek().unseal(sealed, new byte[0]));
    assertEquals(before, TreeDigest.of(dir));
  }

  @Test
  void wrongHsmKeyFailsAndChangesNothing() throws Exception {
    Path dir = tmp.resolve("v");
    NodeVolume.open(dir, hsm);
    Files.write(dir.resolve("kms-journal.mv.db"), new byte[] {1, 2, 3, 4});
    Map<String, String> before = TreeDigest.of(dir);
    var e =
        assertThrows(
            StartupException.class, () -> NodeVolume.open(dir, new SoftHsm(HsmKey.generate())));
    assertEquals(
        "failed to unseal root encryption key with HSM: invalid ciphertext", e.getMessage());
    assertEquals(before, TreeDigest.of(dir));
  }

  @Test
  void dataDirectoryIsAFile() throws Exception {
    Path file = Files.writeString(tmp.resolve("plain-file"), "x");
    var e = assertThrows(StartupException.class, () -> NodeVolume.open(file, hsm));
    assertEquals("cannot use data directory " + file + ": not a directory", e.getMessage());
    assertEquals("x", Files.readString(file));
  }

  /** Tests run as root, so permissions do not stop us: put DIR under a regular file instead. */
  @Test
  void dataDirectoryCannotBeCreated() throws Exception {
    Path file = Files.writeString(tmp.resolve("plain-file"), "x");
    Path dir = file.resolve("volume");
    var e = assertThrows(StartupException.class, () -> NodeVolume.open(dir, hsm));
    assertEquals(
        "cannot use data directory " + dir + ": cannot create it (Not a directory)",
        e.getMessage());
    Path deeper = file.resolve("a/b");
    var f = assertThrows(StartupException.class, () -> NodeVolume.open(deeper, hsm));
    assertEquals(
        "cannot use data directory " + deeper + ": cannot create it (Not a directory)",
        f.getMessage());
  }

  /**
   * Root may write almost anywhere, but not into procfs: /proc/self is an existing, readable
   * directory that nobody can write to.
   */
  @Test
  void dataDirectoryIsNotWritable() {
    Path proc = Path.of("/proc/self");
    assumeTrue(
        Files.isDirectory(proc) && !Files.isWritable(proc),
        "SKIPPED: /proc/self is not a read-only directory on this machine");
    var e = assertThrows(StartupException.class, () -> NodeVolume.open(proc, hsm));
    assertEquals("cannot use data directory /proc/self: not writable", e.getMessage());
    assertFalse(Files.exists(proc.resolve("kms.db")));
  }

  @Test
  void kmsDbIsADirectory() throws Exception {
    Path dir = tmp.resolve("v");
    Files.createDirectories(dir.resolve("kms.db"));
    Map<String, String> before = TreeDigest.of(dir);
    var e = assertThrows(StartupException.class, () -> NodeVolume.open(dir, hsm));
    assertEquals("corrupt " + dir.resolve("kms.db") + ": not a regular file", e.getMessage());
    assertEquals(before, TreeDigest.of(dir));
  }

  @Test
  void corruptKmsDbFailsClearlyAndChangesNothing() throws Exception {
    Path dir = tmp.resolve("v");
    NodeVolume.open(dir, hsm);
    Path db = dir.resolve("kms.db");
    String good = Files.readString(db);
    String sealedLine = good.lines().filter(l -> l.startsWith("sealed-rek: ")).findFirst().get();
    String rest = good.replace(sealedLine + "\n", "");
    byte[] sealed = VolumeFile.decode(good.getBytes(StandardCharsets.UTF_8)).sealedRek();
    String tampered =
        good.replace(
            sealedLine,
            "sealed-rek: " + java.util.Base64.getEncoder().encodeToString(flipLastByte(sealed)));
    String shortRek =
        good.replace(
            sealedLine,
            "sealed-rek: " + java.util.Base64.getEncoder().encodeToString(hsm.seal(new byte[16])));

    Map<String, String> cases = new java.util.LinkedHashMap<>();
    cases.put("", "corrupt " + db + ": missing \"format\"");
    cases.put("garbage", "corrupt " + db + ": line 1 is not \"key: value\"");
    cases.put(
        good.replace("format: 1", "format: 2"), "corrupt " + db + ": unsupported format version 2");
    cases.put(rest, "corrupt " + db + ": missing \"sealed-rek\"");
    cases.put(
        good + "sealed-rek: AAAA\n", "corrupt " + db + ": field \"sealed-rek\" appears twice");
    cases.put(good + "color: blue\n", "corrupt " + db + ": unknown field \"color\"");
    cases.put(
        good.replace(sealedLine, "sealed-rek: %%%"),
        "corrupt " + db + ": \"sealed-rek\" is not base64");
    cases.put(
        good.replace("hsm: hsm:minio:soft", "hsm: hsm:pkcs11"),
        db + " was sealed by HSM hsm:pkcs11, but this node uses HSM hsm:minio:soft");
    cases.put(tampered, "failed to unseal root encryption key with HSM: invalid ciphertext");
    cases.put(shortRek, "corrupt " + db + ": the sealed root encryption key is 16 bytes, want 32");
    for (var c : cases.entrySet()) {
      Files.writeString(db, c.getKey());
      Map<String, String> before = TreeDigest.of(dir);
      var e = assertThrows(StartupException.class, () -> NodeVolume.open(dir, hsm), c.getValue());
      assertEquals(c.getValue(), e.getMessage(), "file:\n" + c.getKey());
      assertEquals(before, TreeDigest.of(dir));
    }

    Files.write(db, new byte[] {(byte) 0xff, (byte) 0xfe, 0});
    var e = assertThrows(StartupException.class, () -> NodeVolume.open(dir, hsm));
    assertEquals("corrupt " + db + ": not UTF-8 text", e.getMessage());

    Files.write(db, new byte[64 * 1024 + 1]);
    var f = assertThrows(StartupException.class, () -> NodeVolume.open(dir, hsm));
    assertEquals("corrupt " + db + ": larger than 65536 bytes", f.getMessage());
  }

  @Test
  void removingKmsDbResetsTheNodeAndDeletesStaleJournalFiles() throws Exception {
    Path dir = tmp.resolve("v");
    NodeVolume first = NodeVolume.open(dir, hsm);
    Files.write(dir.resolve("kms-journal.mv.db"), new byte[] {1});
    Files.write(dir.resolve("kms-journal.trace.db"), new byte[] {2});
    Files.write(dir.resolve("unrelated.txt"), new byte[] {3});
    Files.delete(dir.resolve("kms.db"));

    NodeVolume reset = NodeVolume.open(dir, hsm);
    assertTrue(reset.isFresh());
    assertEquals(
        java.util.Set.of(dir.resolve("kms-journal.mv.db"), dir.resolve("kms-journal.trace.db")),
        java.util.Set.copyOf(reset.removedStaleFiles()));
    assertEquals(java.util.Set.of("", "kms.db", "unrelated.txt"), TreeDigest.of(dir).keySet());
    assertFalse(java.util.Arrays.equals(first.rek().bytes(), reset.rek().bytes()));
  }

  @Test
  void journalFilesAreKeptWhileKmsDbExists() throws Exception {
    Path dir = tmp.resolve("v");
    NodeVolume.open(dir, hsm);
    Files.write(dir.resolve("kms-journal.mv.db"), new byte[] {1});
    NodeVolume again = NodeVolume.open(dir, hsm);
    assertEquals(List.of(), again.removedStaleFiles());
    assertTrue(Files.exists(dir.resolve("kms-journal.mv.db")));
  }

  @Test
  void leftoverTemporaryFileFromACrashIsReplaced() throws Exception {
    Path dir = Files.createDirectories(tmp.resolve("v"));
    Files.writeString(dir.resolve("kms.db.tmp"), "half written");
    NodeVolume v = NodeVolume.open(dir, hsm);
    assertTrue(v.isFresh());
    assertEquals(java.util.Set.of("", "kms.db"), TreeDigest.of(dir).keySet());
  }

  private static byte[] flipLastByte(byte[] b) {
    byte[] c = b.clone();
    c[c.length - 1] ^= 1;
    return c;
  }

  private static String mode(Path p) throws java.io.IOException {
    return java.nio.file.attribute.PosixFilePermissions.toString(
        Files.getPosixFilePermissions(p, java.nio.file.LinkOption.NOFOLLOW_LINKS));
  }

  @Test
  void newDirectoryAndKmsDbAreForTheOwnerOnly() throws Exception {
    // The test JVM's umask is usually 022: the modes come from creation, not from it.
    Path dir = tmp.resolve("a/volume");
    NodeVolume.open(dir, hsm);
    assertEquals("rwx------", mode(dir));
    assertEquals("rw-------", mode(dir.resolve("kms.db")));
  }

  @Test
  void restrictModesFixesAnOpenDirectoryAndJournalFiles() throws Exception {
    Path dir = Files.createDirectories(tmp.resolve("open"));
    Files.setPosixFilePermissions(
        dir, java.nio.file.attribute.PosixFilePermissions.fromString("rwxr-xr-x"));
    NodeVolume v = NodeVolume.open(dir, hsm);
    Path journal = Files.writeString(dir.resolve("kms-journal.mv.db"), "h2");
    Path other = Files.writeString(dir.resolve("notes.txt"), "operator's");
    for (Path p : List.of(dir.resolve("kms.db"), journal, other)) {
      Files.setPosixFilePermissions(
          p, java.nio.file.attribute.PosixFilePermissions.fromString("rw-r--r--"));
    }
    v.restrictModes();
    assertEquals("rwx------", mode(dir));
    assertEquals("rw-------", mode(dir.resolve("kms.db")));
    assertEquals("rw-------", mode(journal));
    assertEquals("rw-r--r--", mode(other)); // not ours: left alone
  }
}
