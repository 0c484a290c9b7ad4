package io.openkms.cli.store;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.openkms.cli.CliException;
import io.openkms.cli.server.NodeMain;
import io.openkms.http.client.KmsClient;
import io.openkms.http.client.KmsClientException;
import io.openkms.http.proto.CreateEnclaveRequest;
import io.openkms.http.proto.CreateIdentityRequest;
import io.openkms.http.proto.CreateKeyRequest;
import io.openkms.http.proto.DeleteIdentityRequest;
import io.openkms.http.proto.ListRequest;
import io.openkms.http.testing.FreePorts;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 13, "journal rollback undetected": a disk tamperer with plain JDBC (no HSM key) removes or
 * reorders rows of a stopped node's H2 journal. Before, a revoked Admin came back; now the start is
 * refused with {@code journal integrity: …} naming the first bad sequence number, and no row
 * changed. One node writes the store once; each case tampers with its own copy.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class JournalIntegrityTest {

  private static final String PID = "minkms-replica-log";

  @TempDir static Path tmp;

  private Path original;
  private long revocationSeqNr;

  @BeforeAll
  void writeAStoreWithARevocation() throws Exception {
    original = tmp.resolve("original");
    int port = FreePorts.pair();
    try (NodeMain.RunningNode node = GoldenStore.start(original, port)) {
      KmsClient kms = GoldenStore.client(port, node.rootApiKey());
      kms.createEnclave(CreateEnclaveRequest.newBuilder().setName("tenant").build());
      kms.createKey("tenant", CreateKeyRequest.newBuilder().setName("k").setType("AES256").build());
      kms.createIdentity(
          "tenant",
          CreateIdentityRequest.newBuilder()
              .setIdentity(GoldenStore.APP_KEY.identity().toString())
              .setPrivilege("Admin")
              .build());
      kms.deleteIdentity(
          "tenant",
          DeleteIdentityRequest.newBuilder()
              .setIdentity(GoldenStore.APP_KEY.identity().toString())
              .build());
    }
    List<Long> seqNrs = StoreFiles.eventSeqNrs(original);
    revocationSeqNr = seqNrs.get(seqNrs.size() - 1);
    assertEquals(Stream.iterate(1L, i -> i + 1).limit(revocationSeqNr).toList(), seqNrs);
    assertTrue(
        StoreFiles.rows(original).stream().allMatch(r -> r.contains(" 7373003/minkms.replica.")),
        "stable manifests only");
  }

  private Path copy(String name) throws Exception {
    Path dir = tmp.resolve(name);
    StoreFiles.copy(original, dir);
    return dir;
  }

  /** Starts on {@code dir}, expecting a refusal; returns its message; checks no row changed. */
  private String refusedStart(Path dir) throws Exception {
    List<String> rows = StoreFiles.rows(dir);
    Set<String> files = files(dir);
    CliException refused = null;
    for (int attempt = 0; attempt < 5; attempt++) { // another process may take the free port
      refused =
          assertThrows(CliException.class, () -> GoldenStore.start(dir, FreePorts.pair()).close());
      if (!refused.getMessage().startsWith("cannot listen on ")) {
        break;
      }
    }
    assertEquals(rows, StoreFiles.rows(dir), "a refused start changed the journal");
    assertEquals(files, files(dir));
    return refused.getMessage();
  }

  private static Set<String> files(Path dir) throws Exception {
    try (Stream<Path> f = Files.walk(dir)) {
      return f.map(p -> dir.relativize(p).toString()).collect(Collectors.toSet());
    }
  }

  @Test
  void theUntouchedStoreStartsAndListsTheRevokedAdminNoMore() throws Exception {
    Path dir = copy("untouched");
    int port = FreePorts.pair();
    try (NodeMain.RunningNode node = GoldenStore.start(dir, port)) {
      KmsClient kms = GoldenStore.client(port, node.rootApiKey());
      assertEquals(
          0, kms.listIdentities("tenant", ListRequest.getDefaultInstance()).getIdentitiesCount());
      KmsClient revoked = GoldenStore.client(port, GoldenStore.APP_KEY);
      assertEquals(
          403,
          assertThrows(
                  KmsClientException.class,
                  () -> revoked.listKeys("tenant", ListRequest.getDefaultInstance()))
              .status());
    }
  }

  @Test
  void aRowDeletedFromTheMiddleIsRefused() throws Exception {
    Path dir = copy("middle");
    assertEquals(
        List.of(1),
        StoreFiles.sql(dir, "DELETE FROM \"event_journal\" WHERE \"sequence_number\" = 4"));
    assertEquals(
        "journal integrity: sequence number 4 of "
            + PID
            + " is missing: the journal jumps from 3 to 5",
        refusedStart(dir));
  }

  @Test
  void twoRowsDeletedAreRefusedAtTheFirst() throws Exception {
    Path dir = copy("two");
    assertEquals(
        List.of(2),
        StoreFiles.sql(
            dir,
            "DELETE FROM \"event_journal\" WHERE "
                + "\"sequence_number\" IN ("
                + (revocationSeqNr - 2)
                + ", "
                + (revocationSeqNr - 1)
                + ")"));
    assertEquals(
        "journal integrity: sequence number "
            + (revocationSeqNr - 2)
            + " of "
            + PID
            + " is missing: the journal jumps from "
            + (revocationSeqNr - 3)
            + " to "
            + revocationSeqNr,
        refusedStart(dir));
  }

  @Test
  void rowsRenumberedAfterADeletionAreRefused() throws Exception {
    Path dir = copy("renumbered");
    StoreFiles.sql(
        dir,
        "DELETE FROM \"event_journal\" WHERE \"sequence_number\" = 4",
        "UPDATE \"event_journal\" SET \"sequence_number\" = \"sequence_number\" - 1 "
            + "WHERE \"sequence_number\" > 4");
    assertEquals(
        "journal integrity: the event at sequence number 4 of "
            + PID
            + " was written as sequence number 5 of "
            + PID
            + " (rows moved, reordered or renumbered)",
        refusedStart(dir));
  }

  @Test
  void reorderedRowsAreRefused() throws Exception {
    Path dir = copy("reordered");
    // swap the payloads of events 5 and 6 (what a reordering of rows amounts to)
    StoreFiles.sql(
        dir,
        "UPDATE \"event_journal\" SET \"sequence_number\" = -5 WHERE \"sequence_number\" = 5",
        "UPDATE \"event_journal\" SET \"sequence_number\" = 5 WHERE \"sequence_number\" = 6",
        "UPDATE \"event_journal\" SET \"sequence_number\" = 6 WHERE \"sequence_number\" = -5");
    assertEquals(
        "journal integrity: the event at sequence number 5 of "
            + PID
            + " was written as sequence number 6 of "
            + PID
            + " (rows moved, reordered or renumbered)",
        refusedStart(dir));
  }

  @Test
  void deletingOnlyTheRevocationIsRefused() throws Exception {
    Path dir = copy("revocation");
    // the revocation is the last event; the snapshot taken after it goes too
    StoreFiles.sql(
        dir,
        "DELETE FROM \"event_journal\" WHERE \"sequence_number\" = " + revocationSeqNr,
        "DELETE FROM \"snapshot\" WHERE \"sequence_number\" >= " + revocationSeqNr);
    assertEquals(
        "journal integrity: the journal of "
            + PID
            + " ends at sequence number "
            + (revocationSeqNr - 1)
            + ", but this node journaled up to "
            + revocationSeqNr
            + " ("
            + dir.resolve("kms-journal.hwm")
            + "): sequence number "
            + revocationSeqNr
            + " and later were removed from its end",
        refusedStart(dir));
  }

  @Test
  void aMissingHighWaterMarkIsRefused() throws Exception {
    Path dir = copy("no-mark");
    Files.delete(dir.resolve("kms-journal.hwm"));
    assertEquals(
        "journal integrity: "
            + dir.resolve("kms-journal.hwm")
            + " is missing, but the "
            + "journal was written by a version that keeps it (events may have been removed from its "
            + "end)",
        refusedStart(dir));
  }

  @Test
  void anAlteredPayloadIsRefused() throws Exception {
    Path dir = copy("altered");
    StoreFiles.sql(
        dir,
        "UPDATE \"event_journal\" SET \"event_payload\" = "
            + "(SELECT \"event_payload\" FROM \"event_journal\" WHERE \"sequence_number\" = 3) "
            + "WHERE \"sequence_number\" = 2");
    assertEquals(
        "journal integrity: the event at sequence number 2 of "
            + PID
            + " was written as sequence number 3 of "
            + PID
            + " (rows moved, reordered or renumbered)",
        refusedStart(dir));
  }
}
