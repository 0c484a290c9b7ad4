package io.openkms.http.tls;

import java.security.GeneralSecurityException;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.cert.X509Certificate;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.Date;
import java.util.List;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x500.X500NameBuilder;
import org.bouncycastle.asn1.x500.style.BCStyle;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralNames;
import org.bouncycastle.cert.CertIOException;
import org.bouncycastle.cert.X509v3CertificateBuilder;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.operator.ContentSigner;
import org.bouncycastle.operator.OperatorCreationException;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;
import org.bouncycastle.util.IPAddress;

/** Shared pieces of certificate making (Bouncy Castle builder, JDK signature and key objects). */
final class Certificates {

  private Certificates() {}

  /** {@code CN=<commonName>}. */
  static X500Name commonName(String commonName) {
    return new X500NameBuilder(BCStyle.INSTANCE).addRDN(BCStyle.CN, commonName).build();
  }

  /** A certificate builder; times are truncated to whole seconds (X.509 has no fractions). */
  static X509v3CertificateBuilder builder(
      X500Name issuer,
      X500Name subject,
      PublicKey subjectKey,
      Instant notBefore,
      Instant notAfter) {
    return new JcaX509v3CertificateBuilder(
        issuer,
        KeyAlgorithms.randomSerial(),
        Date.from(notBefore.truncatedTo(ChronoUnit.SECONDS)),
        Date.from(notAfter.truncatedTo(ChronoUnit.SECONDS)),
        subject,
        subjectKey);
  }

  /** Signs with the issuer's key (algorithm per {@link KeyAlgorithms#signatureAlgorithm}). */
  static X509Certificate sign(X509v3CertificateBuilder builder, PrivateKey issuerKey) {
    try {
      ContentSigner signer =
          new JcaContentSignerBuilder(KeyAlgorithms.signatureAlgorithm(issuerKey)).build(issuerKey);
      return new JcaX509CertificateConverter().getCertificate(builder.build(signer));
    } catch (OperatorCreationException | GeneralSecurityException e) {
      throw new IllegalStateException("cannot sign certificate: " + e.getMessage(), e);
    }
  }

  /**
   * Subject alternative names: IP addresses (v4 and v6 literals) as iPAddress entries, anything
   * else as dNSName entries.
   */
  static GeneralNames subjectAltNames(List<String> hostsAndIps) {
    GeneralName[] names = new GeneralName[hostsAndIps.size()];
    for (int i = 0; i < names.length; i++) {
      String name = hostsAndIps.get(i);
      String bare =
          name.startsWith("[") && name.endsWith("]") ? name.substring(1, name.length() - 1) : name;
      names[i] =
          IPAddress.isValid(bare)
              ? new GeneralName(GeneralName.iPAddress, bare)
              : new GeneralName(GeneralName.dNSName, name);
    }
    return new GeneralNames(names);
  }

  /** Adds the subject alternative name extension (non-critical). */
  static void addSubjectAltNames(X509v3CertificateBuilder builder, List<String> hostsAndIps) {
    if (hostsAndIps.isEmpty()) {
      return;
    }
    try {
      builder.addExtension(Extension.subjectAlternativeName, false, subjectAltNames(hostsAndIps));
    } catch (CertIOException e) {
      throw new IllegalArgumentException("invalid subject alternative name: " + e.getMessage(), e);
    }
  }

  /** Adds an extension, turning BC's checked exception into an unchecked one. */
  static void add(
      X509v3CertificateBuilder builder,
      org.bouncycastle.asn1.ASN1ObjectIdentifier oid,
      boolean critical,
      org.bouncycastle.asn1.ASN1Encodable value) {
    try {
      builder.addExtension(oid, critical, value);
    } catch (CertIOException e) {
      throw new IllegalStateException(
          "cannot add certificate extension " + oid + ": " + e.getMessage(), e);
    }
  }
}
