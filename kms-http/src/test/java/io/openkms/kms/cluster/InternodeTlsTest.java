package io.openkms.kms.cluster;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.openkms.http.tls.SelfSigned;
import io.openkms.kms.crypto.ApiKey;
import java.net.InetAddress;
import java.security.KeyPair;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SSLException;
import javax.net.ssl.SSLServerSocket;
import javax.net.ssl.SSLSocket;
import org.junit.jupiter.api.Test;

/**
 * Artery's TLS rule (docs/ARCHITECTURE.md §2): a peer is accepted only if it presents the internode
 * key — the same on every node with the same HSM key — as client and as server, over TLS 1.3 with
 * Ed25519 certificates. Lives in kms-http's tests for the certificate helper.
 */
class InternodeTlsTest {

  private static InternodeTls tls(KeyPair key) {
    return new InternodeTls(
        key, SelfSigned.serverCertificate(key, List.of("127.0.0.1"), Duration.ofDays(1)));
  }

  /** Runs one handshake; returns the server's view (null on success) and throws the client's. */
  private static Throwable handshake(InternodeTls server, InternodeTls client) throws Exception {
    try (SSLServerSocket listener =
        (SSLServerSocket)
            server
                .sslContext()
                .getServerSocketFactory()
                .createServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      listener.setNeedClientAuth(true);
      listener.setEnabledProtocols(InternodeSslEngineProvider.PROTOCOLS);
      CompletableFuture<Throwable> serverSide =
          CompletableFuture.supplyAsync(
              () -> {
                try (SSLSocket s = (SSLSocket) listener.accept()) {
                  s.startHandshake();
                  s.getOutputStream().write(1);
                  s.getOutputStream().flush();
                  return null;
                } catch (Exception e) {
                  return e;
                }
              });
      try (SSLSocket s =
          (SSLSocket)
              client
                  .sslContext()
                  .getSocketFactory()
                  .createSocket(InetAddress.getLoopbackAddress(), listener.getLocalPort())) {
        s.setEnabledProtocols(InternodeSslEngineProvider.PROTOCOLS);
        s.startHandshake();
        assertEquals(1, s.getInputStream().read());
        assertEquals("TLSv1.3", s.getSession().getProtocol());
      } finally {
        Throwable serverError = serverSide.get(10, TimeUnit.SECONDS);
        if (serverError != null) {
          throw new SSLException("server side: " + serverError.getMessage(), serverError);
        }
      }
      return null;
    }
  }

  @Test
  void sameKeyConnects() throws Exception {
    KeyPair internode = ApiKey.fromSeed(new byte[32]).keyPair();
    assertEquals(null, handshake(tls(internode), tls(internode)));
  }

  @Test
  void anotherKeyCannotConnectEitherWay() {
    InternodeTls ours = tls(ApiKey.generate().keyPair());
    InternodeTls theirs = tls(ApiKey.generate().keyPair());
    assertThrows(SSLException.class, () -> handshake(ours, theirs));
    assertThrows(SSLException.class, () -> handshake(theirs, ours));
  }

  @Test
  void theCertificateMustBeForTheKey() {
    KeyPair a = ApiKey.generate().keyPair();
    KeyPair b = ApiKey.generate().keyPair();
    IllegalArgumentException e =
        assertThrows(
            IllegalArgumentException.class,
            () ->
                new InternodeTls(
                    a, SelfSigned.serverCertificate(b, List.of("h"), Duration.ofDays(1))));
    assertEquals("the certificate is not for the internode key", e.getMessage());
    assertTrue(tls(a).holdsInternodeKey(tls(a).certificate()));
  }
}
