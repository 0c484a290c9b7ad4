package io.openkms.http.server;

import static io.openkms.http.server.ApiAssertions.assertKmsError;
import static io.openkms.http.server.ApiAssertions.hex;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;

import com.google.protobuf.ByteString;
import io.openkms.http.client.KmsClient;
import io.openkms.http.client.KmsClientException;
import io.openkms.http.proto.CreateEnclaveRequest;
import io.openkms.http.proto.CreateKeyRequest;
import io.openkms.http.proto.DecryptRequest;
import io.openkms.http.proto.DeleteKeyRequest;
import io.openkms.http.proto.EncryptRequest;
import io.openkms.http.proto.EncryptResponse;
import io.openkms.http.proto.GenerateKeyRequest;
import io.openkms.http.proto.GenerateKeyResponse;
import io.openkms.http.proto.ImportKeyRequest;
import io.openkms.http.proto.KeyStatusRequest;
import io.openkms.http.proto.MACRequest;
import io.openkms.http.proto.MACResponse;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import javax.crypto.Cipher;
import javax.crypto.Mac;
import javax.crypto.spec.GCMParameterSpec;
import javax.crypto.spec.SecretKeySpec;
import org.bouncycastle.crypto.digests.SHA256Digest;
import org.bouncycastle.crypto.generators.HKDFBytesGenerator;
import org.bouncycastle.crypto.params.HKDFParameters;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Key commands through the real endpoint (issue 3; docs/PROTOCOL.md §8): concurrent creation,
 * delete and re-create, associated data and tampering, key versions (0 = latest, missing = 404), a
 * key with 1,000 versions, MAC, and import with KES-layout ciphertexts made outside the server.
 */
class KmsApiKeysTest {

  private static final String ENCLAVE = "keys";
  private static final String INVALID_CIPHERTEXT = "invalid ciphertext";
  private static final SecureRandom RANDOM = new SecureRandom();

  private static TestKmsServer server;
  private static KmsClient root;

  @BeforeAll
  static void start() throws Exception {
    server = TestKmsServer.start();
    root = server.root();
    root.createEnclave(CreateEnclaveRequest.newBuilder().setName(ENCLAVE).build());
  }

  @AfterAll
  static void stop() {
    server.close();
  }

  private static void create(String name) {
    root.createKey(ENCLAVE, CreateKeyRequest.newBuilder().setName(name).build());
  }

  private static void addVersion(String name) {
    root.createKey(
        ENCLAVE, CreateKeyRequest.newBuilder().setName(name).setAddVersion(true).build());
  }

  private static byte[] decrypt(String name, int version, ByteString ct, ByteString ad) {
    return root.decrypt(
            ENCLAVE,
            DecryptRequest.newBuilder()
                .setName(name)
                .setVersion(version)
                .setCiphertext(ct)
                .setAssociatedData(ad)
                .build())
        .getPlaintext()
        .toByteArray();
  }

  private static ByteString utf8(String s) {
    return ByteString.copyFromUtf8(s);
  }

  // ---- creation races, delete and re-create --------------------------------------------------

