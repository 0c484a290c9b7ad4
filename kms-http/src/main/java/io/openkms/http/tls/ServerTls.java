package io.openkms.http.tls;

import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.SecureRandom;
import java.security.cert.X509Certificate;
import java.util.List;
import java.util.function.Supplier;
import javax.net.ssl.KeyManager;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.TrustManager;

/**
 * TLS for the node's HTTPS server (docs/PROTOCOL.md §2.4): the server presents its key and chain,
 * <b>asks for</b> a client certificate without requiring one (so {@code curl -k
 * https://HOST:7373/version}, load balancers and probes reach the unprivileged endpoints; every
 * other endpoint answers 401 without one), and accepts any client chain, self-signed included,
 * without looking at its validity period or names, as long as its key is at least RSA-2048, ECDSA
 * P-256 or EdDSA ({@link ClientKeys}). TLS 1.3 and 1.2 (the Go client's minimum is 1.2) with AEAD
 * suites only, TLS 1.2 with ECDHE only ({@link #CIPHER_SUITES}); client-initiated renegotiation is
 * refused ({@code jdk.tls.rejectClientInitiatedRenegotiation}, set when this class loads). Ed25519
 * client certificates work (JDK SunJSSE supports the {@code ed25519} signature scheme). The
 * client's identity is then {@link Identities#peer(javax.net.ssl.SSLSession)}.
 *
 * <p>Use {@link #newEngine(SSLContext)} (or {@link #engineFactory}) for each connection: a bare
 * {@code context.createSSLEngine()} would not ask for a client certificate and would enable the
 * JDK's default suites. With Pekko HTTP: {@code ConnectionContext.httpsServer(() ->
 * ServerTls.newEngine(context))}.
 */
public final class ServerTls {

  /** Protocols enabled on every server engine, most preferred first. */
  public static final List<String> PROTOCOLS = List.of("TLSv1.3", "TLSv1.2");

  /**
   * Cipher suites enabled on every server engine, most preferred first (those the JDK supports):
   * the three TLS 1.3 suites, and for TLS 1.2 only ECDHE key exchange with AES-GCM or
   * ChaCha20-Poly1305, which are also the Go client's defaults. No static RSA key exchange, no CBC,
   * no SHA-1 MAC.
   */
  public static final List<String> CIPHER_SUITES =
      List.of(
          "TLS_AES_128_GCM_SHA256",
          "TLS_AES_256_GCM_SHA384",
          "TLS_CHACHA20_POLY1305_SHA256",
          "TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256",
          "TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384",
          "TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256",
          "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256",
          "TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384",
          "TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256");

  /** The JDK property that makes SunJSSE refuse a client's renegotiation request. */
  static final String REJECT_RENEGOTIATION = "jdk.tls.rejectClientInitiatedRenegotiation";

  static {
    // SunJSSE reads it once, when the first server handshake starts; there is no
    // per-engine setting. An operator's explicit -D value is kept.
    if (System.getProperty(REJECT_RENEGOTIATION) == null) {
      System.setProperty(REJECT_RENEGOTIATION, "true");
    }
  }

  private ServerTls() {}

  /**
   * An SSLContext ({@code TLS}) whose key manager holds {@code key} and {@code chain} and whose
   * trust manager accepts any client chain with a strong enough key ({@link ClientKeys}).
   *
   * @param key the server's key pair; the private key must match the leaf certificate
   * @param chain the server certificate first, then its issuers
   * @throws IllegalArgumentException if the chain is empty
   * @throws IllegalStateException if the JDK has no TLS implementation
   */
  public static SSLContext sslContext(KeyPair key, List<X509Certificate> chain) {
    try {
      SSLContext context = SSLContext.getInstance("TLS");
      context.init(
          new KeyManager[] {new SingleKeyManager(key.getPrivate(), chain)},
          new TrustManager[] {new AcceptAnyClientTrustManager()},
          new SecureRandom());
      return context;
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("cannot create TLS context: " + e.getMessage(), e);
    }
  }

  /**
   * An SSLContext whose server key comes from {@code keyManager} (for example a {@link
   * ReloadingKeyManager}) and whose trust manager accepts any client chain with a strong enough key
   * ({@link ClientKeys}).
   */
  public static SSLContext sslContext(javax.net.ssl.X509ExtendedKeyManager keyManager) {
    try {
      SSLContext context = SSLContext.getInstance("TLS");
      context.init(
          new KeyManager[] {keyManager},
          new TrustManager[] {new AcceptAnyClientTrustManager()},
          new SecureRandom());
      return context;
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("cannot create TLS context: " + e.getMessage(), e);
    }
  }

  /** {@link #sslContext(KeyPair, List)} for a {@link CertifiedKey}. */
  public static SSLContext sslContext(CertifiedKey key) {
    return sslContext(key.keyPair(), key.chain());
  }

  /**
   * The server parameters: protocols TLSv1.3 and TLSv1.2, the {@link #CIPHER_SUITES} the JDK
   * supports, the server's suite order, and {@code wantClientAuth = true} (a certificate is asked
   * for, not required). Signature schemes are the JDK defaults.
   */
  public static SSLParameters sslParameters(SSLContext context) {
    SSLParameters parameters = context.getDefaultSSLParameters();
    parameters.setProtocols(PROTOCOLS.toArray(new String[0]));
    List<String> supported = List.of(context.getSupportedSSLParameters().getCipherSuites());
    parameters.setCipherSuites(
        CIPHER_SUITES.stream().filter(supported::contains).toArray(String[]::new));
    parameters.setUseCipherSuitesOrder(true);
    parameters.setWantClientAuth(true);
    return parameters;
  }

  /** A server-mode engine for one connection, with {@link #sslParameters(SSLContext)}. */
  public static SSLEngine newEngine(SSLContext context) {
    SSLEngine engine = context.createSSLEngine();
    engine.setUseClientMode(false);
    engine.setSSLParameters(sslParameters(context));
    return engine;
  }

  /** A factory of {@link #newEngine(SSLContext) server engines}, one per call. */
  public static Supplier<SSLEngine> engineFactory(SSLContext context) {
    return () -> newEngine(context);
  }
}
