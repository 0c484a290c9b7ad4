package io.openkms.kms.cluster;

import java.net.Socket;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.MessageDigest;
import java.security.Principal;
import java.security.PrivateKey;
import java.security.SecureRandom;
import java.security.cert.CertificateException;
import java.security.cert.X509Certificate;
import java.util.Objects;
import javax.net.ssl.KeyManager;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.TrustManager;
import javax.net.ssl.X509ExtendedKeyManager;
import javax.net.ssl.X509ExtendedTrustManager;
import org.apache.pekko.actor.setup.Setup;

/**
 * The internode key of a node (docs/ARCHITECTURE.md §2): the Ed25519 key pair derived from the HSM
 * key ({@code Hsm.INTERNODE_KEY_LABEL}) and a self-signed certificate for it. Passed to the
 * clustered actor system as a {@link Setup}, where {@link InternodeSslEngineProvider} makes
 * Artery's TLS engines from it.
 *
 * <p>Trust rule: a peer is accepted only if its certificate's public key is this same key, as a
 * client and as a server. Every node derives the same key from the same HSM key, so a node started
 * with another HSM key cannot even complete a TLS handshake with the cluster.
 */
public final class InternodeTls extends Setup {

  private final KeyPair keyPair;
  private final X509Certificate certificate;

  /**
   * @param keyPair the internode Ed25519 key pair
   * @param certificate a certificate of {@code keyPair}'s public key (self-signed)
   * @throws IllegalArgumentException if the certificate is not for the key pair's public key
   */
  public InternodeTls(KeyPair keyPair, X509Certificate certificate) {
    this.keyPair = Objects.requireNonNull(keyPair, "keyPair");
    this.certificate = Objects.requireNonNull(certificate, "certificate");
    if (!MessageDigest.isEqual(
        certificate.getPublicKey().getEncoded(), keyPair.getPublic().getEncoded())) {
      throw new IllegalArgumentException("the certificate is not for the internode key");
    }
  }

  /** The internode key pair. */
  public KeyPair keyPair() {
    return keyPair;
  }

  /** The certificate presented to peers. */
  public X509Certificate certificate() {
    return certificate;
  }

  /** True if {@code peer}'s public key is the internode public key. */
  public boolean holdsInternodeKey(X509Certificate peer) {
    return MessageDigest.isEqual(
        peer.getPublicKey().getEncoded(), keyPair.getPublic().getEncoded());
  }

  /**
   * An SSLContext ({@code TLS}) whose key manager offers the internode key and certificate and
   * whose trust manager accepts exactly peers that present the internode public key.
   *
   * @throws IllegalStateException if the JDK cannot make the context
   */
  public SSLContext sslContext() {
    try {
      SSLContext context = SSLContext.getInstance("TLS");
      context.init(
          new KeyManager[] {new KeyChooser()},
          new TrustManager[] {new SameKeyTrust()},
          new SecureRandom());
      return context;
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException(
          "cannot create the internode TLS context: " + e.getMessage(), e);
    }
  }

  private static boolean edDsa(String keyType) {
    return keyType != null
        && (keyType.equalsIgnoreCase("EdDSA") || keyType.equalsIgnoreCase("Ed25519"));
  }

  /** Offers the one internode key for EdDSA, whatever issuers the peer names. */
  private final class KeyChooser extends X509ExtendedKeyManager {
    private static final String ALIAS = "internode";

    private String alias(String... keyTypes) {
      if (keyTypes != null) {
        for (String type : keyTypes) {
          if (edDsa(type)) {
            return ALIAS;
          }
        }
      }
      return null;
    }

    @Override
    public String[] getClientAliases(String keyType, Principal[] issuers) {
      return edDsa(keyType) ? new String[] {ALIAS} : null;
    }

    @Override
    public String chooseClientAlias(String[] keyTypes, Principal[] issuers, Socket socket) {
      return alias(keyTypes);
    }

    @Override
    public String chooseEngineClientAlias(
        String[] keyTypes, Principal[] issuers, SSLEngine engine) {
      return alias(keyTypes);
    }

    @Override
    public String[] getServerAliases(String keyType, Principal[] issuers) {
      return edDsa(keyType) ? new String[] {ALIAS} : null;
    }

    @Override
    public String chooseServerAlias(String keyType, Principal[] issuers, Socket socket) {
      return alias(keyType);
    }

    @Override
    public String chooseEngineServerAlias(String keyType, Principal[] issuers, SSLEngine engine) {
      return alias(keyType);
    }

    @Override
    public X509Certificate[] getCertificateChain(String alias) {
      return ALIAS.equals(alias) ? new X509Certificate[] {certificate} : null;
    }

    @Override
    public PrivateKey getPrivateKey(String alias) {
      return ALIAS.equals(alias) ? keyPair.getPrivate() : null;
    }
  }

  /** Accepts a peer (client or server) only if it presents the internode public key. */
  private final class SameKeyTrust extends X509ExtendedTrustManager {

    private void check(X509Certificate[] chain) throws CertificateException {
      if (chain == null || chain.length == 0 || !holdsInternodeKey(chain[0])) {
        throw new CertificateException(
            "the peer does not hold this cluster's internode key"
                + " (was it started with another HSM key?)");
      }
    }

    @Override
    public void checkClientTrusted(X509Certificate[] chain, String authType)
        throws CertificateException {
      check(chain);
    }

    @Override
    public void checkServerTrusted(X509Certificate[] chain, String authType)
        throws CertificateException {
      check(chain);
    }

    @Override
    public void checkClientTrusted(X509Certificate[] chain, String authType, Socket socket)
        throws CertificateException {
      check(chain);
    }

    @Override
    public void checkServerTrusted(X509Certificate[] chain, String authType, Socket socket)
        throws CertificateException {
      check(chain);
    }

    @Override
    public void checkClientTrusted(X509Certificate[] chain, String authType, SSLEngine engine)
        throws CertificateException {
      check(chain);
    }

    @Override
    public void checkServerTrusted(X509Certificate[] chain, String authType, SSLEngine engine)
        throws CertificateException {
      check(chain);
    }

    @Override
    public X509Certificate[] getAcceptedIssuers() {
      return new X509Certificate[0];
    }
  }
}
