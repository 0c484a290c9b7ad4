package io.openkms.kms.crypto;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.time.Instant;
import java.util.Arrays;
import java.util.Objects;
import org.bouncycastle.crypto.digests.SHA256Digest;
import org.bouncycastle.crypto.generators.HKDFBytesGenerator;
import org.bouncycastle.crypto.params.HKDFParameters;

/**
 * One version of a key: its number (from 1), type, 32 bytes of key material and who made it when.
 *
 * <p>{@link #encrypt} / {@link #decrypt} use the KES/MinIO layout of docs/PROTOCOL.md §8 (see
 * {@link KesAead}): {@code AEAD.Seal(plaintext) ‖ iv[16] ‖ nonce[12]}, 44 bytes of overhead. {@link
 * #mac} is HMAC-SHA256 under a MAC subkey derived with HKDF-SHA256 (salt empty, info {@value
 * #MAC_KEY_INFO}); the version key itself is never used as an HMAC key for messages, because
 * HMAC(versionKey, iv) is the AES sealing key.
 *
 * <p>The key bytes are copied on the way in and out; {@link #toString()} does not show them.
 * Jackson (de)serialises the five components (the key as binary).
 *
 * @param version the version number, at least 1
 * @param type the AEAD type
 * @param key exactly 32 bytes of key material
 * @param createdAt creation time
 * @param createdBy the identity that created it ({@link Identity#ZERO} if none)
 */
public record KeyVersion(
    int version, KeyType type, byte[] key, Instant createdAt, Identity createdBy) {
  /** Length of the key material in bytes. */
  public static final int KEY_BYTES = 32;

  /** Bytes that {@link #encrypt} adds to a plaintext. */
  public static final int OVERHEAD_BYTES = KesAead.OVERHEAD_BYTES;

  /** HKDF info of the MAC subkey. Never change it: MACs would change. */
  public static final String MAC_KEY_INFO = "minkms/v1/mac-key";

  private static final byte[] MAC_INFO_BYTES = MAC_KEY_INFO.getBytes(StandardCharsets.UTF_8);

  /**
   * Validates and copies the key.
   *
   * @throws IllegalArgumentException if {@code version < 1} or the key is not 32 bytes
   * @throws NullPointerException if any reference is null
   */
  public KeyVersion {
    if (version < 1) {
      throw new IllegalArgumentException("key version must be at least 1, got " + version);
    }
    Objects.requireNonNull(type, "type");
    Objects.requireNonNull(key, "key");
    Objects.requireNonNull(createdAt, "createdAt");
    Objects.requireNonNull(createdBy, "createdBy");
    if (key.length != KEY_BYTES) {
      throw new IllegalArgumentException("key must be 32 bytes, got " + key.length);
    }
    key = key.clone();
  }

  /** A fresh random version made from {@code random}. */
  public static KeyVersion generate(
      int version, KeyType type, Instant createdAt, Identity createdBy, RandomSource random) {
    byte[] key = random.bytes(KEY_BYTES);
    try {
      return new KeyVersion(version, type, key, createdAt, createdBy);
    } finally {
      Arrays.fill(key, (byte) 0);
    }
  }

  /** A copy of the 32 key bytes. */
  @Override
  public byte[] key() {
    return key.clone();
  }

  /**
   * Encrypts and authenticates {@code plaintext} and authenticates {@code associatedData} (null =
   * empty) with a fresh random iv and nonce.
   *
   * @return {@code plaintext.length + 44} bytes in the KES layout
   */
  public byte[] encrypt(byte[] plaintext, byte[] associatedData) {
    return KesAead.seal(type, key, plaintext, associatedData);
  }

  /** As {@link #encrypt} with a given iv (16 bytes) and nonce (12 bytes): for test vectors only. */
  byte[] encrypt(byte[] plaintext, byte[] associatedData, byte[] iv, byte[] nonce) {
    byte[] ivAndNonce = new byte[KesAead.RANDOM_BYTES];
    System.arraycopy(iv, 0, ivAndNonce, 0, KesAead.IV_BYTES);
    System.arraycopy(nonce, 0, ivAndNonce, KesAead.IV_BYTES, KesAead.NONCE_BYTES);
    return KesAead.seal(type, key, plaintext, associatedData, ivAndNonce, true);
  }

  /**
   * Decrypts a ciphertext made by {@link #encrypt} (or by KES / MinIO's built-in KMS with the same
   * key) with the same associated data (null = empty).
   *
   * @throws DecryptException on any failure: shorter than 44 bytes, wrong key, wrong associated
   *     data, tampered bytes
   */
  public byte[] decrypt(byte[] ciphertext, byte[] associatedData) throws DecryptException {
    return KesAead.open(type, key, ciphertext, associatedData);
  }

  /**
   * As {@link #decrypt} but {@code null} instead of a {@link DecryptException}: the trial
   * decryption of {@link KeyRing} with version 0, where most versions do not match.
   */
  byte[] decryptOrNull(byte[] ciphertext, byte[] associatedData) {
    return KesAead.tryOpen(type, key, ciphertext, associatedData);
  }

  /**
   * HMAC-SHA256 of {@code message} under the MAC subkey HKDF-SHA256(ikm = key, salt = empty, info =
   * {@value #MAC_KEY_INFO}, 32 bytes).
   *
   * @return 32 bytes
   */
  public byte[] mac(byte[] message) {
    Objects.requireNonNull(message, "message");
    byte[] macKey = macKey();
    try {
      return KesAead.hmacSha256(macKey, message, 0, message.length);
    } finally {
      Arrays.fill(macKey, (byte) 0);
    }
  }

  private byte[] macKey() {
    HKDFBytesGenerator hkdf = new HKDFBytesGenerator(new SHA256Digest());
    hkdf.init(new HKDFParameters(key, null, MAC_INFO_BYTES));
    byte[] out = new byte[32];
    hkdf.generateBytes(out, 0, out.length);
    return out;
  }

  /** Equal when all components are equal; key bytes are compared in constant time. */
  @Override
  public boolean equals(Object o) {
    if (!(o instanceof KeyVersion)) {
      return false;
    }
    KeyVersion v = (KeyVersion) o;
    return version == v.version
        && type == v.type
        && MessageDigest.isEqual(key, v.key)
        && createdAt.equals(v.createdAt)
        && createdBy.equals(v.createdBy);
  }

  /** Hash of everything but the key bytes (equal versions still hash equally). */
  @Override
  public int hashCode() {
    return Objects.hash(version, type, createdAt, createdBy);
  }

  /** Shows everything but the key bytes. */
  @Override
  public String toString() {
    return "KeyVersion[version="
        + version
        + ", type="
        + type
        + ", key=<redacted>, createdAt="
        + createdAt
        + ", createdBy="
        + createdBy
        + "]";
  }
}
