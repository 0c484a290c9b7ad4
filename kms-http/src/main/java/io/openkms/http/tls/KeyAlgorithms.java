package io.openkms.http.tls;

import java.math.BigInteger;
import java.security.Key;
import java.security.KeyPair;
import java.security.SecureRandom;
import java.security.interfaces.ECKey;
import java.security.interfaces.EdECKey;
import java.util.Locale;

/**
 * Names of key and signature algorithms as the JDK's JSSE and JCA providers use them, and the key
 * pair and serial number rules of every certificate this package makes. Free of Bouncy Castle, like
 * {@link ClientCertificate}: a client command loads it.
 */
final class KeyAlgorithms {

  private static final SecureRandom RANDOM = new SecureRandom();

  private KeyAlgorithms() {}

  /** A random certificate serial number in [0, 2^128), as Go's kms client makes it. */
  static BigInteger randomSerial() {
    return new BigInteger(128, RANDOM);
  }

  /**
   * Key pair sanity check of the certificate factories.
   *
   * @throws IllegalArgumentException for a null key pair or one without both halves
   */
  static void requireKeyPair(KeyPair keyPair) {
    if (keyPair == null || keyPair.getPrivate() == null || keyPair.getPublic() == null) {
      throw new IllegalArgumentException(
          "a key pair with both a private and a public key is required");
    }
  }

  /**
   * The JSSE key type of a key: {@code EdDSA} for Ed25519/Ed448, {@code EC}, {@code RSA}, {@code
   * RSASSA-PSS}; other algorithms as the key names them.
   */
  static String jsseKeyType(Key key) {
    return jsseKeyType(key.getAlgorithm());
  }

  /** {@link #jsseKeyType(Key)} for an algorithm or JSSE key type name. */
  static String jsseKeyType(String algorithm) {
    switch (algorithm.toUpperCase(Locale.ROOT)) {
      case "EDDSA":
      case "ED25519":
      case "ED448":
        return "EdDSA";
      case "EC":
      case "ECDSA":
        return "EC";
      default:
        return algorithm;
    }
  }

  /**
   * The signature algorithm a self-signed or issued certificate uses with this private key, as Go's
   * crypto/x509 picks it: Ed25519 (or Ed448); ECDSA with SHA-256/384/512 for P-256/P-384/P-521;
   * SHA256withRSA for RSA.
   *
   * @throws IllegalArgumentException for any other key type
   */
  static String signatureAlgorithm(Key signingKey) {
    String type = jsseKeyType(signingKey);
    switch (type) {
      case "EdDSA":
        if (signingKey instanceof EdECKey ed) {
          return ed.getParams().getName();
        }
        return signingKey.getAlgorithm().equalsIgnoreCase("Ed448") ? "Ed448" : "Ed25519";
      case "EC":
        {
          if (!(signingKey instanceof ECKey ec)) {
            throw new IllegalArgumentException("EC key without curve parameters");
          }
          int bits = ec.getParams().getCurve().getField().getFieldSize();
          if (bits <= 256) {
            return "SHA256withECDSA";
          }
          return bits <= 384 ? "SHA384withECDSA" : "SHA512withECDSA";
        }
      case "RSA":
        return "SHA256withRSA";
      default:
        throw new IllegalArgumentException(
            "unsupported key algorithm: " + signingKey.getAlgorithm());
    }
  }
}