  @Test
  void fiftyConcurrentCreatesOfOneNameGiveOneSuccessAnd49Conflicts() throws Exception {
    int n = 50;
    ExecutorService pool = Executors.newFixedThreadPool(n);
    CountDownLatch go = new CountDownLatch(1);
    AtomicInteger ok = new AtomicInteger();
    List<Future<String>> results = new ArrayList<>();
    try {
      for (int i = 0; i < n; i++) {
        results.add(
            pool.submit(
                () -> {
                  go.await();
                  try {
                    create("race");
                    ok.incrementAndGet();
                    return "ok";
                  } catch (KmsClientException e) {
                    return e.status() + " " + e.getMessage();
                  }
                }));
      }
      go.countDown();
      Map<String, Integer> outcomes = new TreeMap<>();
      for (Future<String> f : results) {
        outcomes.merge(f.get(60, TimeUnit.SECONDS), 1, Integer::sum);
      }
      assertEquals(Map.of("ok", 1, "409 key already exists", 49), outcomes);
    } finally {
      pool.shutdownNow();
    }
    assertEquals(
        1,
        root.keyStatus(ENCLAVE, KeyStatusRequest.newBuilder().setName("race").build())
            .getVersion());
    List<GenerateKeyRequest> batch = new ArrayList<>();
    for (int i = 0; i < 20; i++) {
      batch.add(
          GenerateKeyRequest.newBuilder()
              .setName("race")
              .setAssociatedData(utf8("ad" + i))
              .build());
    }
    List<GenerateKeyResponse> keys = root.generateKey(ENCLAVE, batch);
    assertEquals(20, keys.size());
    for (int i = 0; i < keys.size(); i++) {
      GenerateKeyResponse dk = keys.get(i);
      assertEquals(32, dk.getPlaintext().size());
      assertArrayEquals(
          dk.getPlaintext().toByteArray(),
          decrypt("race", dk.getVersion(), dk.getCiphertext(), utf8("ad" + i)));
    }
  }

  @Test
  void ciphertextOfADeletedKeyNeverDecryptsUnderTheRecreatedKey() {
    create("reborn");
    GenerateKeyResponse old =
        root.generateKey(ENCLAVE, GenerateKeyRequest.newBuilder().setName("reborn").build());
    assertArrayEquals(
        old.getPlaintext().toByteArray(),
        decrypt("reborn", 1, old.getCiphertext(), ByteString.EMPTY));
    root.deleteKey(
        ENCLAVE, DeleteKeyRequest.newBuilder().setName("reborn").setAllVersions(true).build());
    assertKmsError(
        404,
        "key does not exist",
        () -> decrypt("reborn", 1, old.getCiphertext(), ByteString.EMPTY));
    create("reborn");
    assertKmsError(
        400, INVALID_CIPHERTEXT, () -> decrypt("reborn", 1, old.getCiphertext(), ByteString.EMPTY));
    assertKmsError(
        400, INVALID_CIPHERTEXT, () -> decrypt("reborn", 0, old.getCiphertext(), ByteString.EMPTY));
  }

  // ---- associated data and tampering ---------------------------------------------------------

  @Test
  void onlyTheExactCiphertextAndAssociatedDataDecrypt() {
    create("aad");
    ByteString ad = utf8("context-1");
    EncryptResponse enc =
        root.encrypt(
            ENCLAVE,
            EncryptRequest.newBuilder()
                .setName("aad")
                .setPlaintext(utf8("attack at dawn"))
                .setAssociatedData(ad)
                .build());
    byte[] ct = enc.getCiphertext().toByteArray();
    assertEquals(14 + 44, ct.length);
    for (int version : new int[] {1, 0}) {
      assertEquals(
          "attack at dawn",
          new String(decrypt("aad", version, enc.getCiphertext(), ad), StandardCharsets.UTF_8));
      Map<String, ByteString[]> bad = new TreeMap<>();
      bad.put("no associated data", new ByteString[] {enc.getCiphertext(), ByteString.EMPTY});
      bad.put("other associated data", new ByteString[] {enc.getCiphertext(), utf8("context-2")});
      bad.put(
          "associated data with one more byte",
          new ByteString[] {enc.getCiphertext(), utf8("context-1 ")});
      for (int pos :
          new int[] {
            0, 13, 14, ct.length - 29, ct.length - 28, ct.length - 13, ct.length - 12, ct.length - 1
          }) {
        byte[] flipped = ct.clone();
        flipped[pos] ^= 0x01;
        bad.put("bit flipped at " + pos, new ByteString[] {ByteString.copyFrom(flipped), ad});
      }
      for (int length : new int[] {ct.length - 1, 44, 43, 28, 1, 0}) {
        bad.put(
            "truncated to " + length,
            new ByteString[] {ByteString.copyFrom(Arrays.copyOf(ct, length)), ad});
      }
      bad.put(
          "first byte dropped",
          new ByteString[] {ByteString.copyFrom(Arrays.copyOfRange(ct, 1, ct.length)), ad});
      bad.put(
          "one byte appended",
          new ByteString[] {ByteString.copyFrom(Arrays.copyOf(ct, ct.length + 1)), ad});
      byte[] swapped = ct.clone();
      System.arraycopy(ct, ct.length - 12, swapped, ct.length - 28, 12);
      bad.put("nonce copied over the iv", new ByteString[] {ByteString.copyFrom(swapped), ad});
      for (Map.Entry<String, ByteString[]> e : bad.entrySet()) {
        KmsClientException ex =
            org.junit.jupiter.api.Assertions.assertThrows(
                KmsClientException.class,
                () -> decrypt("aad", version, e.getValue()[0], e.getValue()[1]),
                e.getKey());
        assertEquals(
            e.getKey() + ": 400 " + INVALID_CIPHERTEXT,
            e.getKey() + ": " + ex.status() + " " + ex.getMessage());
      }
    }
  }

