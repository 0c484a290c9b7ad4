package io.openkms.http.tls;

import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.PublicKey;
import java.security.cert.Certificate;
import java.security.cert.CertificateEncodingException;
import java.security.cert.X509Certificate;
import java.util.Base64;
import javax.net.ssl.SSLPeerUnverifiedException;
import javax.net.ssl.SSLSession;

/**
 * Identities of TLS peers (docs/PROTOCOL.md §2.2): {@code "h1:" + base64url-nopad(SHA-256(DER of
 * the SubjectPublicKeyInfo))}, always 46 characters.
 */
public final class Identities {

  /** Prefix of the text form of an identity. */
  public static final String PREFIX = "h1:";

  private Identities() {}

  /**
   * The identity of a certificate: SHA-256 over the subjectPublicKeyInfo exactly as it is encoded
   * in the certificate (Go's {@code RawSubjectPublicKeyInfo}), read with {@link Der} (not Bouncy
   * Castle: every client command computes its own identity).
   *
   * @throws IllegalArgumentException if the certificate cannot be encoded
   */
  public static String of(X509Certificate certificate) {
    try {
      return ofSubjectPublicKeyInfo(Der.subjectPublicKeyInfo(certificate.getEncoded()));
    } catch (CertificateEncodingException e) {
      throw new IllegalArgumentException("cannot encode certificate: " + e.getMessage(), e);
    }
  }

  /** The identity of a public key: SHA-256 over {@code publicKey.getEncoded()} (SPKI DER). */
  public static String of(PublicKey publicKey) {
    return ofSubjectPublicKeyInfo(publicKey.getEncoded());
  }

  /** The identity of DER-encoded SubjectPublicKeyInfo bytes. */
  public static String ofSubjectPublicKeyInfo(byte[] spkiDer) {
    try {
      byte[] digest = MessageDigest.getInstance("SHA-256").digest(spkiDer);
      return PREFIX + Base64.getUrlEncoder().withoutPadding().encodeToString(digest);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("SHA-256 is not available", e);
    }
  }

  /**
   * The identity of the peer of a TLS session: the identity of its leaf certificate.
   *
   * @throws SSLPeerUnverifiedException if the peer sent no certificate
   */
  public static String peer(SSLSession session) throws SSLPeerUnverifiedException {
    Certificate[] chain = session.getPeerCertificates();
    if (chain.length == 0 || !(chain[0] instanceof X509Certificate leaf)) {
      throw new SSLPeerUnverifiedException("peer sent no X.509 certificate");
    }
    return of(leaf);
  }
}
