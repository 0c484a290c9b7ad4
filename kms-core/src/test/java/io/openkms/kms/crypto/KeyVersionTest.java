package io.openkms.kms.crypto;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Arrays;
import java.util.Base64;
import java.util.HexFormat;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/** {@link KeyVersion}: the KES/MinIO ciphertext layout of docs/PROTOCOL.md §8, MAC, validation. */
class KeyVersionTest {
  private static final HexFormat HEX = HexFormat.of();
  private static final Instant T0 = Instant.parse("2025-01-01T00:00:00Z");
  private static final byte[] KEY =
      HEX.parseHex("000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f");
  private static final byte[] IV = HEX.parseHex("a0a1a2a3a4a5a6a7a8a9aaabacadaeaf");
  private static final byte[] NONCE = HEX.parseHex("b0b1b2b3b4b5b6b7b8b9babb");
  private static final byte[] PLAINTEXT = "hello, minkms".getBytes(StandardCharsets.UTF_8);
  private static final byte[] AD = "{\"bucket\":\"b\"}".getBytes(StandardCharsets.UTF_8);

  private static KeyVersion version(KeyType type, byte[] key) {
    return new KeyVersion(1, type, key, T0, Identity.ZERO);
  }

  private static byte[] b64(String s) {
    return Base64.getDecoder().decode(s);
  }

  // ---- layout, checked against an independent JCE computation ----

  @Test
  void aes256LayoutMatchesIndependentJceComputation() throws Exception {
    byte[] ours = version(KeyType.AES256, KEY).encrypt(PLAINTEXT, AD, IV, NONCE);
    byte[] expected = JceReference.kesAes256(KEY, IV, NONCE, PLAINTEXT, AD);
    assertArrayEquals(expected, ours);
    assertEquals(PLAINTEXT.length + 44, ours.length);
    assertArrayEquals(IV, Arrays.copyOfRange(ours, ours.length - 28, ours.length - 12));
    assertArrayEquals(NONCE, Arrays.copyOfRange(ours, ours.length - 12, ours.length));
    assertEquals(
        "dc7d5169f998213dc4b5f78b1f1e57f8d2aa3db867d6989a0a1fc30d97"
            + "a0a1a2a3a4a5a6a7a8a9aaabacadaeafb0b1b2b3b4b5b6b7b8b9babb",
        HEX.formatHex(ours));
  }

  @Test
  void chaCha20LayoutMatchesIndependentJceComputation() throws Exception {
    byte[] ours = version(KeyType.CHACHA20, KEY).encrypt(PLAINTEXT, AD, IV, NONCE);
    byte[] expected = JceReference.kesChaCha20(KEY, IV, NONCE, PLAINTEXT, AD);
    assertArrayEquals(expected, ours);
    assertEquals(PLAINTEXT.length + 44, ours.length);
    assertEquals(
        "a30ff8b305f7dfe3afadf05264bc53ca9dbb472408aca00a64b2688d76"
            + "a0a1a2a3a4a5a6a7a8a9aaabacadaeafb0b1b2b3b4b5b6b7b8b9babb",
        HEX.formatHex(ours));
  }

  // ---- ciphertexts produced by KES and MinIO themselves ----

  /** minio/kes internal/crypto/key_test.go, secretKeyDecryptTests 5 (binary layout, no AD). */
  @Test
  void decryptsKesAes256Vector() throws DecryptException {
    KeyVersion v = version(KeyType.AES256, new byte[32]);
    byte[] ct =
        b64("zwdDgHeRlIFRnJ7+DIhs/ka7GFK2CFSfDELqg1VCyTQzZ58o7MAdupMLk3ZjlMo2ZUDwldL2o41nAWDc");
    assertArrayEquals(new byte[16], v.decrypt(ct, new byte[0]));
    assertArrayEquals(new byte[16], v.decrypt(ct, null));
  }