  // ---- versions ------------------------------------------------------------------------------

  @Test
  void versionZeroIsTheLatestAndAMissingVersionIs404() {
    create("ver");
    addVersion("ver");
    addVersion("ver");
    Map<Integer, Integer> expected = Map.of(1, 1, 2, 2, 0, 3);
    for (Map.Entry<Integer, Integer> e : new TreeMap<>(expected).entrySet()) {
      int asked = e.getKey();
      int used = e.getValue();
      ByteString pt = utf8("plaintext for " + asked);
      EncryptResponse enc =
          root.encrypt(
              ENCLAVE,
              EncryptRequest.newBuilder()
                  .setName("ver")
                  .setVersion(asked)
                  .setPlaintext(pt)
                  .build());
      assertEquals(
          "encrypt " + asked + " -> " + used, "encrypt " + asked + " -> " + enc.getVersion());
      GenerateKeyResponse dk =
          root.generateKey(
              ENCLAVE, GenerateKeyRequest.newBuilder().setName("ver").setVersion(asked).build());
      assertEquals(
          "generate " + asked + " -> " + used, "generate " + asked + " -> " + dk.getVersion());
      for (int decryptWith : new int[] {used, 0}) {
        assertEquals(
            pt,
            ByteString.copyFrom(
                decrypt("ver", decryptWith, enc.getCiphertext(), ByteString.EMPTY)));
        assertEquals(
            dk.getPlaintext(),
            ByteString.copyFrom(decrypt("ver", decryptWith, dk.getCiphertext(), ByteString.EMPTY)));
      }
      int other = used == 1 ? 2 : 1;
      assertKmsError(
          400,
          INVALID_CIPHERTEXT,
          () -> decrypt("ver", other, enc.getCiphertext(), ByteString.EMPTY));
    }
    assertKmsError(
        404,
        "key does not exist",
        () ->
            root.encrypt(
                ENCLAVE,
                EncryptRequest.newBuilder()
                    .setName("ver")
                    .setVersion(99)
                    .setPlaintext(utf8("x"))
                    .build()));
    assertKmsError(
        404,
        "key does not exist",
        () ->
            root.generateKey(
                ENCLAVE, GenerateKeyRequest.newBuilder().setName("ver").setVersion(99).build()));
    assertKmsError(
        404,
        "key does not exist",
        () ->
            root.mac(
                ENCLAVE,
                MACRequest.newBuilder()
                    .setName("ver")
                    .setVersion(99)
                    .setMessage(utf8("x"))
                    .build()));
    assertKmsError(
        404,
        "key does not exist",
        () ->
            root.keyStatus(
                ENCLAVE, KeyStatusRequest.newBuilder().setName("ver").setVersion(99).build()));
    assertKmsError(
        404,
        "key does not exist",
        () -> decrypt("ver", 99, ByteString.copyFrom(new byte[60]), ByteString.EMPTY));
    assertEquals(
        3,
        root.keyStatus(ENCLAVE, KeyStatusRequest.newBuilder().setName("ver").build()).getVersion());
  }

