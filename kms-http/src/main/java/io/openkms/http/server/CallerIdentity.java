package io.openkms.http.server;

import io.openkms.kms.crypto.Identity;
import java.security.cert.Certificate;
import java.security.cert.X509Certificate;
import java.util.Optional;
import javax.net.ssl.SSLSession;
import org.apache.pekko.http.javadsl.model.AttributeKeys;
import org.apache.pekko.http.javadsl.model.HttpRequest;
import org.apache.pekko.http.javadsl.model.SslSessionInfo;

/**
 * The caller's identity: SHA-256 of the TLS client certificate's SubjectPublicKeyInfo
 * (docs/PROTOCOL.md §2.2, §2.4). Computed once per TLS session and cached in the session, so a
 * keep-alive connection (and a resumed session) pays for it once (docs/ARCHITECTURE.md §4).
 */
public final class CallerIdentity {

  private static final String SESSION_KEY = "io.openkms.identity";

  private CallerIdentity() {}

  /**
   * The identity of the client that sent {@code request}; empty when the connection carries no
   * client certificate (the server asks for one but does not require it: {@code curl -k} to {@code
   * /version}).
   */
  public static Optional<Identity> of(HttpRequest request) {
    Optional<SslSessionInfo> info = request.getAttribute(AttributeKeys.sslSession);
    if (info.isEmpty()) {
      return Optional.empty();
    }
    SSLSession session = info.get().getSession();
    Object cached = session.getValue(SESSION_KEY);
    if (cached instanceof Identity id) {
      return Optional.of(id);
    }
    try {
      Certificate[] chain = session.getPeerCertificates();
      if (chain.length == 0 || !(chain[0] instanceof X509Certificate leaf)) {
        return Optional.empty();
      }
      Identity id = Identity.ofSpki(spki(leaf));
      session.putValue(SESSION_KEY, id);
      return Optional.of(id);
    } catch (java.security.cert.CertificateEncodingException | java.io.IOException e) {
      return Optional.empty();
    }
  }

  /** The SubjectPublicKeyInfo DER exactly as it appears in the certificate. */
  static byte[] spki(X509Certificate cert)
      throws java.security.cert.CertificateEncodingException, java.io.IOException {
    return org.bouncycastle.asn1.x509.Certificate.getInstance(cert.getEncoded())
        .getSubjectPublicKeyInfo()
        .getEncoded();
  }
}
