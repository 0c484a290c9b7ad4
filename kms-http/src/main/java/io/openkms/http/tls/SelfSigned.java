package io.openkms.http.tls;

import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.cert.X509Certificate;
import java.security.spec.ECGenParameterSpec;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x509.BasicConstraints;
import org.bouncycastle.asn1.x509.ExtendedKeyUsage;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.KeyPurposeId;
import org.bouncycastle.asn1.x509.KeyUsage;
import org.bouncycastle.cert.X509v3CertificateBuilder;

/**
 * Self-signed server certificates for nodes without a configured certificate (the client
 * certificate of an API key: {@link ClientCertificate}).
 */
public final class SelfSigned {

  /** How far a server certificate's NotBefore is set back, to tolerate clock skew: 5 minutes. */
  public static final Duration SERVER_BACKDATE = Duration.ofMinutes(5);

  private SelfSigned() {}

  /**
   * A fresh EC P-256 key pair from the JDK provider (the key of a self-signed server certificate).
   *
   * @throws IllegalStateException when the JDK has no EC P-256 (secp256r1)
   */
  public static KeyPair newEcKeyPair() {
    try {
      KeyPairGenerator generator = KeyPairGenerator.getInstance("EC");
      generator.initialize(new ECGenParameterSpec("secp256r1"));
      return generator.generateKeyPair();
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("EC P-256 is not available: " + e.getMessage(), e);
    }
  }

  /**
   * A self-signed TLS server certificate: subject {@code CN=<first name>} (or {@code CN=minkms}
   * without names); SANs: each entry that is an IPv4/IPv6 literal as an IP address, every other
   * entry as a DNS name; KeyUsage digitalSignature (plus keyEncipherment for RSA keys), ExtKeyUsage
   * serverAuth, BasicConstraints CA=false; NotBefore = now − 5 minutes, NotAfter = now + {@code
   * validity}.
   *
   * @param keyPair the server's key pair (Ed25519, EC or RSA)
   * @param hostsAndIps DNS names and IP literals the server is reached at, e.g. {@code
   *     ["node1.example", "10.0.0.1", "::1"]}
   * @param validity how long the certificate is valid from now (positive)
   * @throws IllegalArgumentException for a bad key pair or a non-positive validity
   */
  public static X509Certificate serverCertificate(
      KeyPair keyPair, List<String> hostsAndIps, Duration validity) {
    KeyAlgorithms.requireKeyPair(keyPair);
    if (validity.isNegative() || validity.isZero()) {
      throw new IllegalArgumentException("validity must be positive: " + validity);
    }
    Instant now = Instant.now();
    X500Name name = Certificates.commonName(hostsAndIps.isEmpty() ? "minkms" : hostsAndIps.get(0));
    X509v3CertificateBuilder builder =
        Certificates.builder(
            name, name, keyPair.getPublic(), now.minus(SERVER_BACKDATE), now.plus(validity));
    int usage = KeyUsage.digitalSignature;
    if ("RSA".equals(KeyAlgorithms.jsseKeyType(keyPair.getPublic()))) {
      usage |= KeyUsage.keyEncipherment;
    }
    Certificates.add(builder, Extension.keyUsage, true, new KeyUsage(usage));
    Certificates.add(
        builder,
        Extension.extendedKeyUsage,
        false,
        new ExtendedKeyUsage(KeyPurposeId.id_kp_serverAuth));
    Certificates.add(builder, Extension.basicConstraints, true, new BasicConstraints(false));
    Certificates.addSubjectAltNames(builder, hostsAndIps);
    return Certificates.sign(builder, keyPair.getPrivate());
  }
}
