package io.openkms.http.tls;

import java.io.ByteArrayInputStream;
import java.math.BigInteger;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.Signature;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.Map;

/**
 * The client certificate the MinIO kms Go client makes from an API key (docs/PROTOCOL.md §2.3),
 * encoded by {@link Der} and signed by the JDK. Unlike the other certificates of this package it
 * does not use Bouncy Castle: every client command makes one, and Bouncy Castle's signed jars cost
 * a jar signature check and cannot be in the class-data sharing archive of the CLI
 * (docs/PERFORMANCE.md, "CLI start time").
 */
public final class ClientCertificate {

  /** Validity of a client certificate: 90 days, as the Go client (§2.3). */
  public static final Duration VALIDITY = Duration.ofDays(90);

  private static final String COMMON_NAME = "2.5.4.3";
  private static final String KEY_USAGE = "2.5.29.15";
  private static final String EXTENDED_KEY_USAGE = "2.5.29.37";
  private static final String BASIC_CONSTRAINTS = "2.5.29.19";
  private static final String CLIENT_AUTH = "1.3.6.1.5.5.7.3.2";

  /** KeyUsage digitalSignature: bit 0 of a BIT STRING with 7 unused bits (RFC 5280 §4.2.1.3). */
  private static final byte[] DIGITAL_SIGNATURE = {(byte) 0x80};

  /**
   * AlgorithmIdentifier of each signature algorithm of {@link KeyAlgorithms#signatureAlgorithm}:
   * EdDSA (RFC 8410 §3) and ECDSA (RFC 5758 §3.2) without parameters, RSA with NULL (RFC 4055 §5).
   */
  private static final Map<String, byte[]> ALGORITHM_IDENTIFIERS =
      Map.of(
          "Ed25519", Der.sequence(Der.oid("1.3.101.112")),
          "Ed448", Der.sequence(Der.oid("1.3.101.113")),
          "SHA256withECDSA", Der.sequence(Der.oid("1.2.840.10045.4.3.2")),
          "SHA384withECDSA", Der.sequence(Der.oid("1.2.840.10045.4.3.3")),
          "SHA512withECDSA", Der.sequence(Der.oid("1.2.840.10045.4.3.4")),
          "SHA256withRSA", Der.sequence(Der.oid("1.2.840.113549.1.1.11"), Der.nullValue()));

  private ClientCertificate() {}

  /**
   * The client certificate of docs/PROTOCOL.md §2.3, exactly as {@code kms.GenerateCertificate}
   * makes it: issuer = subject = {@code CN=<commonName>} (UTF8String); signed with the key itself
   * (Ed25519, or ECDSA with SHA-256/384/512 by curve); random 128-bit serial; NotBefore = now (not
   * backdated), NotAfter = now + 90 days, in whole seconds; KeyUsage digitalSignature (critical);
   * ExtKeyUsage clientAuth; BasicConstraints CA=false (critical). No other extension.
   *
   * @param keyPair the API key's key pair (Ed25519 for {@code k1:}, EC P-256/384/521 for {@code
   *     k2:})
   * @param commonName the identity string {@code h1:…} of the key (see {@link Identities#of})
   * @throws IllegalArgumentException for a key pair without both halves or of another type
   */
  public static X509Certificate of(KeyPair keyPair, String commonName) {
    KeyAlgorithms.requireKeyPair(keyPair);
    String algorithm = KeyAlgorithms.signatureAlgorithm(keyPair.getPrivate());
    byte[] algorithmIdentifier = ALGORITHM_IDENTIFIERS.get(algorithm);
    Instant now = Instant.now().truncatedTo(ChronoUnit.SECONDS);
    byte[] name =
        Der.sequence(
            Der.tlv(Der.SET, Der.sequence(Der.oid(COMMON_NAME), Der.utf8String(commonName))));
    byte[] tbsCertificate =
        Der.sequence(
            Der.explicit(0, Der.integer(BigInteger.TWO)), // version v3
            Der.integer(KeyAlgorithms.randomSerial()),
            algorithmIdentifier,
            name,
            Der.sequence(Der.time(now), Der.time(now.plus(VALIDITY))),
            name,
            keyPair.getPublic().getEncoded(), // SubjectPublicKeyInfo
            Der.explicit(
                3,
                Der.sequence(
                    extension(KEY_USAGE, true, Der.bitString(DIGITAL_SIGNATURE, 7)),
                    extension(EXTENDED_KEY_USAGE, false, Der.sequence(Der.oid(CLIENT_AUTH))),
                    extension(BASIC_CONSTRAINTS, true, Der.sequence()))));
    try {
      Signature signer = Signature.getInstance(algorithm);
      signer.initSign(keyPair.getPrivate());
      signer.update(tbsCertificate);
      byte[] certificate =
          Der.sequence(tbsCertificate, algorithmIdentifier, Der.bitString(signer.sign(), 0));
      return (X509Certificate)
          CertificateFactory.getInstance("X.509")
              .generateCertificate(new ByteArrayInputStream(certificate));
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("cannot sign certificate: " + e.getMessage(), e);
    }
  }

  /**
   * {@code Extension ::= SEQUENCE {extnID, critical BOOLEAN DEFAULT FALSE, extnValue OCTET
   * STRING}}.
   */
  private static byte[] extension(String oid, boolean critical, byte[] value) {
    return critical
        ? Der.sequence(Der.oid(oid), Der.booleanTrue(), Der.octetString(value))
        : Der.sequence(Der.oid(oid), Der.octetString(value));
  }
}
