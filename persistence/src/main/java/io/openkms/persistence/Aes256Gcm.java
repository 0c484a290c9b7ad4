package io.openkms.persistence;

import java.security.GeneralSecurityException;
import java.security.SecureRandom;
import javax.crypto.AEADBadTagException;
import javax.crypto.Cipher;
import javax.crypto.SecretKey;
import javax.crypto.spec.GCMParameterSpec;
import javax.crypto.spec.SecretKeySpec;

/**
 * AES-256-GCM from the JDK (NIST SP 800-38D) with a fresh random 96-bit nonce per call. Layout of a
 * sealed value: {@code nonce(12) ‖ ciphertext ‖ tag(16)}, so it is 28 bytes longer than the
 * plaintext. One {@link Cipher} and one {@link SecureRandom} per thread: no locks, no shared
 * mutable state.
 */
final class Aes256Gcm {
  /** Key length, bytes. */
  static final int KEY_BYTES = 32;

  /** Nonce length, bytes. */
  static final int NONCE_BYTES = 12;

  /** Authentication tag length, bytes. */
  static final int TAG_BYTES = 16;

  /** Bytes a sealed value adds to its plaintext. */
  static final int OVERHEAD_BYTES = NONCE_BYTES + TAG_BYTES;

  private static final String TRANSFORMATION = "AES/GCM/NoPadding";
  private static final ThreadLocal<SecureRandom> RANDOM =
      ThreadLocal.withInitial(SecureRandom::new);
  private static final ThreadLocal<Cipher> CIPHER =
      ThreadLocal.withInitial(
          () -> {
            try {
              return Cipher.getInstance(TRANSFORMATION);
            } catch (GeneralSecurityException e) {
              throw new IllegalStateException("JDK lacks " + TRANSFORMATION, e);
            }
          });

  private final SecretKey key;

  /**
   * @param key 32 bytes (copied)
   * @throws IllegalArgumentException if {@code key} is not 32 bytes long
   */
  Aes256Gcm(byte[] key) {
    if (key == null || key.length != KEY_BYTES) {
      throw new IllegalArgumentException(
          "AES-256 key must be 32 bytes, got " + (key == null ? "none" : key.length));
    }
    this.key = new SecretKeySpec(key, "AES");
  }

  /** The calling thread's {@link SecureRandom}. */
  static SecureRandom random() {
    return RANDOM.get();
  }

  /**
   * Encrypts and authenticates.
   *
   * @param plaintext any length (may be empty)
   * @param associatedData authenticated, not encrypted (may be empty, not null)
   * @return {@code nonce(12) ‖ ciphertext ‖ tag(16)}
   */
  byte[] seal(byte[] plaintext, byte[] associatedData) {
    byte[] nonce = new byte[NONCE_BYTES];
    random().nextBytes(nonce);
    byte[] out = new byte[NONCE_BYTES + plaintext.length + TAG_BYTES];
    System.arraycopy(nonce, 0, out, 0, NONCE_BYTES);
    try {
      Cipher cipher = CIPHER.get();
      cipher.init(Cipher.ENCRYPT_MODE, key, new GCMParameterSpec(TAG_BYTES * 8, nonce));
      cipher.updateAAD(associatedData);
      cipher.doFinal(plaintext, 0, plaintext.length, out, NONCE_BYTES);
      return out;
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("AES-256-GCM seal failed", e);
    }
  }

  /**
   * Verifies and decrypts a value made by {@link #seal}.
   *
   * @throws UnsealException wrong key, wrong associated data, tampered or too short input
   */
  byte[] unseal(byte[] sealed, byte[] associatedData) throws UnsealException {
    if (sealed == null || sealed.length < OVERHEAD_BYTES) {
      throw new UnsealException();
    }
    try {
      Cipher cipher = CIPHER.get();
      cipher.init(
          Cipher.DECRYPT_MODE, key, new GCMParameterSpec(TAG_BYTES * 8, sealed, 0, NONCE_BYTES));
      cipher.updateAAD(associatedData);
      return cipher.doFinal(sealed, NONCE_BYTES, sealed.length - NONCE_BYTES);
    } catch (AEADBadTagException e) {
      throw new UnsealException();
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("AES-256-GCM unseal failed", e);
    }
  }
}
