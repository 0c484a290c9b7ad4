package io.openkms.http.tls;

import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyStore;
import java.security.SecureRandom;
import java.security.cert.X509Certificate;
import java.util.List;
import javax.net.ssl.KeyManager;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.TrustManager;
import javax.net.ssl.TrustManagerFactory;

/**
 * TLS for clients of a node (docs/PROTOCOL.md §1, §2.3): present one client certificate whenever
 * the server asks, and check the server by ordinary X.509 (PKIX) rules against the given trust
 * anchors or the JDK's default ones, unless {@code insecure}.
 *
 * <p>Host names: {@code java.net.http.HttpClient} sets the endpoint identification algorithm {@code
 * HTTPS} on its engines, so the JDK's PKIX trust manager checks the server's DNS or IP SANs against
 * the host of the URL. With {@code insecure} the trust manager is an {@link
 * javax.net.ssl.X509ExtendedTrustManager} that accepts everything, which also skips that host name
 * check: no {@code -Djdk.internal.httpclient.disableHostnameVerification} needed.
 */
public final class ClientTls {

  private ClientTls() {}

  /**
   * An SSLContext ({@code TLS}) for a client.
   *
   * @param clientKey the client's key pair (Ed25519 or EC for API keys)
   * @param clientCert the certificate sent to the server, e.g. from {@link ClientCertificate#of}
   * @param trustAnchors CA certificates to check the server against; {@code null} = the JDK's
   *     default trust store (cacerts); ignored when {@code insecure}
   * @param insecure accept any server certificate and skip the host name check
   * @throws IllegalStateException if the trust store cannot be used
   */
  public static SSLContext sslContext(
      KeyPair clientKey, X509Certificate clientCert, KeyStore trustAnchors, boolean insecure) {
    try {
      TrustManager[] trust;
      if (insecure) {
        trust = new TrustManager[] {new InsecureServerTrustManager()};
      } else {
        TrustManagerFactory factory =
            TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
        factory.init(trustAnchors);
        trust = factory.getTrustManagers();
      }
      SSLContext context = SSLContext.getInstance("TLS");
      context.init(
          new KeyManager[] {new SingleKeyManager(clientKey.getPrivate(), List.of(clientCert))},
          trust,
          new SecureRandom());
      return context;
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("cannot create TLS context: " + e.getMessage(), e);
    }
  }

  /** Client parameters: protocols TLSv1.3 and TLSv1.2 (the Go client's minimum is 1.2). */
  public static SSLParameters sslParameters(SSLContext context) {
    SSLParameters parameters = context.getDefaultSSLParameters();
    parameters.setProtocols(ServerTls.PROTOCOLS.toArray(new String[0]));
    return parameters;
  }
}
