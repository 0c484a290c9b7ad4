package io.openkms.http.tls;

import java.security.PublicKey;
import java.security.cert.CertificateException;
import java.security.interfaces.ECPublicKey;
import java.security.interfaces.RSAPublicKey;

/**
 * The smallest client keys the server accepts in a TLS client certificate: RSA (and RSASSA-PSS) of
 * at least {@value #MIN_RSA_BITS} bits, ECDSA on a curve of at least {@value #MIN_EC_BITS} bits
 * (P-256, P-384, P-521), and EdDSA (Ed25519, Ed448). Anything else (RSA-1024, DSA, P-224) fails the
 * TLS handshake with a {@code bad_certificate} alert. The Go client's API keys are Ed25519 ({@code
 * k1:}) or P-256/P-384/P-521 ({@code k2:}), so they all pass.
 */
public final class ClientKeys {

  /** Smallest accepted RSA modulus, in bits. */
  public static final int MIN_RSA_BITS = 2048;

  /** Smallest accepted elliptic-curve field size, in bits. */
  public static final int MIN_EC_BITS = 256;

  private ClientKeys() {}

  /**
   * Checks one client public key.
   *
   * @throws CertificateException {@code client key too weak: RSA 1024 bits, at least 2048} (or
   *     {@code EC 224 bits, at least 256}), or {@code client key type DSA not accepted}
   */
  public static void check(PublicKey key) throws CertificateException {
    String type = KeyAlgorithms.jsseKeyType(key);
    switch (type) {
      case "EdDSA":
        return;
      case "EC":
        {
          if (!(key instanceof ECPublicKey ec)) {
            throw new CertificateException("client EC key without curve parameters");
          }
          int bits = ec.getParams().getCurve().getField().getFieldSize();
          if (bits < MIN_EC_BITS) {
            throw new CertificateException(
                "client key too weak: EC " + bits + " bits, at least " + MIN_EC_BITS);
          }
          return;
        }
      case "RSA":
      case "RSASSA-PSS":
        {
          if (!(key instanceof RSAPublicKey rsa)) {
            throw new CertificateException("client RSA key without modulus");
          }
          int bits = rsa.getModulus().bitLength();
          if (bits < MIN_RSA_BITS) {
            throw new CertificateException(
                "client key too weak: RSA " + bits + " bits, at least " + MIN_RSA_BITS);
          }
          return;
        }
      default:
        throw new CertificateException("client key type " + key.getAlgorithm() + " not accepted");
    }
  }
}
