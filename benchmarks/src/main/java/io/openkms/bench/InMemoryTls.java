package io.openkms.bench;

import io.openkms.http.tls.ClientCertificate;
import io.openkms.http.tls.ClientTls;
import io.openkms.http.tls.SelfSigned;
import io.openkms.http.tls.ServerTls;
import io.openkms.kms.crypto.ApiKey;
import java.nio.ByteBuffer;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.List;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLEngineResult.HandshakeStatus;
import javax.net.ssl.SSLException;
import javax.net.ssl.SSLSession;

/**
 * A real TLS 1.3 handshake between a server engine made as the node makes it ({@link
 * ServerTls#newEngine}: client certificate required) and a client engine holding an API key's
 * certificate ({@link ClientCertificate#of}), run in memory without sockets. It yields the server
 * side's {@link SSLSession}: the object {@code CallerIdentity} reads the client certificate from
 * and caches the identity in.
 */
final class InMemoryTls {

  private static final int MAX_STEPS = 1_000;
  private static final ByteBuffer EMPTY = ByteBuffer.allocate(0);

  private InMemoryTls() {}

  /**
   * Runs the handshake for {@code apiKey}'s certificate.
   *
   * @return the server's session, whose peer certificate chain is the client's certificate
   * @throws IllegalStateException if the handshake does not finish within 1,000 steps
   */
  static SSLSession serverSession(ApiKey apiKey) throws GeneralSecurityException, SSLException {
    KeyPairGenerator gen = KeyPairGenerator.getInstance("EC");
    gen.initialize(256);
    KeyPair serverKey = gen.generateKeyPair();
    X509Certificate serverCert =
        SelfSigned.serverCertificate(serverKey, List.of("localhost"), Duration.ofDays(1));
    SSLEngine server = ServerTls.newEngine(ServerTls.sslContext(serverKey, List.of(serverCert)));

    KeyPair clientKey = apiKey.keyPair();
    X509Certificate clientCert = ClientCertificate.of(clientKey, apiKey.identity().toString());
    SSLContext clientContext = ClientTls.sslContext(clientKey, clientCert, null, true);
    SSLEngine client = clientContext.createSSLEngine("localhost", 7373);
    client.setUseClientMode(true);
    client.setSSLParameters(ClientTls.sslParameters(clientContext));

    int packet =
        Math.max(
            client.getSession().getPacketBufferSize(), server.getSession().getPacketBufferSize());
    int app =
        Math.max(
            client.getSession().getApplicationBufferSize(),
            server.getSession().getApplicationBufferSize());
    ByteBuffer toServer = ByteBuffer.allocate(packet * 4);
    ByteBuffer toClient = ByteBuffer.allocate(packet * 4);
    ByteBuffer clientApp = ByteBuffer.allocate(app * 2);
    ByteBuffer serverApp = ByteBuffer.allocate(app * 2);
    client.beginHandshake();
    server.beginHandshake();
    for (int i = 0; i < MAX_STEPS; i++) {
      boolean moved = step(client, toServer, toClient, clientApp);
      moved |= step(server, toClient, toServer, serverApp);
      if (!moved && idle(client) && idle(server)) {
        return server.getSession();
      }
    }
    throw new IllegalStateException("TLS handshake did not finish in " + MAX_STEPS + " steps");
  }

  private static boolean idle(SSLEngine e) {
    HandshakeStatus s = e.getHandshakeStatus();
    return s == HandshakeStatus.NOT_HANDSHAKING || s == HandshakeStatus.FINISHED;
  }

  /**
   * One move of {@code engine}: wrap into {@code out}, unwrap from {@code in}, or run its delegated
   * tasks. Both buffers stay in write mode between calls.
   *
   * @return true if the engine produced or consumed bytes or ran a task
   */
  private static boolean step(SSLEngine engine, ByteBuffer out, ByteBuffer in, ByteBuffer app)
      throws SSLException {
    switch (engine.getHandshakeStatus()) {
      case NEED_WRAP:
        return engine.wrap(EMPTY, out).bytesProduced() > 0;
      case NEED_UNWRAP:
      case NEED_UNWRAP_AGAIN:
        {
          in.flip();
          int consumed = engine.unwrap(in, app).bytesConsumed();
          in.compact();
          return consumed > 0;
        }
      case NEED_TASK:
        {
          Runnable task;
          while ((task = engine.getDelegatedTask()) != null) {
            task.run();
          }
          return true;
        }
      default:
        {
          if (in.position() == 0) {
            return false;
          }
          in.flip(); // post-handshake messages (TLS 1.3 session tickets)
          int consumed = engine.unwrap(in, app).bytesConsumed();
          in.compact();
          return consumed > 0;
        }
    }
  }
}
