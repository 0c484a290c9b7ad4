package io.openkms.kms.crypto;

import java.security.SecureRandom;

/**
 * A source of random bytes for key material, IVs and nonces. Production code uses {@link
 * #secure()}; tests may pass a deterministic source to make generated values repeatable.
 */
@FunctionalInterface
public interface RandomSource {

  /** Fills {@code bytes} with random bytes. */
  void nextBytes(byte[] bytes);

  /** Returns {@code n} fresh random bytes. */
  default byte[] bytes(int n) {
    byte[] b = new byte[n];
    nextBytes(b);
    return b;
  }

  /**
   * A cryptographically secure source backed by one {@link SecureRandom} per thread (a DRBG, seeded
   * once per thread), so concurrent callers never contend on a lock (docs/ARCHITECTURE.md §4).
   */
  static RandomSource secure() {
    return SecureRandoms.SOURCE;
  }
}
