package io.openkms.http.client;

import static io.openkms.http.client.ClientFixtures.frames;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.openkms.http.proto.ListKeysResponse;
import io.openkms.http.proto.ListRequest;
import io.openkms.http.wire.Frame;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * {@link KmsClient#close()}: the JDK HTTP client's selector thread, which sits in native code
 * ({@code epoll_wait}) and so holds up a JVM's exit by up to 300 ms, ends.
 */
@Timeout(60) // a request after close once waited forever
class KmsClientCloseTest {

  private TestHttpsServer server;

  @BeforeEach
  void start() throws Exception {
    server =
        new TestHttpsServer(
            ClientFixtures.loopbackNode(),
            r -> frames(new Frame(208, ListKeysResponse.getDefaultInstance().toByteArray())));
  }

  @AfterEach
  void stop() {
    server.close();
  }

  @Test
  void closeEndsTheSelectorThreadAndLaterRequestsFail() throws Exception {
    KmsClient client = ClientFixtures.client(0, server.host()).build();
    client.listKeys("e", ListRequest.getDefaultInstance());
    Thread selector = HttpTransport.selectorThread(client.transport().http().toString());
    assertNotNull(selector, "the selector thread of a client that sent a request");
    assertTrue(selector.isAlive());

    client.close();

    assertFalse(selector.isAlive(), "close() waits for the selector thread to end");
    assertNull(HttpTransport.selectorThread(client.transport().http().toString()));
    KmsTransportException e =
        assertThrows(
            KmsTransportException.class,
            () -> client.listKeys("e", ListRequest.getDefaultInstance()));
    assertFalse(e.retryable());
    assertEquals(server.host() + ": client closed", e.getMessage());
    assertEquals(1, server.requests().size());
    client.close(); // idempotent
  }

  @Test
  void aDirectViewClosesTheSharedTransport() throws Exception {
    KmsClient client = ClientFixtures.client(0, server.host()).build();
    KmsClient view = client.direct(server.host());
    view.listKeys("e", ListRequest.getDefaultInstance());
    Thread selector = HttpTransport.selectorThread(client.transport().http().toString());
    assertNotNull(selector);

    view.close();

    assertFalse(selector.isAlive());
  }

  @Test
  void aClientWithoutTheJdkNamingHasNoSelectorThread() {
    assertNull(HttpTransport.selectorThread("SomeOtherHttpClient@1f2e"));
    assertNull(HttpTransport.selectorThread("jdk.internal.net.http.HttpClientImpl@1f2e(999999)"));
  }
}
