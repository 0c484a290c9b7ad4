package io.openkms.cli.commands;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.openkms.cli.CliException;
import io.openkms.cli.CliRun;
import io.openkms.http.client.ClientFixtures;
import io.openkms.http.client.FaultyTlsServer;
import io.openkms.http.client.KmsClient;
import io.openkms.http.client.KmsClientException;
import io.openkms.http.client.KmsProtocolException;
import io.openkms.http.client.KmsTransportException;
import io.openkms.http.client.TestHttpsServer;
import io.openkms.http.proto.CreateKeyRequest;
import io.openkms.http.proto.ErrResponse;
import java.io.IOException;
import java.net.ConnectException;
import java.net.NoRouteToHostException;
import java.net.http.HttpConnectTimeoutException;
import java.net.http.HttpTimeoutException;
import java.nio.channels.UnresolvedAddressException;
import java.security.cert.CertPathValidatorException;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import javax.net.ssl.SSLHandshakeException;
import org.junit.jupiter.api.Test;

/**
 * {@link ClientErrors}: each kind of client error becomes one line that says what to do
 * (docs/REFERENCE.md §9). The real refused connection and untrusted certificate are also exercised
 * end to end in {@link ClusterCommandsTest}.
 */
class ClientErrorsTest {
  private static final String HOST = "10.0.0.1:7373";

  private static void assertFailure(String message, RuntimeException e) {
    CliException cli = ClientErrors.of((io.openkms.http.client.KmsRequestException) e);
    assertEquals(message, cli.getMessage());
    assertEquals(CliException.FAILURE, cli.exitCode());
  }

  private static KmsTransportException transport(Throwable cause) {
    return new KmsTransportException(HOST, "failed", cause, true);
  }

  private static IOException wrapped(Throwable cause) {
    return new IOException(cause);
  }

  @Test
  void serverErrorsAreTheServersMessage() {
    assertFailure(
        "access denied: insufficient permissions",
        new KmsClientException(403, "access denied: insufficient permissions", HOST));
    assertFailure("key does not exist", new KmsClientException(404, "key does not exist", HOST));
  }

  @Test
  void protocolErrorsNameTheServer() {
    assertFailure(
        "https://10.0.0.1:7373: request content length is negative",
        new KmsProtocolException("request content length is negative", HOST));
  }

  @Test
  void networkErrorsSayWhatToCheck() {
    String hint = " — is the server running? check MINIO_KMS_SERVER";
    assertFailure(
        "cannot reach https://10.0.0.1:7373: connection refused" + hint,
        transport(new ConnectException()));
    assertFailure(
        "cannot reach https://10.0.0.1:7373: connection refused" + hint,
        transport(wrapped(new ConnectException("Connection refused"))));
    assertFailure(
        "cannot reach https://10.0.0.1:7373: connection timed out" + hint,
        transport(new HttpConnectTimeoutException("HTTP connect timed out")));
    assertFailure(
        "cannot reach https://10.0.0.1:7373: request timed out" + hint,
        transport(new HttpTimeoutException("request timed out")));
    assertFailure(
        "cannot reach https://10.0.0.1:7373: unknown host" + hint,
        transport(new ConnectException().initCause(new UnresolvedAddressException())));
    assertFailure(
        "cannot reach https://10.0.0.1:7373: no route to host" + hint,
        transport(wrapped(new NoRouteToHostException("No route to host"))));
    assertFailure(
        "cannot reach https://10.0.0.1:7373: stream reset" + hint,
        transport(new IOException("stream reset")));
    assertFailure(
        "cannot reach https://10.0.0.1:7373: interrupted" + hint,
        new KmsTransportException(HOST, "interrupted", null, false));
  }

  @Test
  void everyHostTriedIsNamed() {
    KmsTransportException first =
        new KmsTransportException("a:7373", "connection failed", new ConnectException(), true);
    KmsTransportException last =
        new KmsTransportException("b:7373", "connection failed", new ConnectException(), true);
    last.addSuppressed(first);
    assertFailure(
        "cannot reach https://a:7373, https://b:7373: connection refused — is the server running?"
            + " check MINIO_KMS_SERVER",
        last);
  }

  @Test
  void tlsErrorsSayHowToTrustTheServer() {
    assertFailure(
        "https://10.0.0.1:7373: certificate signed by unknown authority: use -k/--insecure for self-signed"
            + " certificates or add the CA to ~/.minkms/certs/CAs",
        transport(
            new SSLHandshakeException(
                "PKIX path building failed: unable to find valid certification path")));
    assertFailure(
        "https://10.0.0.1:7373: certificate signed by unknown authority: use -k/--insecure for self-signed"
            + " certificates or add the CA to ~/.minkms/certs/CAs",
        transport(
            new SSLHandshakeException("x").initCause(new CertPathValidatorException("expired"))));
    assertFailure(
        "https://10.0.0.1:7373: certificate is not valid for this host name: check MINIO_KMS_SERVER, or use"
            + " -k/--insecure",
        transport(
            new SSLHandshakeException(
                "No subject alternative names matching IP address 10.0.0.1 found")));
    assertFailure(
        "https://10.0.0.1:7373: TLS handshake failed: Received fatal alert: handshake_failure",
        transport(new SSLHandshakeException("Received fatal alert: handshake_failure")));
  }

  private static final TestHttpsServer.Answer CONFLICT =
      TestHttpsServer.Answer.of(
          409,
          "application/octet-stream",
          ErrResponse.newBuilder().setMessage("key already exists").build().toByteArray());