  @Test
  void aKeyWithOneThousandVersionsEncryptsAndDecryptsWithEachVersionAsked() throws Exception {
    create("many");
    ExecutorService pool = Executors.newFixedThreadPool(4);
    try {
      List<Future<?>> adds = new ArrayList<>();
      for (int i = 2; i <= 1000; i++) {
        adds.add(pool.submit(() -> addVersion("many")));
      }
      for (Future<?> f : adds) {
        f.get(120, TimeUnit.SECONDS);
      }
    } finally {
      pool.shutdownNow();
    }
    assertEquals(
        1000,
        root.keyStatus(ENCLAVE, KeyStatusRequest.newBuilder().setName("many").build())
            .getVersion());
    assertKmsError(
        404,
        "key does not exist",
        () ->
            root.keyStatus(
                ENCLAVE, KeyStatusRequest.newBuilder().setName("many").setVersion(1001).build()));
    for (int[] asked : new int[][] {{1, 1}, {500, 500}, {1000, 1000}, {0, 1000}}) {
      ByteString pt = utf8("version " + asked[0]);
      EncryptResponse enc =
          root.encrypt(
              ENCLAVE,
              EncryptRequest.newBuilder()
                  .setName("many")
                  .setVersion(asked[0])
                  .setPlaintext(pt)
                  .setAssociatedData(utf8("ad"))
                  .build());
      assertEquals(asked[1], enc.getVersion());
      assertEquals(
          pt, ByteString.copyFrom(decrypt("many", asked[1], enc.getCiphertext(), utf8("ad"))));
      assertEquals(pt, ByteString.copyFrom(decrypt("many", 0, enc.getCiphertext(), utf8("ad"))));
      assertEquals(
          asked[1],
          root.keyStatus(
                  ENCLAVE,
                  KeyStatusRequest.newBuilder().setName("many").setVersion(asked[1]).build())
              .getVersion());
    }
  }

  @Test
  void deletedVersionsAreGoneAndTheirNumbersNeverReused() {
    create("rot");
    addVersion("rot");
    addVersion("rot");
    EncryptResponse v3 =
        root.encrypt(
            ENCLAVE,
            EncryptRequest.newBuilder()
                .setName("rot")
                .setVersion(3)
                .setPlaintext(utf8("three"))
                .build());
    root.deleteKey(ENCLAVE, DeleteKeyRequest.newBuilder().setName("rot").build()); // latest: 3
    assertKmsError(
        404, "key does not exist", () -> decrypt("rot", 3, v3.getCiphertext(), ByteString.EMPTY));
    assertKmsError(
        400, INVALID_CIPHERTEXT, () -> decrypt("rot", 0, v3.getCiphertext(), ByteString.EMPTY));
    assertEquals(
        2,
        root.keyStatus(ENCLAVE, KeyStatusRequest.newBuilder().setName("rot").build()).getVersion());
    addVersion("rot");
    assertEquals(
        4,
        root.keyStatus(ENCLAVE, KeyStatusRequest.newBuilder().setName("rot").build()).getVersion());
    root.deleteKey(ENCLAVE, DeleteKeyRequest.newBuilder().setName("rot").setVersion(1).build());
    assertKmsError(
        404,
        "key does not exist",
        () ->
            root.encrypt(
                ENCLAVE, EncryptRequest.newBuilder().setName("rot").setVersion(1).build()));
    assertKmsError(
        404,
        "key does not exist",
        () ->
            root.deleteKey(
                ENCLAVE, DeleteKeyRequest.newBuilder().setName("rot").setVersion(1).build()));
    assertEquals(
        2,
        root.encrypt(ENCLAVE, EncryptRequest.newBuilder().setName("rot").setVersion(2).build())
            .getVersion());
    root.deleteKey(ENCLAVE, DeleteKeyRequest.newBuilder().setName("rot").setVersion(2).build());
    root.deleteKey(ENCLAVE, DeleteKeyRequest.newBuilder().setName("rot").setVersion(4).build());
    assertKmsError(
        404,
        "key does not exist",
        () -> root.keyStatus(ENCLAVE, KeyStatusRequest.newBuilder().setName("rot").build()));
  }