  /** minio/kes internal/crypto/key_test.go, secretKeyDecryptTests 6 (AES256 with AD). */
  @Test
  void decryptsKesAes256VectorWithAssociatedData() throws DecryptException {
    KeyVersion v = version(KeyType.AES256, b64("dDHbTWgo+Yh3u804SYB5OyVMy6RiLeJYBQth1f6KlEU="));
    byte[] ct =
        b64(
            "s2gmfQHeGdlyL8x1yEWSACUV3GrSoz3t160hugMgzKWgyqesXDVUJ5Dw5Mt076rR1PNiU9X4YjLH14D8a81t2r2xsz4gVZac");
    assertArrayEquals(b64("CLcJoykFCWZDkEIiUq9bJRqwCwW9ZDvdgu8EMA=="), v.decrypt(ct, new byte[16]));
    assertThrows(DecryptException.class, () -> v.decrypt(ct, new byte[0]));
  }

  /** minio/kes internal/crypto/key_test.go, secretKeyDecryptTests 7 (ChaCha20 with AD). */
  @Test
  void decryptsKesChaCha20VectorWithAssociatedData() throws DecryptException {
    KeyVersion v = version(KeyType.CHACHA20, b64("dDHbTWgo+Yh3u804SYB5OyVMy6RiLeJYBQth1f6KlEU="));
    byte[] ct =
        b64(
            "gO4woRIswAJdjUjW7z2ApsSQxJlwB24yjLrmH4eI7sB0uh5nfEJfk9ybTPFft5FRFaZCVBmzhx7OJs9n0WWtxH3sySIxecIK");
    assertArrayEquals(b64("CLcJoykFCWZDkEIiUq9bJRqwCwW9ZDvdgu8EMA=="), v.decrypt(ct, new byte[16]));
    assertThrows(DecryptException.class, () -> v.decrypt(ct, new byte[0]));
  }

  /**
   * minio/kes key_test.go vectors 0–2: older JSON ciphertexts that KES converts to bytes ‖ iv ‖
   * nonce before decrypting, i.e. the same layout.
   */
  @Test
  void decryptsKesJsonEraVectorsInBinaryLayout() throws DecryptException {
    byte[] zero = new byte[32];
    assertArrayEquals(
        new byte[16],
        version(KeyType.AES256, zero)
            .decrypt(
                JceReference.concat(
                    b64("WVgRjeIJm3w50C/l+y7y2i6mbNg5NCAqN1zvOYWZKmc="),
                    b64("xLxIN3tSCkg2xMafuvwUwg=="),
                    b64("gu0mGwUkwcvMEoi5")),
                null));
    assertArrayEquals(
        new byte[16],
        version(KeyType.CHACHA20, zero)
            .decrypt(
                JceReference.concat(
                    b64("cw22HjLq/4cx8507SW4hhSrYbDiMuRao4b5+GE+XfbE="),
                    b64("s3fSZ6vk5m+DfQA8yZWeUg=="),
                    b64("8/kHMnCMs3h9NZ2a")),
                null));
    assertArrayEquals(
        new byte[16],
        version(KeyType.CHACHA20, zero)
            .decrypt(
                JceReference.concat(
                    b64("wIGBTDs6aOvsqJfekZ0PYRT/OHyFX2TXqeNwl1SLXOI="),
                    b64("EC0eZp7Pqt+LnkOae5xaAg=="),
                    b64("X1ejXKmH/ugFZPkk")),
                null));
  }

  /**
   * minio/minio internal/kms/secret-key_test.go: data keys sealed by MinIO's built-in KMS under
   * {@code my-key:eEm+JI9/…}; the associated data is the canonical JSON encryption context ({@code
   * {}} when empty, minio internal/kms/context.go).
   */
  @Test
  void decryptsMinioBuiltinKmsVectors() throws DecryptException {
    KeyVersion v = version(KeyType.CHACHA20, b64("eEm+JI9/q4JhH8QwKvf3LKo4DEBl6QbfvAl1CAbMIv8="));
    byte[] ct1 =
        JceReference.concat(
            b64("KCbEc2sA0TLvA7aWTWa23AdccVfJMpOxwgG8hm+4PaNrxYfy1xFWZg2gEenVrOgv"),
            b64("JbI+vwvYww1lCb5VpkAFuQ=="),
            b64("ARjIjJxBSD541Gz8"));
    assertArrayEquals(
        b64("zmS7NrG765UZ0ZN85oPjybelxqVvpz01vxsSpOISy2M="),
        v.decrypt(ct1, "{}".getBytes(StandardCharsets.UTF_8)));
    byte[] ct2 =
        JceReference.concat(
            b64("k/svMglOU7/Kgwv73heG38NWW575XLcFp3SaxQHDMjJGYyRI3Fiygu2OeutGPXNL"),
            b64("r4+yfiVbVIYR0Z2I9Fq+6g=="),
            b64("2YpwGwE59GcVraI3"));
    assertArrayEquals(
        b64("UnPWsZgVI+T4L9WGNzFlP1PsP1Z6hn2Fx8ISeZfDGnA="),
        v.decrypt(ct2, "{\"key\":\"value\"}".getBytes(StandardCharsets.UTF_8)));
  }

