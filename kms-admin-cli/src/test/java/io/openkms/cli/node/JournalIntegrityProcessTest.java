package io.openkms.cli.node;

import static io.openkms.cli.node.Nodes.assertStartError;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.Statement;
import java.util.List;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 13, "journal rollback undetected", as an operator sees it: a {@code minkms server} whose
 * journal lost a row (deleted with plain JDBC while the node was stopped) prints one line {@code
 * minkms: journal integrity: …} naming the missing sequence number, exits 1 and changes no row. The
 * store is the golden store of version 1 (class-name manifests; see {@code
 * io.openkms.cli.store.GoldenStoreTest}), so this also covers stores written before the check
 * existed. The in-JVM cases (reordered rows, the removed revocation, …) are in {@code
 * io.openkms.cli.store.JournalIntegrityTest}.
 */
@Tag("process")
class JournalIntegrityProcessTest {

  private static final String HSM_KEY = "hsm:aes256:AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=";

  @TempDir Path dir;

  @Test
  void aDeletedRowRefusesTheStartAndChangesNothing() throws Exception {
    for (String file : new String[] {"kms.db", "kms-journal.mv.db"}) {
      try (InputStream in = getClass().getResourceAsStream("/golden-store-v1/" + file)) {
        Files.copy(in, dir.resolve(file));
      }
    }
    try (Connection c =
            DriverManager.getConnection(
                "jdbc:h2:file:"
                    + dir.resolve("kms-journal")
                    + ";DATABASE_TO_UPPER=false;FILE_LOCK=FILE",
                "sa",
                "");
        Statement s = c.createStatement()) {
      assertEquals(
          1, s.executeUpdate("DELETE FROM \"event_journal\" WHERE \"sequence_number\" = 5"));
    }
    List<String> rows = H2Journal.rows(dir);
    byte[] kmsDb = Files.readAllBytes(dir.resolve("kms.db"));
    MinkmsProcess.Result result =
        Nodes.runFailing(dir, NodeAddress.next(), HSM_KEY, "--host", "127.0.0.1:7373");
    assertStartError(
        result,
        1,
        "minkms: journal integrity: sequence number 5 of "
            + "minkms-replica-log is missing: the journal jumps from 4 to 6");
    assertEquals(rows, H2Journal.rows(dir));
    assertArrayEquals(kmsDb, Files.readAllBytes(dir.resolve("kms.db")));
  }
}