  @Test
  void chaCha20KeysWorkAndRotationKeepsOrChangesTheType() {
    root.createKey(
        ENCLAVE, CreateKeyRequest.newBuilder().setName("chacha").setType("ChaCha20").build());
    assertEquals(
        "ChaCha20",
        root.keyStatus(ENCLAVE, KeyStatusRequest.newBuilder().setName("chacha").build()).getType());
    EncryptResponse c1 =
        root.encrypt(
            ENCLAVE,
            EncryptRequest.newBuilder()
                .setName("chacha")
                .setPlaintext(utf8("xchacha"))
                .setAssociatedData(utf8("ad"))
                .build());
    assertEquals(7 + 44, c1.getCiphertext().size());
    addVersion("chacha");
    assertEquals(
        "ChaCha20",
        root.keyStatus(ENCLAVE, KeyStatusRequest.newBuilder().setName("chacha").build()).getType());
    root.createKey(
        ENCLAVE,
        CreateKeyRequest.newBuilder()
            .setName("chacha")
            .setType("AES256")
            .setAddVersion(true)
            .build());
    assertEquals(
        "3 AES256",
        root.keyStatus(ENCLAVE, KeyStatusRequest.newBuilder().setName("chacha").build())
                .getVersion()
            + " "
            + root.keyStatus(ENCLAVE, KeyStatusRequest.newBuilder().setName("chacha").build())
                .getType());
    for (int version : new int[] {1, 0}) {
      assertEquals(
          "xchacha",
          new String(
              decrypt("chacha", version, c1.getCiphertext(), utf8("ad")), StandardCharsets.UTF_8));
    }
    assertKmsError(
        400, INVALID_CIPHERTEXT, () -> decrypt("chacha", 1, c1.getCiphertext(), ByteString.EMPTY));
  }

  @Test
  void keysOfADeletedEnclaveAreGoneWhenTheEnclaveIsRecreated() {
    root.createEnclave(CreateEnclaveRequest.newBuilder().setName("gone").build());
    root.createKey("gone", CreateKeyRequest.newBuilder().setName("k").build());
    GenerateKeyResponse dk =
        root.generateKey("gone", GenerateKeyRequest.newBuilder().setName("k").build());
    root.deleteEnclave(
        io.openkms.http.proto.DeleteEnclaveRequest.newBuilder().setName("gone").build());
    assertKmsError(
        404,
        "enclave does not exist",
        () -> root.keyStatus("gone", KeyStatusRequest.newBuilder().setName("k").build()));
    root.createEnclave(CreateEnclaveRequest.newBuilder().setName("gone").build());
    assertKmsError(
        404,
        "key does not exist",
        () -> root.keyStatus("gone", KeyStatusRequest.newBuilder().setName("k").build()));
    root.createKey("gone", CreateKeyRequest.newBuilder().setName("k").build());
    assertKmsError(
        400,
        INVALID_CIPHERTEXT,
        () ->
            root.decrypt(
                "gone",
                DecryptRequest.newBuilder()
                    .setName("k")
                    .setVersion(1)
                    .setCiphertext(dk.getCiphertext())
                    .build()));
  }

