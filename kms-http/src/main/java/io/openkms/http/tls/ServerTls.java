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
 * TLS for the node's HTTPS server (wire-protocol §2.4): the server presents its key and chain,
 * <b>requires</b> a client certificate, and accepts any client chain, self-signed included,
 * without looking at its validity period or names. TLS 1.3 and 1.2 (the Go client's minimum is
 * 1.2); Ed25519 client certificates work (JDK SunJSSE supports the {@code ed25519} signature
 * scheme). The client's identity is then {@link Identities#peer(javax.net.ssl.SSLSession)}.
 *
 * <p>Use {@link #newEngine(SSLContext)} (or {@link #engineFactory}) for each connection: a bare
 * {@code context.createSSLEngine()} would not ask for a client certificate. With Pekko HTTP:
 * {@code ConnectionContext.httpsServer(() -> ServerTls.newEngine(context))}.
 */
public final class ServerTls {

    /** Protocols enabled on every server engine, most preferred first. */
    public static final List<String> PROTOCOLS = List.of("TLSv1.3", "TLSv1.2");

    private ServerTls() {}

    /**
     * An SSLContext ({@code TLS}) whose key manager holds {@code key} and {@code chain} and whose
     * trust manager accepts any client chain (but refuses a missing one).
     *
     * @param key the server's key pair; the private key must match the leaf certificate
     * @param chain the server certificate first, then its issuers
     * @throws IllegalArgumentException if the chain is empty
     * @throws IllegalStateException if the JDK has no TLS implementation
     */
    public static SSLContext sslContext(KeyPair key, List<X509Certificate> chain) {
        try {
            SSLContext context = SSLContext.getInstance("TLS");
            context.init(new KeyManager[] {new SingleKeyManager(key.getPrivate(), chain)},
                    new TrustManager[] {new AcceptAnyClientTrustManager()}, new SecureRandom());
            return context;
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("cannot create TLS context: " + e.getMessage(), e);
        }
    }

    /**
     * An SSLContext whose server key comes from {@code keyManager} (for example a
     * {@link ReloadingKeyManager}) and whose trust manager accepts any client chain.
     */
    public static SSLContext sslContext(javax.net.ssl.X509ExtendedKeyManager keyManager) {
        try {
            SSLContext context = SSLContext.getInstance("TLS");
            context.init(new KeyManager[] {keyManager},
                    new TrustManager[] {new AcceptAnyClientTrustManager()}, new SecureRandom());
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
     * The server parameters: protocols TLSv1.3 and TLSv1.2, {@code needClientAuth = true}.
     * Cipher suites and signature schemes are the JDK defaults.
     */
    public static SSLParameters sslParameters(SSLContext context) {
        SSLParameters parameters = context.getDefaultSSLParameters();
        parameters.setProtocols(PROTOCOLS.toArray(new String[0]));
        parameters.setNeedClientAuth(true);
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
