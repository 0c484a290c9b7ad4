package io.openkms.http.server;

import static io.openkms.http.server.ApiAssertions.assertJsonError;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.typesafe.config.ConfigFactory;
import java.net.http.HttpClient;
import java.net.http.HttpResponse;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * {@code minkms.http.request-timeout}: a request whose handler never answers (here: a restart whose
 * peers never confirm) gets 503 naming the key at the bound, over HTTP/2 as over HTTP/1.1. Pekko
 * HTTP's own request timeout covers HTTP/1.1 only; before the edge's bound an HTTP/2 request like
 * this one waited for ever.
 */
class KmsApiRequestTimeoutTest {

  private static final long TIMEOUT_MILLIS = 1_000;

  private static TestKmsServer server;

  @BeforeAll
  static void start() throws Exception {
    Restarter hangs =
        new Restarter() {
          @Override
          public void restartSelf() {}

          @Override
          public CompletionStage<Map<Integer, String>> restartPeers() {
            return new CompletableFuture<>(); // never completes
          }
        };
    server =
        TestKmsServer.start(
            io.openkms.http.observe.Observability.defaults(),
            hsm -> new NodeOps(null, NodeOps.DEFAULT_MAX_BACKUP_BYTES, null, null, hangs),
            ConfigFactory.parseString("minkms.http.request-timeout = " + TIMEOUT_MILLIS + " ms"));
  }

  @AfterAll
  static void stop() {
    server.close();
  }

  @ParameterizedTest
  @EnumSource(HttpClient.Version.class)
  void anUnansweredRequestGets503NamingTheBound(HttpClient.Version version) throws Exception {
    HttpClient http = server.raw(server.rootKey(), version, null);
    long start = System.nanoTime();
    HttpResponse<byte[]> r = server.post(http, "/v1/debug/restart", new byte[0]);
    long millis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
    assertEquals(version, r.version());
    assertJsonError(503, "request not answered within 1000 ms (minkms.http.request-timeout)", r);
    assertTrue(millis >= TIMEOUT_MILLIS && millis < 15_000, millis + " ms");
    // the connection and the node still serve
    assertEquals(200, server.get(http, "/version").statusCode());
  }
}
