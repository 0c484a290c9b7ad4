package io.openkms.persistence;

import java.security.MessageDigest;
import java.util.Arrays;
import java.util.Base64;

/**
 * A software HSM key: 32 secret bytes, written {@code hsm:aes256:<standard base64 with padding>}
 * (docs/REFERENCE.md §5.1; 44 characters after the prefix). It is the last key of the chain: it
 * seals the node's root encryption key and seeds the root API key and the internode key
 * (docs/ARCHITECTURE.md §2). Immutable; {@link #toString()} gives the text form, which is the
 * secret itself, so never log it.
 */
public final class HsmKey {
  /** The text prefix of a software HSM key. */
  public static final String PREFIX = "hsm:aes256:";

  /** Key length, bytes. */
  public static final int KEY_BYTES = 32;

  /** Message when no key is given at all (docs/REFERENCE.md §9). */
  public static final String NO_HSM_MESSAGE = "kms: no HSM provided";

  private static final String INVALID = "invalid HSM key: ";

  private final byte[] key;

  private HsmKey(byte[] key) {
    this.key = key;
  }

  /**
   * Parses {@code hsm:aes256:<base64>}. Leading and trailing white space (a newline left by {@code
   * $(cat file)}) is ignored; nothing else is forgiven: the base64 must be the standard alphabet,
   * padded, canonical, and decode to exactly 32 bytes.
   *
   * @param text the key as given by the operator ({@code MINIO_KMS_HSM_KEY}, config or flag)
   * @return the key
   * @throws IllegalArgumentException {@code kms: no HSM provided} if {@code text} is null or blank;
   *     {@code invalid HSM key: <reason>} if it is malformed, with reason one of {@code missing
   *     prefix "hsm:aes256:"}, {@code not standard base64 with padding}, {@code want 32 bytes, got
   *     N}
   */
  public static HsmKey parse(String text) {
    if (text == null || text.isBlank()) {
      throw new IllegalArgumentException(NO_HSM_MESSAGE);
    }
    String s = text.strip();
    if (!s.startsWith(PREFIX)) {
      throw new IllegalArgumentException(INVALID + "missing prefix \"" + PREFIX + "\"");
    }
    String b64 = s.substring(PREFIX.length());
    byte[] bytes;
    try {
      bytes = Base64.getDecoder().decode(b64);
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException(INVALID + "not standard base64 with padding");
    }
    // The JDK decoder accepts missing padding and non-zero trailing bits; the canonical form
    // does not.
    if (!Base64.getEncoder().encodeToString(bytes).equals(b64)) {
      throw new IllegalArgumentException(INVALID + "not standard base64 with padding");
    }
    if (bytes.length != KEY_BYTES) {
      throw new IllegalArgumentException(
          INVALID + "want " + KEY_BYTES + " bytes, got " + bytes.length);
    }
    return new HsmKey(bytes);
  }

  /**
   * A new random key from a {@link java.security.SecureRandom} (what {@code minkms --soft-hsm}
   * prints).
   */
  public static HsmKey generate() {
    byte[] bytes = new byte[KEY_BYTES];
    Aes256Gcm.random().nextBytes(bytes);
    return new HsmKey(bytes);
  }

  /** A copy of the 32 key bytes, for {@link SoftHsm} only. */
  byte[] bytes() {
    return key.clone();
  }

  /** The text form {@code hsm:aes256:<base64>}; {@link #parse} of it gives an equal key. */
  @Override
  public String toString() {
    return PREFIX + Base64.getEncoder().encodeToString(key);
  }

  /** Equal when the key bytes are equal (compared in constant time). */
  @Override
  public boolean equals(Object o) {
    return o instanceof HsmKey other && MessageDigest.isEqual(key, other.key);
  }

  @Override
  public int hashCode() {
    return Arrays.hashCode(key);
  }
}
