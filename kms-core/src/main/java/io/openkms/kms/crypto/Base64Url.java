package io.openkms.kms.crypto;

import java.util.Base64;

/**
 * Strict base64url without padding (RFC 4648 §5, Go's {@code base64.RawURLEncoding}), as used by
 * the {@code k1:}, {@code k2:} and {@code h1:} text forms (docs/PROTOCOL.md §2.1).
 */
final class Base64Url {
  private static final Base64.Encoder ENCODER = Base64.getUrlEncoder().withoutPadding();
  private static final Base64.Decoder DECODER = Base64.getUrlDecoder();

  private Base64Url() {}

  /** Encodes {@code bytes} as base64url without padding. */
  static String encode(byte[] bytes) {
    return ENCODER.encodeToString(bytes);
  }

  /**
   * Decodes {@code text}, which must be canonical base64url without padding.
   *
   * @return the decoded bytes (any length; callers check it)
   * @throws IllegalArgumentException {@code padding is not allowed}, {@code invalid base64url
   *     encoding} or {@code non-canonical base64url encoding}
   */
  static byte[] decode(String text) {
    if (text.indexOf('=') >= 0) {
      throw new IllegalArgumentException("padding is not allowed");
    }
    byte[] bytes;
    try {
      bytes = DECODER.decode(text);
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException("invalid base64url encoding");
    }
    if (!ENCODER.encodeToString(bytes).equals(text)) {
      // Unused trailing bits set: another string decodes to the same bytes.
      throw new IllegalArgumentException("non-canonical base64url encoding");
    }
    return bytes;
  }

  /** The number of base64url characters (no padding) that encode {@code n} bytes. */
  static int encodedLength(int n) {
    return (n * 4 + 2) / 3;
  }
}
