package io.openkms.http.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.openkms.kms.crypto.ApiKey;
import io.openkms.kms.crypto.Identity;
import java.io.IOException;
import java.net.http.HttpClient;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * While the node refuses clients ({@link ConnectionGate}: joining, or not admitted by its cluster),
 * the API port closes client connections at the TLS level before any HTTP response, so that a
 * client sees a transport error and tries another server (MinIO's kms-go fails over only on those,
 * never on a 503); exempt identities (here the root) and connections without a certificate are
 * still served. Before: every client got an HTTP answer (503) and did not fail over.
 */
class KmsApiConnectionGateTest {

  private static final AtomicBoolean CLOSED = new AtomicBoolean();
  private static TestKmsServer server;

  @BeforeAll
  static void start() throws Exception {
    server =
        TestKmsServer.startGated(
            root ->
                new ConnectionGate() {
                  @Override
                  public boolean closed() {
                    return CLOSED.get();
                  }

                  @Override
                  public boolean exempt(String identity) {
                    return identity == null || Identity.parse(identity).equals(root);
                  }
                });
  }

  @AfterAll
  static void stop() {
    server.close();
  }

  @AfterEach
  void open() {
    CLOSED.set(false);
  }

  private static int version(HttpClient http) throws Exception {
    return server.get(http, "/version").statusCode();
  }

  @Test
  void aUserGetsATransportErrorOnANewConnectionWhileTheGateIsClosed() throws Exception {
    CLOSED.set(true);
    for (HttpClient.Version v : HttpClient.Version.values()) {
      for (String tls : new String[] {"TLSv1.3", "TLSv1.2"}) {
        HttpClient user = server.raw(ApiKey.generate(), v, tls);
        assertThrows(IOException.class, () -> version(user), v + " " + tls);
      }
    }
  }

  @Test
  void rootAndClientsWithoutCertificateAreServedWhileTheGateIsClosed() throws Exception {
    CLOSED.set(true);
    for (HttpClient.Version v : HttpClient.Version.values()) {
      assertEquals(200, version(server.raw(server.rootKey(), v, null)), v.toString());
      assertEquals(200, version(server.raw(null, v, null)), v.toString());
    }
  }

  @Test
  void everyoneIsServedWhileTheGateIsOpen() throws Exception {
    for (HttpClient.Version v : HttpClient.Version.values()) {
      assertEquals(200, version(server.raw(ApiKey.generate(), v, null)), v.toString());
      assertEquals(200, version(server.raw(server.rootKey(), v, null)), v.toString());
    }
  }

  @Test
  void anOpenUserConnectionIsClosedAtItsNextRequestOnceTheGateCloses() throws Exception {
    for (HttpClient.Version v : HttpClient.Version.values()) {
      HttpClient user = server.raw(ApiKey.generate(), v, null);
      assertEquals(200, version(user), v.toString()); // connection open and kept
      CLOSED.set(true);
      assertThrows(IOException.class, () -> version(user), v.toString());
      CLOSED.set(false);
      assertEquals(200, version(user), v.toString()); // a new connection is served again
    }
  }

  @Test
  void theGateOfAContextExemptsItsRootsAndConnectionsWithoutCertificate() {
    ApiKey root = ApiKey.generate();
    ConnectionGate gate =
        ConnectionGate.of(
            new ApiContext(
                server.node(),
                new ApiContext.ServerInfo("v", "c", "v1", "h"),
                java.util.Set.of(root.identity()),
                java.time.Clock.systemUTC()));
    assertEquals(false, gate.closed()); // a LocalNode never refuses clients
    assertEquals(true, gate.exempt(null));
    assertEquals(true, gate.exempt(root.identity().toString()));
    assertEquals(false, gate.exempt(ApiKey.generate().identity().toString()));
    assertEquals(false, gate.exempt("not an identity"));
  }
}