  // ---- decryption failures ----

  @ParameterizedTest
  @EnumSource(KeyType.class)
  void onlyTheExactCiphertextAndAssociatedDataDecrypt(KeyType type) throws DecryptException {
    KeyVersion v = version(type, KEY);
    byte[] ct = v.encrypt(PLAINTEXT, AD);
    assertArrayEquals(PLAINTEXT, v.decrypt(ct, AD));

    assertFails(v, ct, null);
    assertFails(v, ct, new byte[0]);
    assertFails(v, ct, "other".getBytes(StandardCharsets.UTF_8));
    for (int i = 0; i < ct.length; i++) {
      byte[] flipped = ct.clone();
      flipped[i] ^= 0x01;
      assertFails(v, flipped, AD);
    }
    assertFails(v, Arrays.copyOf(ct, ct.length - 1), AD);
    assertFails(v, Arrays.copyOfRange(ct, 1, ct.length), AD);
    assertFails(v, JceReference.concat(ct, new byte[1]), AD);
    assertFails(v, new byte[43], AD);
    assertFails(v, new byte[0], AD);
    assertFails(v, null, AD);
    assertFails(version(type, new byte[32]), ct, AD);
    KeyType other = type == KeyType.AES256 ? KeyType.CHACHA20 : KeyType.AES256;
    assertFails(version(other, KEY), ct, AD);
  }

  @ParameterizedTest
  @EnumSource(KeyType.class)
  void emptyPlaintextAndNullAssociatedData(KeyType type) throws DecryptException {
    KeyVersion v = version(type, KEY);
    byte[] ct = v.encrypt(new byte[0], null);
    assertEquals(44, ct.length);
    assertArrayEquals(new byte[0], v.decrypt(ct, new byte[0]));
  }

  @Test
  void everyEncryptionUsesAFreshIvAndNonce() {
    KeyVersion v = version(KeyType.AES256, KEY);
    byte[] a = v.encrypt(PLAINTEXT, AD);
    byte[] b = v.encrypt(PLAINTEXT, AD);
    assertFalse(
        Arrays.equals(
            Arrays.copyOfRange(a, a.length - 28, a.length),
            Arrays.copyOfRange(b, b.length - 28, b.length)));
  }

  @Test
  void decryptExceptionSaysNothingMore() {
    DecryptException e =
        assertThrows(
            DecryptException.class, () -> version(KeyType.AES256, KEY).decrypt(new byte[60], AD));
    assertEquals("invalid ciphertext", e.getMessage());
    assertEquals(0, e.getStackTrace().length);
    assertEquals(null, e.getCause());
  }

  private static void assertFails(KeyVersion v, byte[] ct, byte[] ad) {
    DecryptException e = assertThrows(DecryptException.class, () -> v.decrypt(ct, ad));
    assertEquals("invalid ciphertext", e.getMessage());
  }

  // ---- MAC ----

