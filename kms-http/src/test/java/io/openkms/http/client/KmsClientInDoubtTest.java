package io.openkms.http.client;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.openkms.http.proto.CreateKeyRequest;
import io.openkms.http.proto.DeleteKeyRequest;
import io.openkms.http.proto.ErrResponse;
import io.openkms.http.proto.KeyStatusRequest;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/**
 * Faults between the client and a server, caused for real: a server that accepts TCP but never
 * completes TLS (a paused node) is left after the connect timeout, which bounds the TLS handshake
 * too; a write whose request arrived and whose connection then closed without an answer (a node
 * killed mid-write) is retried, and its outcome says that it is in doubt.
 */
class KmsClientInDoubtTest {

  private static final CreateKeyRequest CREATE = CreateKeyRequest.newBuilder().setName("k").build();

  private static final TestHttpsServer.Answer OK = TestHttpsServer.Answer.of(200, null, null);

  private static TestHttpsServer.Answer error(int status, String message) {
    return TestHttpsServer.Answer.of(
        status,
        "application/octet-stream",
        ErrResponse.newBuilder().setMessage(message).build().toByteArray());
  }

  /** Closes the connection of the requests numbered in {@code lost}, answers the others. */
  private static FaultyTlsServer.Script losing(Set<Integer> lost, TestHttpsServer.Answer answer) {
    return index -> lost.contains(index) ? null : answer;
  }