  @Test
  void dataKeyLengthsAreHonoured() {
    create("lengths");
    for (int[] c : new int[][] {{0, 32}, {1, 1}, {16, 16}, {64, 64}, {1024, 1024}}) {
      GenerateKeyResponse dk =
          root.generateKey(
              ENCLAVE, GenerateKeyRequest.newBuilder().setName("lengths").setLength(c[0]).build());
      assertEquals(
          c[0] + " -> " + c[1] + " / " + (c[1] + 44),
          c[0] + " -> " + dk.getPlaintext().size() + " / " + dk.getCiphertext().size());
      assertEquals(
          dk.getPlaintext(),
          ByteString.copyFrom(decrypt("lengths", 1, dk.getCiphertext(), ByteString.EMPTY)));
    }
  }

  // ---- MAC -----------------------------------------------------------------------------------

  @Test
  void macIsStablePerVersionAndDiffersAcrossVersions() {
    create("mac");
    addVersion("mac");
    MACRequest.Builder req = MACRequest.newBuilder().setName("mac").setMessage(utf8("message"));
    MACResponse v1 = root.mac(ENCLAVE, req.setVersion(1).build());
    MACResponse v1again = root.mac(ENCLAVE, req.setVersion(1).build());
    MACResponse v2 = root.mac(ENCLAVE, req.setVersion(2).build());
    MACResponse latest = root.mac(ENCLAVE, req.setVersion(0).build());
    assertEquals(
        "1 32 1 2 2",
        v1.getVersion()
            + " "
            + v1.getMAC().size()
            + " "
            + v1again.getVersion()
            + " "
            + v2.getVersion()
            + " "
            + latest.getVersion());
    assertEquals(hex(v1.getMAC().toByteArray()), hex(v1again.getMAC().toByteArray()));
    assertNotEquals(hex(v1.getMAC().toByteArray()), hex(v2.getMAC().toByteArray()));
    assertEquals(hex(v2.getMAC().toByteArray()), hex(latest.getMAC().toByteArray()));
    assertNotEquals(
        hex(v1.getMAC().toByteArray()),
        hex(
            root.mac(ENCLAVE, req.setVersion(1).setMessage(utf8("message!")).build())
                .getMAC()
                .toByteArray()));
  }

  // ---- import and the KES layout -------------------------------------------------------------

  /** KES layout (docs/PROTOCOL.md §8): AES-256-GCM under HMAC-SHA256(key, iv); ct‖tag‖iv‖nonce. */
  private static byte[] kesSeal(byte[] key, byte[] plaintext, byte[] ad) throws Exception {
    byte[] iv = new byte[16];
    byte[] nonce = new byte[12];
    RANDOM.nextBytes(iv);
    RANDOM.nextBytes(nonce);
    Cipher gcm = Cipher.getInstance("AES/GCM/NoPadding");
    gcm.init(
        Cipher.ENCRYPT_MODE,
        new SecretKeySpec(hmac(key, iv), "AES"),
        new GCMParameterSpec(128, nonce));
    gcm.updateAAD(ad);
    byte[] sealed = gcm.doFinal(plaintext);
    byte[] out = Arrays.copyOf(sealed, sealed.length + 28);
    System.arraycopy(iv, 0, out, sealed.length, 16);
    System.arraycopy(nonce, 0, out, sealed.length + 16, 12);
    return out;
  }

  private static byte[] kesOpen(byte[] key, byte[] ciphertext, byte[] ad) throws Exception {
    int sealedLength = ciphertext.length - 28;
    byte[] iv = Arrays.copyOfRange(ciphertext, sealedLength, sealedLength + 16);
    byte[] nonce = Arrays.copyOfRange(ciphertext, sealedLength + 16, ciphertext.length);
    Cipher gcm = Cipher.getInstance("AES/GCM/NoPadding");
    gcm.init(
        Cipher.DECRYPT_MODE,
        new SecretKeySpec(hmac(key, iv), "AES"),
        new GCMParameterSpec(128, nonce));
    gcm.updateAAD(ad);
    return gcm.doFinal(ciphertext, 0, sealedLength);
  }

