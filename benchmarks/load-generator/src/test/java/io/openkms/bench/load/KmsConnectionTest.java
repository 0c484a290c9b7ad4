package io.openkms.bench.load;

import static io.openkms.http.client.ClientFixtures.frames;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.openkms.http.client.ClientFixtures;
import io.openkms.http.client.KmsClientException;
import io.openkms.http.client.KmsProtocolException;
import io.openkms.http.client.KmsTransportException;
import io.openkms.http.client.TestHttpsServer;
import io.openkms.http.proto.ErrResponse;
import io.openkms.http.tls.ClientCertificate;
import io.openkms.http.tls.ClientTls;
import io.openkms.http.tls.Identities;
import io.openkms.http.tls.TestCa;
import io.openkms.http.wire.Frame;
import io.openkms.http.wire.Frames;
import java.nio.charset.StandardCharsets;
import java.security.KeyPair;
import java.time.Duration;
import java.util.List;
import javax.net.ssl.SSLContext;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The blocking HTTP/1.1 keep-alive connection of {@code minkms bench}. */
class KmsConnectionTest {

  private static final byte[] A = "a".getBytes(StandardCharsets.UTF_8);
  private static final byte[] B = "bb".getBytes(StandardCharsets.UTF_8);

  private TestHttpsServer server;

  @BeforeEach
  void start() throws Exception {
    server =
        new TestHttpsServer(
            ClientFixtures.loopbackNode(), r -> frames(new Frame(207, A), new Frame(207, B)));
  }

  @AfterEach
  void stop() {
    server.close();
  }

  private static SSLContext context(TestCa trusted) throws Exception {
    KeyPair key = ClientFixtures.apiKey();
    return ClientTls.sslContext(
        key,
        ClientCertificate.of(key, Identities.of(key.getPublic())),
        trusted.trustStore(),
        false);
  }

  private KmsConnection connection() throws Exception {
    return new KmsConnection(
        context(ClientFixtures.CA), true, server.host(), Duration.ofSeconds(5));
  }

  @Test
  void sendsFramesOnOneKeptAliveConnection() throws Exception {
    try (KmsConnection c = connection()) {
      List<byte[]> first = c.send("e1", 207, List.of(new byte[] {1}, new byte[] {2}));
      List<byte[]> second = c.send("e1", 207, List.of(new byte[] {3}, new byte[] {4}));
      assertArrayEquals(A, first.get(0));
      assertArrayEquals(B, first.get(1));
      assertArrayEquals(B, second.get(1));
    }
    List<TestHttpsServer.Seen> seen = server.requests();
    assertEquals(2, seen.size());
    TestHttpsServer.Seen r = seen.get(0);
    assertEquals("POST", r.method());
    assertEquals("/v1/kms/e1", r.rawPath());
    assertEquals("application/octet-stream", r.header("Content-type"));
    assertEquals("application/octet-stream", r.header("Accept"));
    assertEquals(ClientFixtures.IDENTITY, r.identity());
    assertEquals(
        List.of(new Frame(207, new byte[] {1}), new Frame(207, new byte[] {2})),
        Frames.decode(r.body()));
  }

  @Test
  void readsAChunkedAnswer() throws Exception {
    server.handler(
        r ->
            new TestHttpsServer.Answer(
                200, "application/octet-stream", Frames.encode(List.of(new Frame(205, A))), true));
    try (KmsConnection c = connection()) {
      assertArrayEquals(A, c.send("", 205, List.of(new byte[] {9})).get(0));
      assertArrayEquals(A, c.send("", 205, List.of(new byte[] {9})).get(0));
    }
    assertEquals("/v1/kms", server.requests().get(0).rawPath());
  }

  @Test
  void anErrorAnswerKeepsTheConnectionUsable() throws Exception {
    server.handler(
        r ->
            TestHttpsServer.Answer.of(
                404,
                "application/octet-stream",
                ErrResponse.newBuilder().setMessage("key does not exist").build().toByteArray()));
    try (KmsConnection c = connection()) {
      KmsClientException e =
          assertThrows(KmsClientException.class, () -> c.send("e", 207, List.of(A)));
      assertTrue(e.is(404, "key does not exist"));
      assertEquals(server.host(), e.host());
      server.handler(r -> frames(new Frame(207, B)));
      assertArrayEquals(B, c.send("e", 207, List.of(A)).get(0));
    }
  }

  @Test
  void anEmptyAnswerGivesNoPayloads() throws Exception {
    server.handler(r -> TestHttpsServer.Answer.of(200, null, null));
    try (KmsConnection c = connection()) {
      assertEquals(List.of(), c.send("e", 201, List.of(A)));
    }
  }

  @Test
  void framesOfAnotherCommandAreAProtocolError() throws Exception {
    server.handler(r -> frames(new Frame(206, A)));
    try (KmsConnection c = connection()) {
      assertThrows(KmsProtocolException.class, () -> c.send("e", 207, List.of(A)));
    }
  }

  @Test
  void aRefusedConnectionIsARetryableTransportError() throws Exception {
    KmsConnection c =
        new KmsConnection(
            context(ClientFixtures.CA),
            true,
            "127.0.0.1:" + ClientFixtures.deadPort(),
            Duration.ofSeconds(2));
    KmsTransportException e =
        assertThrows(KmsTransportException.class, () -> c.send("e", 207, List.of(A)));
    assertTrue(e.retryable());
    assertTrue(e.getMessage().contains("connection failed"), e.getMessage());
  }

  @Test
  void aServerThatHangsUpIsATransportError() throws Exception {
    try (ClientFixtures.ClosingServer closing = new ClientFixtures.ClosingServer();
        KmsConnection c =
            new KmsConnection(
                context(ClientFixtures.CA), true, closing.host(), Duration.ofSeconds(2))) {
      assertThrows(KmsTransportException.class, () -> c.send("e", 207, List.of(A)));
    }
  }

  @Test
  void anUntrustedServerIsRefused() throws Exception {
    try (KmsConnection c =
        new KmsConnection(
            context(TestCa.create("another CA")), true, server.host(), Duration.ofSeconds(5))) {
      KmsTransportException e =
          assertThrows(KmsTransportException.class, () -> c.send("e", 207, List.of(A)));
      assertTrue(e.getMessage().contains("TLS failed"), e.getMessage());
    }
    assertFalse(server.requests().size() > 0);
  }
}
