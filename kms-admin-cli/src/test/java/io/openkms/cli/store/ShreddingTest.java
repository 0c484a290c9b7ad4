package io.openkms.cli.store;

import static io.openkms.cli.node.KeyMaterialScan.indexOf;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.ByteString;
import io.openkms.cli.server.NodeMain;
import io.openkms.http.client.KmsClient;
import io.openkms.http.proto.CreateEnclaveRequest;
import io.openkms.http.proto.CreateKeyRequest;
import io.openkms.http.proto.DeleteEnclaveRequest;
import io.openkms.http.proto.DeleteKeyRequest;
import io.openkms.http.proto.ImportKeyRequest;
import io.openkms.http.testing.FreePorts;
import io.openkms.persistence.JournalRecordSerializer;
import io.openkms.persistence.RootEncryptionKey;
import io.openkms.persistence.Sealing;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.HexFormat;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 13, "deleted keys stay in the journal forever": after {@code rm-key} and {@code
 * rm-enclave}, within the shredding bound ({@code shred-settle + shred-interval}, here 0 s + 1 s),
 * no row of the node's store — every event and snapshot unsealed with the node's REK — holds the
 * deleted key material, and the H2 file's bytes hold none of the sealed rows that held it (H2 keeps
 * freed pages until its file is compacted). Before: every sealed event stayed for good.
 */
class ShreddingTest {

  private static final byte[] KEY =
      "shred me: 32 bytes of key bytes!".getBytes(StandardCharsets.US_ASCII);
  private static final byte[] OTHER_KEY =
      "and me too, the enclave's key!!!".getBytes(StandardCharsets.US_ASCII);

  @TempDir Path dir;

  @BeforeEach
  void shredFast() {
    GoldenStore.shredFast();
  }

  @AfterEach
  void defaults() {
    GoldenStore.shredAtDefaults();
  }

  @Test
  void deletedKeyMaterialLeavesTheStore() throws Exception {
    int port = FreePorts.pair();
    List<byte[]> sealedWithKeys;
    try (NodeMain.RunningNode node = GoldenStore.start(dir, port)) {
      RootEncryptionKey rek = Sealing.get(node.system()).rek();
      KmsClient kms = GoldenStore.client(port, node.rootApiKey());
      kms.createEnclave(CreateEnclaveRequest.newBuilder().setName("shred").build());
      kms.createEnclave(CreateEnclaveRequest.newBuilder().setName("gone").build());
      kms.importKey(
          "shred",
          ImportKeyRequest.newBuilder()
              .setName("secret")
              .setType("AES256")
              .setKey(ByteString.copyFrom(KEY))
              .build());
      kms.importKey(
          "gone",
          ImportKeyRequest.newBuilder()
              .setName("k")
              .setType("AES256")
              .setKey(ByteString.copyFrom(OTHER_KEY))
              .build());
      kms.createKey(
          "shred", CreateKeyRequest.newBuilder().setName("kept").setType("AES256").build());
      sealedWithKeys = sealedRowsHolding(rek);
      assertFalse(sealedWithKeys.isEmpty(), "the scan finds the key material before the delete");

      kms.deleteKey(
          "shred", DeleteKeyRequest.newBuilder().setName("secret").setAllVersions(true).build());
      kms.deleteEnclave(DeleteEnclaveRequest.newBuilder().setName("gone").build());
      long deadline = System.nanoTime() + 20_000_000_000L;
      while (!sealedRowsHolding(rek).isEmpty() && System.nanoTime() < deadline) {
        Thread.sleep(200);
      }
      assertEquals(List.of(), describe(sealedRowsHolding(rek)), "rows still holding the keys");
      Thread.sleep(1_500); // the compaction of the same shredder run
      assertNotInFile(sealedWithKeys, "while running");
      kms.createKey(
          "shred", CreateKeyRequest.newBuilder().setName("after").setType("AES256").build());
    }
    assertNotInFile(sealedWithKeys, "after the stop");
    int port2 = FreePorts.pair();
    try (NodeMain.RunningNode node = GoldenStore.start(dir, port2)) {
      KmsClient kms = GoldenStore.client(port2, node.rootApiKey());
      assertEquals(
          List.of("after", "kept"),
          kms
              .listKeys("shred", io.openkms.http.proto.ListRequest.getDefaultInstance())
              .getKeysList()
              .stream()
              .map(k -> k.getName())
              .sorted()
              .toList());
    }
  }

  /** The sealed payloads of every row whose plaintext holds {@link #KEY} or {@link #OTHER_KEY}. */
  private List<byte[]> sealedRowsHolding(RootEncryptionKey rek) throws Exception {
    List<byte[]> out = new ArrayList<>();
    try (Connection c = StoreFiles.connect(dir);
        Statement s = c.createStatement()) {
      for (String sql :
          new String[] {
            "SELECT \"event_ser_id\", \"event_ser_manifest\", \"event_payload\" FROM \"event_journal\"",
            "SELECT \"snapshot_ser_id\", \"snapshot_ser_manifest\", \"snapshot_payload\" FROM \"snapshot\""
          }) {
        try (ResultSet rs = s.executeQuery(sql)) {
          while (rs.next()) {
            byte[] sealed = rs.getBytes(3);
            byte[] plain =
                JournalRecordSerializer.plaintext(rek, rs.getInt(1), rs.getString(2), sealed);
            if (holds(plain, KEY) || holds(plain, OTHER_KEY)) {
              out.add(sealed);
            }
          }
        }
      }
    }
    return out;
  }

  private static boolean holds(byte[] data, byte[] key) {
    return indexOf(data, key) >= 0
        || indexOf(data, Base64.getEncoder().encode(key)) >= 0
        || indexOf(data, HexFormat.of().formatHex(key).getBytes(StandardCharsets.US_ASCII)) >= 0;
  }

  private void assertNotInFile(List<byte[]> sealedRows, String when) throws Exception {
    byte[] file = Files.readAllBytes(dir.resolve("kms-journal.mv.db"));
    for (byte[] sealed : sealedRows) {
      // nonce and the first ciphertext bytes: unique to that row
      byte[] head = Arrays.copyOfRange(sealed, 0, Math.min(sealed.length, 48));
      assertTrue(indexOf(file, head) < 0, when + ": the H2 file still holds a shredded row");
    }
    assertTrue(indexOf(file, KEY) < 0 && indexOf(file, OTHER_KEY) < 0);
  }

  private static List<String> describe(List<byte[]> rows) {
    return rows.stream().map(r -> r.length + " bytes").toList();
  }
}