  private static byte[] hmac(byte[] key, byte[] message) throws Exception {
    Mac mac = Mac.getInstance("HmacSHA256");
    mac.init(new SecretKeySpec(key, "HmacSHA256"));
    return mac.doFinal(message);
  }

  @Test
  void anImportedKeyInteroperatesWithTheKesLayoutBothWays() throws Exception {
    byte[] key = new byte[32];
    RANDOM.nextBytes(key);
    root.importKey(
        ENCLAVE,
        ImportKeyRequest.newBuilder()
            .setName("imported")
            .setType("AES256")
            .setKey(ByteString.copyFrom(key))
            .build());
    byte[] ad = "bucket/object".getBytes(StandardCharsets.UTF_8);

    EncryptResponse enc =
        root.encrypt(
            ENCLAVE,
            EncryptRequest.newBuilder()
                .setName("imported")
                .setPlaintext(utf8("from the server"))
                .setAssociatedData(ByteString.copyFrom(ad))
                .build());
    assertEquals(1, enc.getVersion());
    assertEquals(
        "from the server",
        new String(kesOpen(key, enc.getCiphertext().toByteArray(), ad), StandardCharsets.UTF_8));

    GenerateKeyResponse dk =
        root.generateKey(
            ENCLAVE,
            GenerateKeyRequest.newBuilder()
                .setName("imported")
                .setAssociatedData(ByteString.copyFrom(ad))
                .build());
    assertArrayEquals(
        dk.getPlaintext().toByteArray(), kesOpen(key, dk.getCiphertext().toByteArray(), ad));

    byte[] mine = kesSeal(key, "from the test".getBytes(StandardCharsets.UTF_8), ad);
    for (int version : new int[] {1, 0}) {
      assertEquals(
          "from the test",
          new String(
              decrypt("imported", version, ByteString.copyFrom(mine), ByteString.copyFrom(ad)),
              StandardCharsets.UTF_8));
    }
    assertKmsError(
        400,
        INVALID_CIPHERTEXT,
        () -> decrypt("imported", 1, ByteString.copyFrom(mine), ByteString.EMPTY));

    // MAC: HMAC-SHA256 under HKDF-SHA256(key, salt empty, info "minkms/v1/mac-key") (CONTRACTS).
    HKDFBytesGenerator hkdf = new HKDFBytesGenerator(new SHA256Digest());
    hkdf.init(new HKDFParameters(key, null, "minkms/v1/mac-key".getBytes(StandardCharsets.UTF_8)));
    byte[] macKey = new byte[32];
    hkdf.generateBytes(macKey, 0, 32);
    assertEquals(
        hex(hmac(macKey, "m".getBytes(StandardCharsets.UTF_8))),
        hex(
            root.mac(
                    ENCLAVE,
                    MACRequest.newBuilder().setName("imported").setMessage(utf8("m")).build())
                .getMAC()
                .toByteArray()));
  }

  @Test
  void importRejectsWrongLengthsAndExistingNames() {
    assertKmsError(
        400,
        "kms: invalid key length 31: imported keys must be 32 bytes",
        () ->
            root.importKey(
                ENCLAVE,
                ImportKeyRequest.newBuilder()
                    .setName("short")
                    .setKey(ByteString.copyFrom(new byte[31]))
                    .build()));
    assertKmsError(
        400,
        "kms: invalid key length 0: imported keys must be 32 bytes",
        () -> root.importKey(ENCLAVE, ImportKeyRequest.newBuilder().setName("empty").build()));
    root.importKey(
        ENCLAVE,
        ImportKeyRequest.newBuilder()
            .setName("twice")
            .setKey(ByteString.copyFrom(new byte[32]))
            .build());
    assertKmsError(
        409,
        "key already exists",
        () ->
            root.importKey(
                ENCLAVE,
                ImportKeyRequest.newBuilder()
                    .setName("twice")
                    .setKey(ByteString.copyFrom(new byte[32]))
                    .build()));
  }
}
