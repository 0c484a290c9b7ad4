package io.openkms.http.tls;

import java.net.Socket;
import java.security.cert.CertificateException;
import java.security.cert.X509Certificate;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.X509ExtendedTrustManager;

/**
 * Client-side trust manager for {@code --insecure} (Go's InsecureSkipVerify): accepts any server
 * chain and, being an {@link X509ExtendedTrustManager}, also skips the host name check that the
 * JDK's own trust manager does when the engine's endpoint identification algorithm is {@code HTTPS}
 * (which {@code java.net.http.HttpClient} always sets). No system property such as {@code
 * jdk.internal.httpclient.disableHostnameVerification} is needed.
 */
final class InsecureServerTrustManager extends X509ExtendedTrustManager {

  private static final X509Certificate[] NO_ISSUERS = new X509Certificate[0];

  @Override
  public void checkServerTrusted(X509Certificate[] chain, String authType) {
    // Accept everything: --insecure.
  }

  @Override
  public void checkServerTrusted(X509Certificate[] chain, String authType, Socket socket) {
    // Accept everything: --insecure.
  }

  @Override
  public void checkServerTrusted(X509Certificate[] chain, String authType, SSLEngine engine) {
    // Accept everything: --insecure.
  }

  @Override
  public void checkClientTrusted(X509Certificate[] chain, String authType)
      throws CertificateException {
    throw new CertificateException("a client trust manager does not check clients");
  }

  @Override
  public void checkClientTrusted(X509Certificate[] chain, String authType, Socket socket)
      throws CertificateException {
    throw new CertificateException("a client trust manager does not check clients");
  }

  @Override
  public void checkClientTrusted(X509Certificate[] chain, String authType, SSLEngine engine)
      throws CertificateException {
    throw new CertificateException("a client trust manager does not check clients");
  }

  @Override
  public X509Certificate[] getAcceptedIssuers() {
    return NO_ISSUERS;
  }
}
