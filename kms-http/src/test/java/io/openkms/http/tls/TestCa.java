package io.openkms.http.tls;

import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyStore;
import java.security.cert.X509Certificate;
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
import org.bouncycastle.cert.jcajce.JcaX509ExtensionUtils;

/**
 * A small certificate authority for tests (test code: kms-http's test jar, which the tests of other
 * modules use): one self-signed CA certificate (EC P-256 unless a key is given) that issues node
 * certificates with SANs. Keys and certificates are JDK objects; write them with {@link Pem}.
 * Operators use their own CA, or ops/certs/minkms-certs.sh for a test one (README.md).
 *
 * <p>Immutable and thread-safe.
 */
public final class TestCa {

  /** Validity of the CA certificate made by {@link #create(String)}: 10 years. */
  public static final Duration CA_VALIDITY = Duration.ofDays(3650);

  /** How far NotBefore is set back, to tolerate clock skew between nodes: 5 minutes. */
  public static final Duration BACKDATE = Duration.ofMinutes(5);

  private final KeyPair keyPair;
  private final X509Certificate certificate;

  private TestCa(KeyPair keyPair, X509Certificate certificate) {
    this.keyPair = keyPair;
    this.certificate = certificate;
  }

  /** A new CA with a fresh EC P-256 key, {@code CN=<commonName>}, valid 10 years. */
  public static TestCa create(String commonName) {
    return create(generateEcKeyPair(), commonName, CA_VALIDITY);
  }

  /**
   * A new CA: self-signed, {@code CN=<commonName>}, BasicConstraints CA=true (critical), KeyUsage
   * keyCertSign|cRLSign|digitalSignature (critical), SubjectKeyIdentifier.
   *
   * @param keyPair the CA key (EC, Ed25519 or RSA)
   * @param validity positive duration from now
   */
  public static TestCa create(KeyPair keyPair, String commonName, Duration validity) {
    KeyAlgorithms.requireKeyPair(keyPair);
    Instant now = Instant.now();
    X500Name name = Certificates.commonName(commonName);
    X509v3CertificateBuilder builder =
        Certificates.builder(
            name, name, keyPair.getPublic(), now.minus(BACKDATE), now.plus(validity));
    Certificates.add(builder, Extension.basicConstraints, true, new BasicConstraints(true));
    Certificates.add(
        builder,
        Extension.keyUsage,
        true,
        new KeyUsage(KeyUsage.keyCertSign | KeyUsage.cRLSign | KeyUsage.digitalSignature));
    Certificates.add(
        builder,
        Extension.subjectKeyIdentifier,
        false,
        extensionUtils().createSubjectKeyIdentifier(keyPair.getPublic()));
    return new TestCa(keyPair, Certificates.sign(builder, keyPair.getPrivate()));
  }

  /**
   * Issues a node certificate for {@code nodeKey}: subject {@code CN=<first name>}; SANs as in
   * {@link SelfSigned#serverCertificate}; ExtKeyUsage serverAuth and clientAuth (a node is both);
   * KeyUsage digitalSignature (plus keyEncipherment for RSA); BasicConstraints CA=false; Authority
   * and Subject Key Identifiers; NotBefore = now − 5 minutes.
   *
   * @param nodeKey the node's key pair
   * @param hostsAndIps DNS names and IP literals, at least one
   * @param validity positive duration from now
   * @return the node key with the chain {@code [node certificate, CA certificate]}
   * @throws IllegalArgumentException without names or with a non-positive validity
   */
  public CertifiedKey issueNode(KeyPair nodeKey, List<String> hostsAndIps, Duration validity) {
    KeyAlgorithms.requireKeyPair(nodeKey);
    if (hostsAndIps.isEmpty()) {
      throw new IllegalArgumentException(
          "a node certificate needs at least one host name or IP address");
    }
    if (validity.isNegative() || validity.isZero()) {
      throw new IllegalArgumentException("validity must be positive: " + validity);
    }
    Instant now = Instant.now();
    X500Name issuer = X500Name.getInstance(certificate.getSubjectX500Principal().getEncoded());
    X509v3CertificateBuilder builder =
        Certificates.builder(
            issuer,
            Certificates.commonName(hostsAndIps.get(0)),
            nodeKey.getPublic(),
            now.minus(BACKDATE),
            now.plus(validity));
    int usage = KeyUsage.digitalSignature;
    if ("RSA".equals(KeyAlgorithms.jsseKeyType(nodeKey.getPublic()))) {
      usage |= KeyUsage.keyEncipherment;
    }
    Certificates.add(builder, Extension.keyUsage, true, new KeyUsage(usage));
    Certificates.add(
        builder,
        Extension.extendedKeyUsage,
        false,
        new ExtendedKeyUsage(
            new KeyPurposeId[] {KeyPurposeId.id_kp_serverAuth, KeyPurposeId.id_kp_clientAuth}));
    Certificates.add(builder, Extension.basicConstraints, true, new BasicConstraints(false));
    JcaX509ExtensionUtils utils = extensionUtils();
    try {
      Certificates.add(
          builder,
          Extension.authorityKeyIdentifier,
          false,
          utils.createAuthorityKeyIdentifier(certificate));
    } catch (java.security.cert.CertificateEncodingException e) {
      throw new IllegalStateException("cannot encode CA certificate: " + e.getMessage(), e);
    }
    Certificates.add(
        builder,
        Extension.subjectKeyIdentifier,
        false,
        utils.createSubjectKeyIdentifier(nodeKey.getPublic()));
    Certificates.addSubjectAltNames(builder, hostsAndIps);
    X509Certificate leaf = Certificates.sign(builder, keyPair.getPrivate());
    return new CertifiedKey(nodeKey, List.of(leaf, certificate));
  }

  /** The CA certificate. */
  public X509Certificate certificate() {
    return certificate;
  }

  /** The CA key pair. */
  public KeyPair keyPair() {
    return keyPair;
  }

  /**
   * An in-memory trust store (JDK default type) holding only the CA certificate, alias {@code ca}.
   */
  public KeyStore trustStore() {
    try {
      KeyStore store = KeyStore.getInstance(KeyStore.getDefaultType());
      store.load(null, null);
      store.setCertificateEntry("ca", certificate);
      return store;
    } catch (GeneralSecurityException | java.io.IOException e) {
      throw new IllegalStateException("cannot create trust store: " + e.getMessage(), e);
    }
  }

  /** A fresh EC P-256 key pair: {@link SelfSigned#newEcKeyPair()}. */
  public static KeyPair generateEcKeyPair() {
    return SelfSigned.newEcKeyPair();
  }

  private static JcaX509ExtensionUtils extensionUtils() {
    try {
      return new JcaX509ExtensionUtils();
    } catch (java.security.NoSuchAlgorithmException e) {
      throw new IllegalStateException("SHA-1 is not available: " + e.getMessage(), e);
    }
  }
}
