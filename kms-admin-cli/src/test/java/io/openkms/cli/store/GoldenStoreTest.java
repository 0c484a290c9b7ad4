package io.openkms.cli.store;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.ByteString;
import io.openkms.cli.server.NodeMain;
import io.openkms.http.client.KmsClient;
import io.openkms.http.client.KmsClientException;
import io.openkms.http.proto.CreateKeyRequest;
import io.openkms.http.proto.DecryptRequest;
import io.openkms.http.proto.EncryptRequest;
import io.openkms.http.testing.FreePorts;
import io.openkms.kms.crypto.Identity;
import io.openkms.kms.crypto.KeyType;
import io.openkms.kms.crypto.KeyVersion;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.Base64;
import java.util.List;
import java.util.Properties;
import java.util.TreeMap;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Rolling upgrade, version N read by N+1 (issue 15): this version opens the golden store written by
 * version 1 ({@code src/test/resources/golden-store-v1}, see {@link GoldenStoreWriter}) in place,
 * lists the same enclaves, keys, policies and identities, decrypts the ciphertexts that version
 * answered, and keeps journaling on top of it; after a restart it opens the upgraded store again.
 * Rows of version 1 (class-name manifests, whose seal does not bind their position) are shredded
 * after the first write: the upgraded store holds only bound rows.
 */
class GoldenStoreTest {

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
  void thisVersionOpensTheStoreOfVersion1() throws Exception {
    Properties expected = copyStore(dir);
    assertTrue(StoreFiles.rows(dir).stream().allMatch(r -> r.contains(" 7373001/io.openkms.")));
    int port = FreePorts.pair();
    try (NodeMain.RunningNode node = GoldenStore.start(dir, port)) {
      KmsClient kms = GoldenStore.client(port, node.rootApiKey());
      assertSameState(port, kms, expected);
      kms.createKey(
          "second", CreateKeyRequest.newBuilder().setName("upgraded").setType("AES256").build());
      long deadline = System.nanoTime() + 15_000_000_000L;
      while (StoreFiles.rows(dir).stream().anyMatch(r -> r.contains(" 7373001/"))
          && System.nanoTime() < deadline) {
        Thread.sleep(200);
      }
      assertEquals(
          List.of(),
          StoreFiles.rows(dir).stream()
              .filter(r -> !r.contains(" 7373003/minkms.replica."))
              .toList(),
          "rows of version 1");
    }
    port = FreePorts.pair();
    try (NodeMain.RunningNode node = GoldenStore.start(dir, port)) {
      KmsClient kms = GoldenStore.client(port, node.rootApiKey());
      expected.setProperty(
          "list.keys.second", expected.getProperty("list.keys.second") + ",upgraded@1:AES256");
      assertSameState(port, kms, expected);
    }
  }

  private static void assertSameState(int port, KmsClient kms, Properties expected)
      throws Exception {
    TreeMap<String, String> listing = new TreeMap<>();
    GoldenStore.listing(kms).forEach((k, v) -> listing.put("list." + k, v));
    TreeMap<String, String> want = new TreeMap<>();
    expected.stringPropertyNames().stream()
        .filter(k -> k.startsWith("list."))
        .forEach(k -> want.put(k, expected.getProperty(k)));
    assertEquals(want, listing);
    for (String key : new String[] {"imported", "generated"}) {
      byte[] ciphertext = Base64.getDecoder().decode(expected.getProperty("ciphertext." + key));
      assertArrayEquals(
          GoldenStore.PLAINTEXT,
          kms.decrypt(
                  "golden",
                  DecryptRequest.newBuilder()
                      .setName(key)
                      .setCiphertext(ByteString.copyFrom(ciphertext))
                      .build())
              .getPlaintext()
              .toByteArray(),
          key);
    }
    byte[] sealed =
        kms.encrypt(
                "golden",
                EncryptRequest.newBuilder()
                    .setName("imported")
                    .setPlaintext(ByteString.copyFrom(GoldenStore.PLAINTEXT))
                    .build())
            .getCiphertext()
            .toByteArray();
    KeyVersion known =
        new KeyVersion(1, KeyType.AES256, GoldenStore.IMPORTED_KEY, Instant.EPOCH, Identity.ZERO);
    assertArrayEquals(GoldenStore.PLAINTEXT, known.decrypt(sealed, null));
    KmsClient app = GoldenStore.client(port, GoldenStore.APP_KEY);
    app.encrypt(
        "golden",
        EncryptRequest.newBuilder()
            .setName("imported")
            .setPlaintext(ByteString.copyFrom(GoldenStore.PLAINTEXT))
            .build());
    KmsClientException denied =
        assertThrows(
            KmsClientException.class,
            () ->
                app.decrypt(
                    "golden",
                    DecryptRequest.newBuilder()
                        .setName("imported")
                        .setCiphertext(ByteString.copyFrom(sealed))
                        .build()));
    assertEquals(403, denied.status(), denied.getMessage());
  }

  /** Copies the golden store into {@code dir}; returns its expected answers. */
  static Properties copyStore(Path dir) throws Exception {
    for (String file : new String[] {"kms.db", "kms-journal.mv.db"}) {
      try (InputStream in =
          GoldenStoreTest.class.getResourceAsStream(GoldenStore.RESOURCE + "/" + file)) {
        Files.copy(in, dir.resolve(file));
      }
    }
    Properties expected = new Properties();
    try (InputStream in =
        GoldenStoreTest.class.getResourceAsStream(
            GoldenStore.RESOURCE + "/" + GoldenStore.EXPECTED)) {
      expected.load(in);
    }
    return expected;
  }
}