  @Test
  void macUsesAnHkdfSubkeyNotTheVersionKey() throws Exception {
    byte[] message = "minkms".getBytes(StandardCharsets.UTF_8);
    byte[] mac = version(KeyType.AES256, KEY).mac(message);
    byte[] subkey =
        JceReference.hkdfSha256(KEY, "minkms/v1/mac-key".getBytes(StandardCharsets.UTF_8));
    assertArrayEquals(JceReference.hmacSha256(subkey, message), mac);
    assertFalse(Arrays.equals(JceReference.hmacSha256(KEY, message), mac));
    assertEquals(
        "92f63e9b9263f769765147679e49f2233c9610a9d16f364fc71def166e83b0a9", HEX.formatHex(mac));
    // The type does not change the MAC: it depends on the key bytes only.
    assertArrayEquals(mac, version(KeyType.CHACHA20, KEY).mac(message));
    // A MAC over an iv is not the AES sealing key for that iv.
    assertFalse(
        Arrays.equals(JceReference.hmacSha256(KEY, IV), version(KeyType.AES256, KEY).mac(IV)));
  }

  // ---- validation and value semantics ----

  @Test
  void validatesComponents() {
    assertEquals(
        "key must be 32 bytes, got 31",
        assertThrows(
                IllegalArgumentException.class,
                () -> new KeyVersion(1, KeyType.AES256, new byte[31], T0, Identity.ZERO))
            .getMessage());
    assertEquals(
        "key must be 32 bytes, got 33",
        assertThrows(
                IllegalArgumentException.class,
                () -> new KeyVersion(1, KeyType.AES256, new byte[33], T0, Identity.ZERO))
            .getMessage());
    assertEquals(
        "key version must be at least 1, got 0",
        assertThrows(
                IllegalArgumentException.class,
                () -> new KeyVersion(0, KeyType.AES256, new byte[32], T0, Identity.ZERO))
            .getMessage());
    assertThrows(
        NullPointerException.class, () -> new KeyVersion(1, null, new byte[32], T0, Identity.ZERO));
    assertThrows(
        NullPointerException.class,
        () -> new KeyVersion(1, KeyType.AES256, new byte[32], null, Identity.ZERO));
    assertThrows(
        NullPointerException.class,
        () -> new KeyVersion(1, KeyType.AES256, new byte[32], T0, null));
  }

  @Test
  void copiesKeyBytesAndHidesThemInToString() {
    byte[] key = KEY.clone();
    KeyVersion v = version(KeyType.AES256, key);
    key[0] = 42;
    assertArrayEquals(KEY, v.key());
    v.key()[1] = 42;
    assertArrayEquals(KEY, v.key());
    assertEquals(v, version(KeyType.AES256, KEY.clone()));
    assertEquals(v.hashCode(), version(KeyType.AES256, KEY.clone()).hashCode());
    assertNotEquals(v, version(KeyType.AES256, new byte[32]));
    assertEquals(
        "KeyVersion[version=1, type=AES256, key=<redacted>, createdAt=2025-01-01T00:00:00Z, createdBy=]",
        v.toString());
    assertTrue(!v.toString().contains(HEX.formatHex(KEY)));
  }

  @Test
  void generateUsesTheRandomSource() {
    RandomSource ones = bytes -> Arrays.fill(bytes, (byte) 1);
    KeyVersion v = KeyVersion.generate(3, KeyType.CHACHA20, T0, Identity.ZERO, ones);
    byte[] expected = new byte[32];
    Arrays.fill(expected, (byte) 1);
    assertArrayEquals(expected, v.key());
    assertEquals(3, v.version());
    assertEquals(KeyType.CHACHA20, v.type());
  }

  @Test
  void keyTypeWireNames() {
    assertEquals(KeyType.AES256, KeyType.parse("AES256"));
    assertEquals(KeyType.CHACHA20, KeyType.parse("ChaCha20"));
    assertEquals("ChaCha20", KeyType.CHACHA20.wireName());
    assertEquals(
        "kms: key type 'aes256' is not supported",
        assertThrows(IllegalArgumentException.class, () -> KeyType.parse("aes256")).getMessage());
    assertEquals(
        "kms: key type 'CHACHA20' is not supported",
        assertThrows(IllegalArgumentException.class, () -> KeyType.parse("CHACHA20")).getMessage());
    assertEquals(
        "kms: key type '' is not supported",
        assertThrows(IllegalArgumentException.class, () -> KeyType.parse("")).getMessage());
  }
}
