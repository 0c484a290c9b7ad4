package io.openkms.persistence;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A node started on a full filesystem said only {@code cannot read the journal store H2 …: Error
 * opening database: "Could not save properties retry:…/kms-journal.lock.db"} (operator trial): the
 * message now names the full disk ({@link JournalIntegrity#cannotRead}).
 */
class JournalStoreFullTest {
  private static final String H2_PROBLEM =
      "Error opening database: \"Could not save properties retry:/v/kms-journal.lock.db\""
          + " [8000-224]";

  @TempDir Path dir;

  @Test
  void aFullDiskIsNamed() {
    assertEquals(
        "cannot read the journal store H2 /v/kms-journal.mv.db: "
            + H2_PROBLEM
            + ": no space left on device (4096 bytes free on /v)",
        JournalIntegrity.cannotRead("H2 /v/kms-journal.mv.db", H2_PROBLEM, Path.of("/v"), 4096));
    assertTrue(
        JournalIntegrity.cannotRead("H2 x", "p", Path.of("/v"), 0)
            .endsWith(": no space left on device (0 bytes free on /v)"));
    assertTrue(
        JournalIntegrity.cannotRead(
                "H2 x", "p", Path.of("/v"), JournalIntegrity.LOW_SPACE_BYTES - 1)
            .contains("no space left on device"));
  }

  @Test
  void otherwiseTheMessageIsTheDrivers() {
    assertEquals(
        "cannot read the journal store H2 x: p",
        JournalIntegrity.cannotRead("H2 x", "p", Path.of("/v"), JournalIntegrity.LOW_SPACE_BYTES));
    assertEquals(
        "cannot read the journal store H2 x: p",
        JournalIntegrity.cannotRead("H2 x", "p", Path.of("/v"), -1)); // free space unknown
    assertEquals(
        "cannot read the journal store PostgreSQL s: p",
        JournalIntegrity.cannotRead("PostgreSQL s", "p", null, 0)); // nothing local
  }

  @Test
  void theUsableSpaceOfADirectoryIsRead() {
    assertTrue(JournalIntegrity.usableBytes(dir) > 0);
    assertEquals(-1, JournalIntegrity.usableBytes(dir.resolve("missing/nested")));
  }

  /**
   * A real full filesystem (a 1 MiB tmpfs filled with zeros, as root; skipped without mount): the
   * start's journal check names it.
   */
  @Test
  void aNodeOnAFullTmpfsIsToldSo() throws Exception {
    Path volume = Files.createDirectory(dir.resolve("volume"));
    String problem = run("mount", "-t", "tmpfs", "-o", "size=1m", "tmpfs", volume.toString());
    assumeTrue(problem == null, "no tmpfs: " + problem);
    try {
      try (OutputStream out = Files.newOutputStream(volume.resolve("filler"))) {
        byte[] zeros = new byte[64 * 1024];
        while (true) {
          out.write(zeros);
        }
      } catch (IOException full) {
        // No space left on device
      }
      StoreConfig store = StoreConfig.h2(volume);
      String message =
          assertThrows(
                  StartupException.class,
                  () ->
                      JournalIntegrity.check(
                          store,
                          RootEncryptionKey.generate(),
                          "p",
                          new JournalHighWaterMark(volume, RootEncryptionKey.generate(), "p")))
              .getMessage();
      assertTrue(
          message.startsWith("cannot read the journal store " + store.describe() + ": "), message);
      assertTrue(
          message.contains(": no space left on device (")
              && message.endsWith(" bytes free on " + volume + ")"),
          message);
    } finally {
      run("umount", volume.toString());
    }
  }

  /** Runs a command; null on success, else its output. */
  private static String run(String... command) throws IOException, InterruptedException {
    Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
    if (!p.waitFor(20, TimeUnit.SECONDS)) {
      p.destroyForcibly();
      return String.join(" ", command) + ": timed out";
    }
    String out = new String(p.getInputStream().readAllBytes());
    return p.exitValue() == 0 ? null : String.join(" ", command) + ": " + out;
  }
}
