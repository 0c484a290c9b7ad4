package io.openkms.kms.cluster;

import java.security.cert.Certificate;
import java.security.cert.X509Certificate;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLPeerUnverifiedException;
import javax.net.ssl.SSLSession;
import org.apache.pekko.actor.ActorSystem;
import org.apache.pekko.remote.artery.tcp.SSLEngineProvider;
import scala.Option;

/**
 * Artery's TLS engines ({@code pekko.remote.artery.ssl.ssl-engine-provider}) from the node's {@link
 * InternodeTls}: TLS 1.3, mutual authentication, and a peer is accepted only if it presents the
 * internode public key (docs/ARCHITECTURE.md §2: "a node with another HSM key cannot even
 * connect"). Host names are not checked: the key is the identity.
 *
 * <p>Pekko creates it by reflection with the actor system; the key material comes from the system's
 * {@link InternodeTls} setup.
 */
public final class InternodeSslEngineProvider implements SSLEngineProvider {

  /** The only protocol offered. */
  static final String[] PROTOCOLS = {"TLSv1.3"};

  private final InternodeTls tls;
  private final SSLContext context;

  /**
   * Created by Pekko.
   *
   * @param system the clustered actor system
   * @throws IllegalStateException if the system was created without an {@link InternodeTls}
   */
  public InternodeSslEngineProvider(ActorSystem system) {
    this.tls =
        system
            .settings()
            .setup()
            .get(InternodeTls.class)
            .orElseThrow(
                () -> new IllegalStateException("the actor system has no InternodeTls setup"));
    this.context = tls.sslContext();
  }

  @Override
  public SSLEngine createServerSSLEngine(String hostname, int port) {
    SSLEngine engine = context.createSSLEngine();
    engine.setUseClientMode(false);
    engine.setNeedClientAuth(true);
    engine.setEnabledProtocols(PROTOCOLS);
    return engine;
  }

  @Override
  public SSLEngine createClientSSLEngine(String hostname, int port) {
    SSLEngine engine = context.createSSLEngine(hostname, port);
    engine.setUseClientMode(true);
    engine.setEnabledProtocols(PROTOCOLS);
    return engine;
  }

  @Override
  public Option<Throwable> verifyClientSession(String hostname, SSLSession session) {
    return verify(session);
  }

  @Override
  public Option<Throwable> verifyServerSession(String hostname, SSLSession session) {
    return verify(session);
  }

  private Option<Throwable> verify(SSLSession session) {
    try {
      Certificate[] chain = session.getPeerCertificates();
      if (chain.length > 0
          && chain[0] instanceof X509Certificate leaf
          && tls.holdsInternodeKey(leaf)) {
        return Option.empty();
      }
    } catch (SSLPeerUnverifiedException e) {
      return Option.apply(e);
    }
    return Option.apply(
        new SecurityException("the peer does not hold this cluster's internode key"));
  }
}