  @Test
  void aServerThatNeverCompletesTlsIsLeftForTheNextWithinTheConnectTimeout() throws Exception {
    try (ClientFixtures.StalledServer stalled = new ClientFixtures.StalledServer();
        TestHttpsServer live = new TestHttpsServer(ClientFixtures.loopbackNode(), r -> OK)) {
      KmsClient client =
          ClientFixtures.client(0, stalled.host(), live.host())
              .connectTimeout(Duration.ofSeconds(1))
              .build();
      long started = System.nanoTime();
      client.createKey("e", CREATE);
      long millis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - started);
      assertEquals(1, live.requests().size());
      // the handshake bound (1 s) and not the request timeout (60 s); slack for a loaded machine
      assertTrue(millis >= 1000 && millis < 6000, "failover took " + millis + " ms");
    }
  }

  @Test
  void theDefaultConnectTimeoutOf5SecondsBoundsTheTlsHandshake() throws Exception {
    assertEquals(Duration.ofSeconds(5), KmsClientBuilder.DEFAULT_CONNECT_TIMEOUT);
    try (ClientFixtures.StalledServer stalled = new ClientFixtures.StalledServer()) {
      KmsClient client = ClientFixtures.client(0, stalled.host()).build();
      long started = System.nanoTime();
      KmsTransportException e =
          assertThrows(KmsTransportException.class, () -> client.createKey("e", CREATE));
      long millis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - started);
      assertTrue(millis >= 5000 && millis < 12_000, "gave up after " + millis + " ms");
      assertTrue(e.getMessage().contains("connect timed out"), e.getMessage());
      // nothing was sent: a write that failed here is not in doubt
      assertFalse(e.answerLost());
      assertFalse(e.inDoubt());
      assertEquals(List.of(), e.answerLostAt());
    }
  }

  @Test
  void aRetrysConflictAfterALostAnswerSaysTheWriteIsInDoubt() throws Exception {
    AtomicInteger requests = new AtomicInteger();
    FaultyTlsServer.Script script = losing(Set.of(0), error(409, "key already exists"));
    try (FaultyTlsServer killed =
            new FaultyTlsServer(ClientFixtures.loopbackNode(), requests, script);
        FaultyTlsServer other =
            new FaultyTlsServer(ClientFixtures.loopbackNode(), requests, script)) {
      AtomicLong now = new AtomicLong();
      KmsClient client =
          ClientFixtures.client(0, killed.host(), other.host()).nanoClock(now::get).build();
      KmsClientException e =
          assertThrows(KmsClientException.class, () -> client.createKey("e", CREATE));
      assertTrue(e.is(409, "key already exists"), e.toString());
      assertEquals(other.host(), e.host());
      assertEquals(List.of("POST /v1/kms/e HTTP/1.1"), killed.requestLines());
      assertEquals(List.of("POST /v1/kms/e HTTP/1.1"), other.requestLines());
      assertTrue(e.inDoubt());
      assertEquals(List.of(killed.host()), e.answerLostAt());
      assertEquals(1, e.earlierAttempts().size());
      KmsTransportException lost = e.earlierAttempts().get(0);
      assertEquals(killed.host(), lost.host());
      assertTrue(lost.answerLost());
      assertEquals(1, e.getSuppressed().length);

      // The same fault under a read, once the failure is forgotten: retried, not in doubt.
      requests.set(0);
      now.addAndGet(TimeUnit.SECONDS.toNanos(30));
      KmsClientException read =
          assertThrows(
              KmsClientException.class,
              () -> client.keyStatus("e", KeyStatusRequest.newBuilder().setName("k").build()));
      assertFalse(read.inDoubt());
      assertEquals(List.of(killed.host()), read.answerLostAt());
    }
  }

  @Test
  void aWriteWhoseEveryAttemptLostItsAnswerIsInDoubt() throws Exception {
    AtomicInteger requests = new AtomicInteger();
    FaultyTlsServer.Script script = index -> null;
    try (FaultyTlsServer a = new FaultyTlsServer(ClientFixtures.loopbackNode(), requests, script);
        FaultyTlsServer b = new FaultyTlsServer(ClientFixtures.loopbackNode(), requests, script)) {
      KmsClient client = ClientFixtures.client(0, a.host(), b.host()).build();
      KmsTransportException e =
          assertThrows(KmsTransportException.class, () -> client.createKey("e", CREATE));
      assertEquals(b.host(), e.host());
      assertTrue(e.answerLost());
      assertTrue(e.inDoubt());
      assertEquals(List.of(a.host(), b.host()), e.answerLostAt());
      assertEquals(1, e.earlierAttempts().size());
      assertEquals(2, requests.get());
    }
  }

  @Test
  void aDeleteOfTheLatestVersionIsNotSentAgainAfterALostAnswer() throws Exception {
    AtomicInteger requests = new AtomicInteger();
    FaultyTlsServer.Script script = losing(Set.of(0, 1), OK);
    try (FaultyTlsServer killed =
            new FaultyTlsServer(ClientFixtures.loopbackNode(), requests, script);
        FaultyTlsServer other =
            new FaultyTlsServer(ClientFixtures.loopbackNode(), requests, script)) {
      AtomicLong now = new AtomicLong();
      KmsClient client =
          ClientFixtures.client(0, killed.host(), other.host()).nanoClock(now::get).build();
      // Latest version: a second attempt would delete the version before it.
      KmsTransportException e =
          assertThrows(
              KmsTransportException.class,
              () -> client.deleteKey("e", DeleteKeyRequest.newBuilder().setName("k").build()));
      assertEquals(killed.host(), e.host());
      assertTrue(e.inDoubt());
      assertEquals(List.of(), other.requestLines());

      // A given version (or all of them) is retried: a repeat only gives 404.
      now.addAndGet(TimeUnit.SECONDS.toNanos(30));
      client.deleteKey("e", DeleteKeyRequest.newBuilder().setName("k").setVersion(2).build());
      assertEquals(2, killed.requestLines().size());
      assertEquals(1, other.requestLines().size());
    }
  }

  @Test
  void everyHostTriedAndSkippedIsInTheError() throws Exception {
    String a = "127.0.0.1:" + ClientFixtures.deadPort();
    String b = "127.0.0.1:" + ClientFixtures.deadPort();
    String c = "127.0.0.1:" + ClientFixtures.deadPort();
    AtomicLong now = new AtomicLong();
    KmsClient client = ClientFixtures.client(0, a, b, c).nanoClock(now::get).build();
    KmsTransportException all =
        assertThrows(KmsTransportException.class, () -> client.createKey("e", CREATE));
    assertEquals(c, all.host());
    assertEquals(
        List.of(a, b), all.earlierAttempts().stream().map(KmsRequestException::host).toList());
    assertEquals(2, all.getSuppressed().length);
    assertEquals(List.of(), all.skippedHosts());
    assertFalse(all.inDoubt());

    // 10 s later all three are still remembered as failed: a is tried (the start host), b and c
    // are skipped, and the error says when they failed.
    now.addAndGet(TimeUnit.SECONDS.toNanos(10));
    KmsTransportException later =
        assertThrows(KmsTransportException.class, () -> client.createKey("e", CREATE));
    assertEquals(a, later.host());
    assertEquals(List.of(), later.earlierAttempts());
    assertEquals(
        List.of(
            new KmsRequestException.SkippedHost(b, Duration.ofSeconds(10), Duration.ofSeconds(30)),
            new KmsRequestException.SkippedHost(c, Duration.ofSeconds(10), Duration.ofSeconds(30))),
        later.skippedHosts());
  }
}
