package io.openkms.kms.crypto;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonValue;
import java.util.Objects;

/**
 * The type of a key version and the AEAD it uses (docs/PROTOCOL.md §8, docs/REFERENCE.md §6). Both
 * use 32-byte keys. The wire names ({@code AES256}, {@code ChaCha20}) appear in {@code
 * CreateKeyRequest.Type} and {@code KeyStatusResponse.Type}.
 */
public enum KeyType {
  /** AES-256-GCM under HMAC-SHA256(key, iv). */
  AES256("AES256"),
  /** ChaCha20-Poly1305 under HChaCha20(key, iv). */
  CHACHA20("ChaCha20");

  private final String wireName;

  KeyType(String wireName) {
    this.wireName = wireName;
  }

  /** The exact wire name: {@code AES256} or {@code ChaCha20}. */
  @JsonValue
  public String wireName() {
    return wireName;
  }

  /**
   * Parses an exact, case-sensitive wire name. The empty string is not accepted here: the domain
   * layer maps {@code ""} to the default, {@link #AES256}.
   *
   * @throws IllegalArgumentException {@code kms: key type '<s>' is not supported}
   */
  @JsonCreator(mode = JsonCreator.Mode.DELEGATING)
  public static KeyType parse(String s) {
    Objects.requireNonNull(s, "key type");
    for (KeyType t : values()) {
      if (t.wireName.equals(s)) {
        return t;
      }
    }
    throw new IllegalArgumentException("kms: key type '" + s + "' is not supported");
  }

  @Override
  public String toString() {
    return wireName;
  }
}
