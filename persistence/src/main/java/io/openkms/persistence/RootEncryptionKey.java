package io.openkms.persistence;

import java.util.Objects;

/**
 * The node's root encryption key (REK): 32 random bytes, sealed on disk by the {@link Hsm}, that
 * seal every journaled event and snapshot (docs/ARCHITECTURE.md §2). AES-256-GCM with a fresh
 * random 12-byte nonce per call; layout {@code nonce(12) ‖ ciphertext ‖ tag(16)}. Thread safe and
 * lock free (a {@link javax.crypto.Cipher} and a {@link java.security.SecureRandom} per thread).
 */
public final class RootEncryptionKey {
  /** Key length, bytes. */
  public static final int KEY_BYTES = 32;

  /** Bytes {@link #seal} adds to the plaintext: nonce (12) and tag (16). */
  public static final int OVERHEAD_BYTES = Aes256Gcm.OVERHEAD_BYTES;

  private final byte[] key;
  private final Aes256Gcm aead;

  private RootEncryptionKey(byte[] key) {
    this.key = key;
    this.aead = new Aes256Gcm(key);
  }

  /** A new random key (a node's first start). */
  public static RootEncryptionKey generate() {
    byte[] key = new byte[KEY_BYTES];
    Aes256Gcm.random().nextBytes(key);
    return new RootEncryptionKey(key);
  }

  /**
   * The key with the given bytes (after the HSM unsealed them; deterministic tests).
   *
   * @param key 32 bytes (copied)
   * @throws IllegalArgumentException {@code root encryption key must be 32 bytes, got N}
   */
  public static RootEncryptionKey fromBytes(byte[] key) {
    Objects.requireNonNull(key, "key");
    if (key.length != KEY_BYTES) {
      throw new IllegalArgumentException(
          "root encryption key must be " + KEY_BYTES + " bytes, got " + key.length);
    }
    return new RootEncryptionKey(key.clone());
  }

  /**
   * Encrypts and authenticates.
   *
   * @param plaintext any length
   * @param associatedData bound to the result, not stored in it (e.g. the serializer manifest)
   * @return {@code nonce(12) ‖ ciphertext ‖ tag(16)}, {@link #OVERHEAD_BYTES} longer than {@code
   *     plaintext}
   */
  public byte[] seal(byte[] plaintext, byte[] associatedData) {
    return aead.seal(
        Objects.requireNonNull(plaintext, "plaintext"),
        Objects.requireNonNull(associatedData, "associatedData"));
  }

  /**
   * Opens a value made by {@link #seal} with the same associated data.
   *
   * @throws UnsealException {@code invalid ciphertext}: another key, other associated data,
   *     tampered or truncated
   */
  public byte[] unseal(byte[] ciphertext, byte[] associatedData) throws UnsealException {
    return aead.unseal(ciphertext, Objects.requireNonNull(associatedData, "associatedData"));
  }

  /** A copy of the key bytes, for {@link NodeVolume} to seal with the HSM. */
  byte[] bytes() {
    return key.clone();
  }

  /** Never shows the key. */
  @Override
  public String toString() {
    return "RootEncryptionKey[redacted]";
  }
}
