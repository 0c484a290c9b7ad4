package io.openkms.kms.crypto;

import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;

/**
 * One {@link SecureRandom} (a DRBG, seeded once) per thread, behind {@link RandomSource#secure()}.
 */
final class SecureRandoms {
  private static final ThreadLocal<SecureRandom> RANDOM =
      ThreadLocal.withInitial(SecureRandoms::create);

  static final RandomSource SOURCE = bytes -> RANDOM.get().nextBytes(bytes);

  private SecureRandoms() {}

  private static SecureRandom create() {
    try {
      return SecureRandom.getInstance("DRBG");
    } catch (NoSuchAlgorithmException e) {
      return new SecureRandom();
    }
  }
}
