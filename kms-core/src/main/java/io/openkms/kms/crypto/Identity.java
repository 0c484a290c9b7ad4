package io.openkms.kms.crypto;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonValue;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.PublicKey;
import java.util.Arrays;
import java.util.Objects;

/**
 * The identity of a public key: the 32-byte SHA-256 digest of its DER SubjectPublicKeyInfo, written
 * {@code h1:} + base64url without padding (46 characters; docs/PROTOCOL.md §2.1, §2.2).
 *
 * <p>The zero identity (all 32 bytes zero) is written as the empty string and parsing {@code ""}
 * gives it; it matches no public key and stands for "none" (e.g. no creator, no parent).
 *
 * <p>Immutable and thread-safe. Ordered by its text form, so sorted maps keyed by identities list
 * in the same order as the text. Jackson writes it as its text form and reads it back with {@link
 * #parse(String)}.
 */
public final class Identity implements Comparable<Identity> {
  /** Length of an identity in bytes (SHA-256). */
  public static final int LENGTH_BYTES = 32;

  private static final String PREFIX = "h1:";

  /** The zero identity, printed as {@code ""}. */
  public static final Identity ZERO = new Identity(new byte[LENGTH_BYTES]);

  private final byte[] hash;
  private final String text;

  private Identity(byte[] hash) {
    this.hash = hash;
    this.text = isAllZero(hash) ? "" : PREFIX + Base64Url.encode(hash);
  }

  /**
   * Parses the text form strictly: {@code ""} or {@code h1:} followed by exactly 43 base64url
   * characters (no padding) that decode to 32 bytes.
   *
   * @throws IllegalArgumentException {@code invalid identity '<s>': <reason>}
   */
  @JsonCreator(mode = JsonCreator.Mode.DELEGATING)
  public static Identity parse(String s) {
    Objects.requireNonNull(s, "identity");
    if (s.isEmpty()) {
      return ZERO;
    }
    if (!s.startsWith(PREFIX)) {
      throw invalid(s, "must start with 'h1:'");
    }
    String body = s.substring(PREFIX.length());
    if (body.length() != Base64Url.encodedLength(LENGTH_BYTES)) {
      throw invalid(
          s, "must be 'h1:' and 43 base64url characters, got " + body.length() + " characters");
    }
    byte[] bytes;
    try {
      bytes = Base64Url.decode(body);
    } catch (IllegalArgumentException e) {
      throw invalid(s, e.getMessage());
    }
    return new Identity(bytes);
  }

  /**
   * The identity of {@code publicKey}: SHA-256 of {@code publicKey.getEncoded()} (X.509 SPKI DER).
   * For Ed25519 and named-curve EC keys this equals the hash of the certificate's raw
   * SubjectPublicKeyInfo (docs/PROTOCOL.md §2.2).
   *
   * @throws IllegalArgumentException if the key has no X.509 encoding
   */
  public static Identity of(PublicKey publicKey) {
    byte[] spki = publicKey.getEncoded();
    if (spki == null || !"X.509".equals(publicKey.getFormat())) {
      throw new IllegalArgumentException("public key has no X.509 SubjectPublicKeyInfo encoding");
    }
    return ofSpki(spki);
  }

  /** The identity of a DER-encoded SubjectPublicKeyInfo: its SHA-256 digest. */
  public static Identity ofSpki(byte[] spkiDer) {
    return new Identity(sha256(spkiDer));
  }

  /**
   * Wraps a 32-byte digest as an identity (a copy is kept).
   *
   * @throws IllegalArgumentException if {@code digest} is not 32 bytes
   */
  public static Identity ofDigest(byte[] digest) {
    if (digest.length != LENGTH_BYTES) {
      throw new IllegalArgumentException(
          "invalid identity: must be 32 bytes, got " + digest.length);
    }
    return new Identity(digest.clone());
  }

  /** A copy of the 32 digest bytes. */
  public byte[] bytes() {
    return hash.clone();
  }

  /** True for the zero identity ({@code ""}). */
  public boolean isZero() {
    return text.isEmpty();
  }

  /** The text form: {@code h1:…} (46 characters), or {@code ""} for the zero identity. */
  @JsonValue
  @Override
  public String toString() {
    return text;
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof Identity && Arrays.equals(hash, ((Identity) o).hash);
  }

  @Override
  public int hashCode() {
    return Arrays.hashCode(hash);
  }

  /** Compares the text forms (so {@code ""} sorts first). */
  @Override
  public int compareTo(Identity other) {
    return text.compareTo(other.text);
  }

  static byte[] sha256(byte[] data) {
    try {
      return MessageDigest.getInstance("SHA-256").digest(data);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("SHA-256 is not available", e);
    }
  }

  private static boolean isAllZero(byte[] bytes) {
    int acc = 0;
    for (byte b : bytes) {
      acc |= b;
    }
    return acc == 0;
  }

  private static IllegalArgumentException invalid(String s, String reason) {
    String shown = s.length() > 60 ? s.substring(0, 60) + "..." : s;
    return new IllegalArgumentException("invalid identity '" + shown + "': " + reason);
  }
}
