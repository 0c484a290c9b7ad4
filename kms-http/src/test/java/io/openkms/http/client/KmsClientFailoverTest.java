package io.openkms.http.client;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.openkms.http.proto.CreateKeyRequest;
import io.openkms.http.proto.ErrResponse;
import io.openkms.http.tls.SelfSigned;
import io.openkms.http.tls.TestKeys;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Load balancing and retry of docs/PROTOCOL.md §7 against real endpoints: refused and closed
 * connections and timeouts are retried on the other hosts in list order; HTTP errors (503 included)
 * are not.
 */
class KmsClientFailoverTest {

  private static final CreateKeyRequest CREATE = CreateKeyRequest.newBuilder().setName("k").build();

  private TestHttpsServer live;

  @BeforeEach
  void start() throws Exception {
    live =
        new TestHttpsServer(
            ClientFixtures.loopbackNode(), r -> TestHttpsServer.Answer.of(200, null, null));
  }

  @AfterEach
  void stop() {
    live.close();
  }

  @Test
  void refusedHostFailsOverToTheNextOne() throws Exception {
    String dead = "127.0.0.1:" + ClientFixtures.deadPort();
    KmsClient client = ClientFixtures.client(0, dead, live.host()).build();
    client.createKey("e", CREATE);
    assertEquals(1, live.requests().size());
  }

  @Test
  void closedConnectionFailsOverAndTheHostIsAvoidedFor30Seconds() throws Exception {
    AtomicLong now = new AtomicLong(0);
    try (ClientFixtures.ClosingServer closing = new ClientFixtures.ClosingServer()) {
      KmsClient client =
          ClientFixtures.client(0, closing.host(), live.host()).nanoClock(now::get).build();
      client.createKey("e", CREATE);
      assertEquals(1, closing.accepted());
      assertEquals(1, live.requests().size());

      // Random start 0 again: the failed host is skipped, no new connection to it.
      now.addAndGet(TimeUnit.SECONDS.toNanos(29));
      client.createKey("e", CREATE);
      assertEquals(1, closing.accepted());
      assertEquals(2, live.requests().size());

      // 30 s after the failure it is tried again (and fails over again).
      now.addAndGet(TimeUnit.SECONDS.toNanos(1));
      client.createKey("e", CREATE);
      assertEquals(2, closing.accepted());
      assertEquals(3, live.requests().size());
    }
  }

  @Test
  void retriesGoInListOrderAfterTheFailedHostWrapping() throws Exception {
    try (ClientFixtures.ClosingServer a = new ClientFixtures.ClosingServer();
        TestHttpsServer c =
            new TestHttpsServer(
                ClientFixtures.loopbackNode(), r -> TestHttpsServer.Answer.of(200, null, null))) {
      // hosts [live, a, c], random start 1 (a): next is c, not live.
      KmsClient client = ClientFixtures.client(1, live.host(), a.host(), c.host()).build();
      client.createKey("e", CREATE);
      assertEquals(1, a.accepted());
      assertEquals(1, c.requests().size());
      assertEquals(0, live.requests().size());
    }
  }

  @Test
  void allHostsDownGivesTheLastTransportError() throws Exception {
    String dead1 = "127.0.0.1:" + ClientFixtures.deadPort();
    try (ClientFixtures.ClosingServer closing = new ClientFixtures.ClosingServer()) {
      KmsClient client = ClientFixtures.client(0, dead1, closing.host()).build();
      KmsTransportException e =
          assertThrows(KmsTransportException.class, () -> client.createKey("e", CREATE));
      assertEquals(closing.host(), e.host());
      assertTrue(e.getMessage().startsWith(closing.host() + ": "), e.getMessage());
      assertTrue(e.retryable());
      assertEquals(1, e.getSuppressed().length);
      KmsTransportException first = (KmsTransportException) e.getSuppressed()[0];
      assertEquals(dead1, first.host());
      assertTrue(
          first.getMessage().startsWith(dead1 + ": connection failed: "), first.getMessage());
      assertEquals(1, closing.accepted());
    }
  }

  @Test
  void http503IsNotRetried() throws Exception {
    try (TestHttpsServer unavailable =
        new TestHttpsServer(
            ClientFixtures.loopbackNode(),
            r ->
                TestHttpsServer.Answer.of(
                    503,
                    "application/octet-stream",
                    ErrResponse.newBuilder()
                        .setMessage("cluster has no leader")
                        .build()
                        .toByteArray()))) {
      KmsClient client = ClientFixtures.client(0, unavailable.host(), live.host()).build();
      KmsClientException e =
          assertThrows(KmsClientException.class, () -> client.createKey("e", CREATE));
      assertTrue(e.is(503, "cluster has no leader"));
      assertEquals(unavailable.host(), e.host());
      assertEquals(1, unavailable.requests().size());
      assertEquals(0, live.requests().size());
      // Nor is the host marked failed: the next call starts there again.
      assertThrows(KmsClientException.class, () -> client.createKey("e", CREATE));
      assertEquals(2, unavailable.requests().size());
    }
  }

  @Test
  void requestTimeoutIsRetriedOnAnotherHost() throws Exception {
    try (TestHttpsServer slow =
        new TestHttpsServer(
            ClientFixtures.loopbackNode(),
            r -> {
              Thread.sleep(3000);
              return TestHttpsServer.Answer.of(200, null, null);
            })) {
      KmsClient client =
          ClientFixtures.client(0, slow.host(), live.host())
              .requestTimeout(Duration.ofMillis(500))
              .build();
      client.createKey("e", CREATE);
      assertEquals(1, live.requests().size());
      KmsClient slowOnly =
          ClientFixtures.client(0, slow.host()).requestTimeout(Duration.ofMillis(500)).build();
      KmsTransportException e =
          assertThrows(KmsTransportException.class, () -> slowOnly.createKey("e", CREATE));
      assertEquals(
          slow.host() + ": request timed out: HttpTimeoutException: request timed out",
          e.getMessage());
    }
  }

  @Test
  void directViewDoesNotRetry() throws Exception {
    String dead = "127.0.0.1:" + ClientFixtures.deadPort();
    KmsClient client = ClientFixtures.client(0, live.host(), dead).build();
    KmsTransportException e =
        assertThrows(KmsTransportException.class, () -> client.direct(dead).createKey("e", CREATE));
    assertEquals(dead, e.host());
    assertEquals(0, live.requests().size());
  }

  @Test
  void untrustedServerIsATransportErrorThatFailsOver() throws Exception {
    // A server whose certificate the client does not trust: TLS fails, the next host is tried.
    var keys = TestKeys.ec("secp256r1");
    var selfSigned =
        new io.openkms.http.tls.CertifiedKey(
            keys,
            List.of(SelfSigned.serverCertificate(keys, List.of("127.0.0.1"), Duration.ofDays(1))));
    try (TestHttpsServer untrusted =
        new TestHttpsServer(selfSigned, r -> TestHttpsServer.Answer.of(200, null, null))) {
      KmsClient client = ClientFixtures.client(0, untrusted.host(), live.host()).build();
      client.createKey("e", CREATE);
      assertEquals(0, untrusted.requests().size());
      assertEquals(1, live.requests().size());
      KmsClient only = ClientFixtures.client(0, untrusted.host()).build();
      KmsTransportException e =
          assertThrows(KmsTransportException.class, () -> only.createKey("e", CREATE));
      assertTrue(e.getMessage().startsWith(untrusted.host() + ": TLS failed: "), e.getMessage());
    }
  }
}