  /**
   * Two servers whose first request (whichever gets it) is read and then closed without an answer,
   * as by a node killed after it received a write; every later request gets {@code later}. {@code
   * killed} is set to the host that closed it.
   */
  private static List<FaultyTlsServer> killedThen(
      TestHttpsServer.Answer later, AtomicReference<String> killed) throws Exception {
    AtomicInteger requests = new AtomicInteger();
    FaultyTlsServer[] servers = new FaultyTlsServer[2];
    for (int i = 0; i < 2; i++) {
      int me = i;
      servers[i] =
          new FaultyTlsServer(
              ClientFixtures.loopbackNode(),
              requests,
              index -> {
                if (index == 0) {
                  killed.set(servers[me].host());
                  return null;
                }
                return later;
              });
    }
    return List.of(servers);
  }

  private static Map<String, String> env(List<FaultyTlsServer> servers) {
    return Map.of(
        "MINIO_KMS_SERVER",
        "https://" + servers.get(0).host() + ",https://" + servers.get(1).host(),
        "MINIO_KMS_API_KEY",
        ClientFixtures.API_KEY);
  }

  @Test
  void aConflictAfterALostAnswerSaysTheEarlierAttemptMayHaveCreatedIt() throws Exception {
    AtomicReference<String> killed = new AtomicReference<>();
    List<FaultyTlsServer> servers = killedThen(CONFLICT, killed);
    try (FaultyTlsServer a = servers.get(0);
        FaultyTlsServer b = servers.get(1)) {
      CliRun run =
          TestNode.runIn(CliRun.quietContext().withEnv(env(servers)), "add-key", "-e", "e", "k");
      assertEquals(
          new CliRun(
              1,
              "",
              "minkms: key already exists (an earlier attempt through https://"
                  + killed.get()
                  + " lost its connection after sending the request; it may have created it)\n"),
          run);
      assertEquals(1, a.requestLines().size());
      assertEquals(1, b.requestLines().size());
    }
  }

  @Test
  void aWriteWhoseEveryAttemptLostItsAnswerIsInDoubtAndNamesEveryServer() throws Exception {
    AtomicReference<String> killed = new AtomicReference<>();
    AtomicInteger requests = new AtomicInteger();
    FaultyTlsServer.Script lose = index -> null;
    try (FaultyTlsServer a = new FaultyTlsServer(ClientFixtures.loopbackNode(), requests, lose);
        FaultyTlsServer b = new FaultyTlsServer(ClientFixtures.loopbackNode(), requests, lose)) {
      String dead = "127.0.0.1:" + ClientFixtures.deadPort();
      KmsClient client =
          KmsClient.builder()
              .endpoints(a.host(), b.host(), dead)
              .apiKey(ClientFixtures.apiKey())
              .insecure(true)
              .build();
      var e =
          assertThrows(
              KmsTransportException.class,
              () -> client.createKey("e", CreateKeyRequest.newBuilder().setName("k").build()));
      String message = ClientErrors.of(e).getMessage();
      // every server is named, each with its reason; the ones that got the request are in doubt
      assertTrue(message.startsWith("no answer from https://"), message);
      for (String host : List.of(a.host(), b.host())) {
        assertTrue(message.contains("https://" + host + " (EOF reached while reading)"), message);
      }
      assertTrue(message.contains("https://" + dead + " (connection refused)"), message);
      assertTrue(
          message.contains(
              "(the write is in doubt: the request reached "
                  + String.join(", ", e.answerLostAt().stream().map(h -> "https://" + h).toList())
                  + " before its connection broke, so it may have been applied; check before"
                  + " writing again) — is the server running? check MINIO_KMS_SERVER"),
          message);
      assertEquals(2, e.answerLostAt().size());
      assertEquals(2, requests.get());
    }
  }

  @Test
  void serversSkippedBecauseTheyFailedRecentlyAreNamedWithWhy() throws Exception {
    List<String> dead =
        List.of(
            "127.0.0.1:" + ClientFixtures.deadPort(),
            "127.0.0.1:" + ClientFixtures.deadPort(),
            "127.0.0.1:" + ClientFixtures.deadPort());
    KmsClient client =
        KmsClient.builder().endpoints(dead).apiKey(ClientFixtures.apiKey()).insecure(true).build();
    CreateKeyRequest create = CreateKeyRequest.newBuilder().setName("k").build();
    KmsTransportException first =
        assertThrows(KmsTransportException.class, () -> client.createKey("e", create));
    String all = ClientErrors.of(first).getMessage();
    for (String host : dead) {
      assertTrue(all.contains("https://" + host), all);
    }
    assertTrue(
        all.endsWith(": connection refused — is the server running? check MINIO_KMS_SERVER"));
    // a second request of the same client: the one it starts at is tried, the others skipped
    KmsTransportException second =
        assertThrows(KmsTransportException.class, () -> client.createKey("e", create));
    StringBuilder expected =
        new StringBuilder("cannot reach https://" + second.host() + ": connection refused");
    int start = dead.indexOf(second.host());
    for (int i = 1; i < dead.size(); i++) {
      String host = dead.get((start + i) % dead.size()); // list order after the start, wrapping
      {
        expected
            .append("; https://")
            .append(host)
            .append(" not tried: it failed 0 s ago (a server that fails is skipped for 30 s)");
      }
    }
    expected.append(" — is the server running? check MINIO_KMS_SERVER");
    assertEquals(expected.toString(), ClientErrors.of(second).getMessage());
  }
}
