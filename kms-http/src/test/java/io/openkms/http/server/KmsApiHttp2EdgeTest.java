package io.openkms.http.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import java.io.ByteArrayOutputStream;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Collectors;
import javax.net.ssl.SSLSocket;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;

/**
 * The HTTPS edge over HTTP/2 against what an attack trial sent it (issue 13, edge findings F1, F2,
 * F3), each compared with HTTP/1.1, on raw frames ({@link H2Wire}) where the JDK client will not
 * send the request. Every request has a bound: no answer, no hang.
 *
 * <p>What Pekko HTTP 1.3 cannot do: answer a request whose header block does not parse (a bad
 * {@code :path} escape, a header value over {@code parsing.max-header-value-length}) with a stream
 * error; it ends the whole connection with GOAWAY INTERNAL_ERROR (fixed upstream after 1.4 by
 * pekko-http pull request 961, not released). The node keeps that to one WARN line per connection
 * without a stack trace ({@link HttpServerLog}, {@link GuardedConnections#QUIET_FAILURES}).
 */
class KmsApiHttp2EdgeTest {

  private static final int WAIT_MILLIS = 15_000;

  private static TestKmsServer server;
  private ListAppender<ILoggingEvent> log;

  @BeforeAll
  static void start() throws Exception {
    server = TestKmsServer.start();
  }

  @AfterAll
  static void stop() {
    server.close();
  }

  @BeforeEach
  void captureLog() {
    log = new ListAppender<>();
    log.start();
    root().addAppender(log);
  }

  @AfterEach
  void releaseLog() {
    root().detachAppender(log);
  }

  private static Logger root() {
    return (Logger) LoggerFactory.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME);
  }

  /** The log records (WARN and above) that mention {@code text}, after Pekko's log has settled. */
  private List<ILoggingEvent> recordsAbout(String text) throws InterruptedException {
    long deadline = System.nanoTime() + 5_000_000_000L;
    List<ILoggingEvent> found = List.of();
    while (System.nanoTime() < deadline) {
      Thread.sleep(200);
      found = snapshot(text);
      if (!found.isEmpty()) {
        Thread.sleep(500); // Pekko logs asynchronously: let any second record arrive
        return snapshot(text);
      }
    }
    return found;
  }

  private List<ILoggingEvent> snapshot(String text) {
    synchronized (log.list) {
      return log.list.stream()
          .filter(e -> e.getLevel().isGreaterOrEqual(Level.WARN))
          .filter(e -> e.getFormattedMessage().contains(text))
          .collect(Collectors.toList());
    }
  }

  /** One WARN line about {@code text}: no stack trace, no second line, no ERROR. */
  private void assertOneShortWarning(String text) throws InterruptedException {
    List<ILoggingEvent> records = recordsAbout(text);
    String shown =
        records.stream()
            .map(e -> e.getLevel() + " " + e.getLoggerName() + ": " + e.getFormattedMessage())
            .collect(Collectors.joining("\n---\n"));
    assertEquals(1, records.size(), shown);
    ILoggingEvent e = records.get(0);
    assertEquals(Level.WARN, e.getLevel(), shown);
    assertNull(e.getThrowableProxy(), shown);
    assertFalse(e.getFormattedMessage().contains("\n"), shown);
    assertTrue(e.getFormattedMessage().length() <= 300, shown);
    synchronized (log.list) {
      assertTrue(
          log.list.stream().noneMatch(r -> r.getFormattedMessage().startsWith("Error in stage")),
          "a stage failure was logged");
    }
  }

  /** After a connection ended, the node serves a new one. */
  private static void assertServesANewConnection() throws Exception {
    try (H2Wire w = new H2Wire(server.clientContext(null), server.port())) {
      H2Wire.Answer a = w.await(w.get("/version"), WAIT_MILLIS);
      assertEquals(200, a.status(), a.toString());
    }
  }

  /** An HTTP/1.1 request head written on a TLS socket; returns the status line and the body. */
  private static String http11(String target, String extraHeader) throws Exception {
    try (SSLSocket socket =
        (SSLSocket)
            server
                .clientContext(null)
                .getSocketFactory()
                .createSocket(InetAddress.getByName("127.0.0.1"), server.port())) {
      socket.setSoTimeout(WAIT_MILLIS);
      OutputStream out = socket.getOutputStream();
      out.write(
          ("GET "
                  + target
                  + " HTTP/1.1\r\nHost: "
                  + server.host()
                  + "\r\n"
                  + extraHeader
                  + "Connection: close\r\n\r\n")
              .getBytes(StandardCharsets.US_ASCII));
      out.flush();
      InputStream in = socket.getInputStream();
      ByteArrayOutputStream all = new ByteArrayOutputStream();
      in.transferTo(all);
      String text = all.toString(StandardCharsets.UTF_8);
      return text.substring(0, text.indexOf("\r\n")) + " " + text.substring(text.indexOf("{"));
    }
  }

  /**
   * F1: a {@code :path} with a bad percent escape, without a client certificate. Before: the
   * connection ended with GOAWAY and the node logged an ERROR with an 18-line stack trace per
   * request. Now: the connection still ends (Pekko HTTP 1.3) but the node logs one short WARN line;
   * HTTP/1.1 answers 400 with the JSON error body.
   */
  @Test
  void aBadPercentEscapeEndsOnlyThatConnectionWithOneShortWarning() throws Exception {
    try (H2Wire w = new H2Wire(server.clientContext(null), server.port())) {
      H2Wire.Answer a = w.await(w.get("/v1/key/list/%zz"), WAIT_MILLIS);
      assertTrue(w.goAwayCode >= 0 || w.closed || a.ended, "no hang: " + a);
    }
    assertOneShortWarning("/v1/key/list/%zz");
    assertServesANewConnection();
    String h1 = http11("/v1/key/list/%zz", "");
    assertTrue(h1.startsWith("HTTP/1.1 400 "), h1);
    assertTrue(h1.contains("{\"message\":\"Illegal request-target"), h1);
  }

  /**
   * F3: a 100 KB header value. HTTP/1.1 answers 431 naming the limit; HTTP/2 (Pekko HTTP 1.3) ends
   * the connection, with one short WARN line naming the limit.
   */
  @Test
  void aHugeHeaderValueIs431OverHttp11AndOneShortWarningOverHttp2() throws Exception {
    String big = "a".repeat(100_000);
    try (H2Wire w = new H2Wire(server.clientContext(null), server.port())) {
      H2Wire.Answer a = w.await(w.get("/version", "x-big", big), WAIT_MILLIS);
      assertTrue(w.goAwayCode >= 0 || w.closed || a.ended, "no hang: " + a);
    }
    assertOneShortWarning("HTTP header value exceeds the configured limit of 8192 characters");
    assertServesANewConnection();
    String h1 = http11("/version", "X-Big: " + big + "\r\n");
    assertTrue(h1.startsWith("HTTP/1.1 431 "), h1);
    assertTrue(
        h1.contains("{\"message\":\"HTTP header value exceeds the configured limit of 8192"), h1);
  }

  /**
   * F3: a 100 KB path. Before: HTTP/2 answered 404 echoing the 100 KB path. Now: 414 with the JSON
   * error naming {@code pekko.http.server.parsing.max-uri-length}, on a stream of a connection that
   * goes on serving; HTTP/1.1 answers Pekko's own 414.
   */
  @Test
  void aHugePathIs414OverBothVersions() throws Exception {
    String path = "/version/" + "a".repeat(100_000);
    try (H2Wire w = new H2Wire(server.clientContext(null), server.port())) {
      H2Wire.Answer a = w.await(w.get(path), WAIT_MILLIS);
      assertEquals(414, a.status(), a.toString());
      assertEquals(
          "{\"message\":\"URI length exceeds the configured limit of 2048 characters"
              + " (pekko.http.server.parsing.max-uri-length)\"}",
          a.bodyText());
      H2Wire.Answer next = w.await(w.get("/version"), WAIT_MILLIS);
      assertEquals(200, next.status(), next.toString());
      // a query counts too
      H2Wire.Answer query = w.await(w.get("/version?" + "q".repeat(3000)), WAIT_MILLIS);
      assertEquals(414, query.status(), query.toString());
      H2Wire.Answer fits = w.await(w.get("/version?" + "q".repeat(2000)), WAIT_MILLIS);
      assertEquals(200, fits.status(), fits.toString());
    }
    String h1 = http11(path, "");
    assertTrue(h1.startsWith("HTTP/1.1 414 "), h1);
  }

  /**
   * F2: a GET with a 2 MiB body (the parser's {@code max-content-length}) on a route that takes
   * none. The answer comes, the stream ends and the body is read and dropped (the client can send
   * it all), and the connection serves the next stream; the JDK client's request completes.
   */
  @Test
  void aBodyOnABodylessRouteIsDroppedAndTheStreamEnds() throws Exception {
    byte[] body = new byte[2 << 20];
    for (String path : List.of("/version", "/v1/health/live", "/v1/kms", "/nowhere")) {
      try (H2Wire w = new H2Wire(server.clientContext(server.rootKey()), server.port())) {
        List<String> headers = new ArrayList<>(w.base("GET", path));
        headers.addAll(List.of("content-length", Integer.toString(body.length)));
        int stream = w.request(headers, false);
        long sent = w.data(stream, body, true, WAIT_MILLIS);
        H2Wire.Answer a = w.await(stream, WAIT_MILLIS);
        assertTrue(a.ended, path + ": " + a);
        assertTrue(a.status() == 200 || a.status() == 404 || a.status() == 405, path + ": " + a);
        assertEquals(body.length, sent, path + ": the server stopped reading: " + a);
        H2Wire.Answer next = w.await(w.get("/version"), WAIT_MILLIS);
        assertEquals(200, next.status(), next.toString());
      }
    }
    HttpClient jdk = server.raw(server.rootKey(), HttpClient.Version.HTTP_2, null);
    HttpResponse<String> r =
        jdk.send(
            HttpRequest.newBuilder(server.uri("/version"))
                .timeout(Duration.ofSeconds(20))
                .method("GET", HttpRequest.BodyPublishers.ofByteArray(body))
                .build(),
            HttpResponse.BodyHandlers.ofString());
    assertEquals("HTTP_2 200", r.version() + " " + r.statusCode());
  }

  /**
   * F2, the bound: a body on a route that takes none is dropped up to {@code
   * minkms.http.max-drain-bytes} (16 MiB); a longer one gets its answer, then its request stream is
   * reset (the server does not read an endless body), and the connection serves on.
   */
  @Test
  void aBodyPastTheDrainLimitIsCutAfterTheAnswer() throws Exception {
    byte[] body = new byte[24 << 20];
    try (H2Wire w = new H2Wire(server.clientContext(server.rootKey()), server.port())) {
      List<String> headers = new ArrayList<>(w.base("GET", "/version"));
      headers.addAll(List.of("content-length", Integer.toString(body.length)));
      int stream = w.request(headers, false);
      long sent = w.data(stream, body, true, WAIT_MILLIS);
      H2Wire.Answer a = w.await(stream, WAIT_MILLIS);
      assertEquals(200, a.status(), a.toString());
      assertTrue(a.resetCode >= 0, "the stream was not reset: " + a);
      assertTrue(sent < body.length, "the server read all " + sent + " bytes");
      assertTrue(sent >= 16 << 20, "cut before the limit: " + sent);
      H2Wire.Answer next = w.await(w.get("/version"), WAIT_MILLIS);
      assertEquals(200, next.status(), next.toString());
    }
  }

  /**
   * A header block that never ends (HEADERS, then CONTINUATION frames without END_HEADERS), without
   * a client certificate. Pekko HTTP (1.3 and 1.4) keeps every byte of it until the block ends:
   * before, one connection made the node hold 93 MiB in 3.9 s and kept going (the default heap is
   * 256 MiB); with the CONTINUATION throttle alone, a client under its rate still grew a block by
   * 1.6 MiB a second for 120 s. Now the connection is closed once the block would pass {@code
   * minkms.http.max-header-block} (64 KiB): here 40 frames of 16 KiB, under the throttle's burst of
   * 100, so only the bound can end it. The node logs one WARN line naming the bound, with the size
   * announced when it refused: above the bound by at most the one frame it did not deliver.
   */
  @Test
  void aHeaderBlockPastTheBoundEndsItsConnection() throws Exception {
    byte[] fragment = new byte[16_384];
    java.util.Arrays.fill(fragment, (byte) 0x40); // never decoded: the block does not end
    long bound = 64 * 1024;
    long sent = fragment.length;
    try (H2Wire w = new H2Wire(server.clientContext(null), server.port())) {
      w.raw(H2Wire.HEADERS, 0, 1, fragment);
      for (int i = 0; i < 40 && !w.closed; i++) {
        w.raw(H2Wire.CONTINUATION, 0, 1, fragment);
        sent += fragment.length;
      }
      w.awaitEnd(WAIT_MILLIS);
      assertTrue(w.closed || w.goAwayCode >= 0, "the connection took " + sent + " bytes");
    }
    assertOneShortWarning("minkms.http.max-header-block");
    String line = snapshot("minkms.http.max-header-block").get(0).getFormattedMessage();
    java.util.regex.Matcher m =
        java.util.regex.Pattern.compile("a header block of (\\d+) bytes announced, over (\\d+)")
            .matcher(line);
    assertTrue(m.find(), line);
    long announced = Long.parseLong(m.group(1));
    assertEquals(bound, Long.parseLong(m.group(2)), line);
    assertTrue(announced > bound && announced <= bound + fragment.length, line);
    assertTrue(line.contains("a client without certificate"), line);
    assertServesANewConnection();
  }

  /**
   * The bound leaves real requests alone: a header value of 8,000 bytes (Pekko's own limit is 8,192
   * characters), and seven of them, a 56 KB block sent as HEADERS and three CONTINUATION frames,
   * are answered over HTTP/2 on one connection that goes on serving.
   */
  @Test
  void largeLegalHeaderBlocksAreServed() throws Exception {
    String value = "X".repeat(8_000); // 'X' has an 8-bit Huffman code: sent as 8,000 bytes
    try (H2Wire w = new H2Wire(server.clientContext(server.rootKey()), server.port())) {
      H2Wire.Answer one = w.await(w.get("/version", "x-big", value), WAIT_MILLIS);
      assertEquals(200, one.status(), one.toString());
      List<String> seven = new ArrayList<>();
      for (int i = 0; i < 7; i++) {
        seven.addAll(List.of("x-big-" + i, value));
      }
      H2Wire.Answer many = w.await(w.get("/version", seven.toArray(new String[0])), WAIT_MILLIS);
      assertEquals(200, many.status(), many.toString());
      H2Wire.Answer next = w.await(w.get("/version"), WAIT_MILLIS);
      assertEquals(200, next.status(), next.toString());
    }
    assertTrue(snapshot("minkms.http.max-header-block").isEmpty());
  }

  /**
   * A flood of empty CONTINUATION frames grows no block (the bound does not see it) but costs the
   * node a frame each: the HTTP/2 frame throttle ({@code
   * pekko.http.server.http2.frame-type-throttle}: 100 a second, a burst of 100, shared with
   * RST_STREAM) ends the connection.
   */
  @Test
  void aFloodOfEmptyContinuationFramesEndsItsConnection() throws Exception {
    int frames = 0;
    try (H2Wire w = new H2Wire(server.clientContext(null), server.port())) {
      w.raw(H2Wire.HEADERS, 0, 1, new byte[] {0x40});
      for (; frames < 100_000 && !w.closed; frames++) {
        w.raw(H2Wire.CONTINUATION, 0, 1, new byte[0]);
      }
      w.awaitEnd(WAIT_MILLIS);
      assertTrue(w.goAwayCode >= 0 || w.closed, "the connection took " + frames + " frames");
    }
    assertOneShortWarning("Maximum throttle throughput exceeded");
    assertServesANewConnection();
  }
}
