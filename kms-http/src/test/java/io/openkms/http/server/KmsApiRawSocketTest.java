package io.openkms.http.server;

import static io.openkms.http.server.ApiAssertions.hex;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.openkms.http.proto.ClusterStatusResponse;
import io.openkms.http.wire.Frame;
import io.openkms.http.wire.Frames;
import java.io.ByteArrayOutputStream;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import javax.net.ssl.SSLSocket;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Requests the JDK HttpClient will not send, written byte by byte on a TLS socket with the root
 * client certificate: a Host header naming another node (docs/PROTOCOL.md §7: a retried request
 * keeps the first host's name, and the server must not reject it) and a body shorter than its
 * Content-Length (the server answers 408 after its body timeout instead of hanging).
 */
class KmsApiRawSocketTest {

  private static TestKmsServer server;

  @BeforeAll
  static void start() throws Exception {
    server = TestKmsServer.start();
  }

  @AfterAll
  static void stop() {
    server.close();
  }

  /** A parsed HTTP/1.1 response. */
  private record Answer(int status, Map<String, String> headers, byte[] body) {}

  /** Sends {@code head} (CRLF lines, without the blank line) and {@code body}, reads the answer. */
  private static Answer exchange(String head, byte[] body, int readTimeoutMillis) throws Exception {
    try (SSLSocket socket =
        (SSLSocket)
            server
                .clientContext(server.rootKey())
                .getSocketFactory()
                .createSocket(InetAddress.getByName("127.0.0.1"), server.port())) {
      socket.setSoTimeout(readTimeoutMillis);
      socket.startHandshake();
      OutputStream out = socket.getOutputStream();
      out.write((head + "\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
      out.write(body);
      out.flush();
      return read(socket.getInputStream());
    }
  }

  private static Answer read(InputStream in) throws Exception {
    ByteArrayOutputStream headBytes = new ByteArrayOutputStream();
    int matched = 0;
    while (matched < 4) {
      int b = in.read();
      if (b < 0) {
        throw new AssertionError("connection closed before the response head");
      }
      headBytes.write(b);
      matched = (b == (matched % 2 == 0 ? '\r' : '\n')) ? matched + 1 : (b == '\r' ? 1 : 0);
    }
    String[] lines = headBytes.toString(StandardCharsets.US_ASCII).split("\r\n");
    int status = Integer.parseInt(lines[0].split(" ")[1]);
    Map<String, String> headers = new TreeMap<>();
    for (String line : Arrays.copyOfRange(lines, 1, lines.length)) {
      int colon = line.indexOf(':');
      headers.put(
          line.substring(0, colon).trim().toLowerCase(Locale.ROOT),
          line.substring(colon + 1).trim());
    }
    int length = Integer.parseInt(headers.getOrDefault("content-length", "-1"));
    assertTrue(length >= 0, "Content-Length in " + headers);
    byte[] body = in.readNBytes(length);
    return new Answer(status, headers, body);
  }

  @Test
  void aHostHeaderNamingAnotherNodeIsServed() throws Exception {
    byte[] body = hex("0003 00000000");
    Answer a =
        exchange(
            "POST /v1/kms HTTP/1.1\r\nHost: node9.example.net:7373\r\n"
                + "Content-Type: application/octet-stream\r\nContent-Length: 6\r\nConnection: close",
            body,
            20_000);
    assertEquals(200, a.status());
    List<Frame> frames = Frames.decode(a.body());
    assertEquals(1, frames.size());
    assertEquals(
        server.host(),
        ClusterStatusResponse.parseFrom(frames.get(0).payload()).getNodesUpMap().get(0).getHost());
  }

  @Test
  void aBodyShorterThanItsContentLengthTimesOutWith408() throws Exception {
    long start = System.nanoTime();
    Answer a =
        exchange(
            "POST /v1/kms HTTP/1.1\r\nHost: "
                + server.host()
                + "\r\n"
                + "Content-Type: application/octet-stream\r\nContent-Length: 100",
            hex("0003 00000000"),
            40_000);
    long waitedMillis = (System.nanoTime() - start) / 1_000_000;
    assertEquals(
        "408 application/json {\"message\":\"request body not received in time\"}",
        a.status()
            + " "
            + a.headers().get("content-type")
            + " "
            + new String(a.body(), StandardCharsets.UTF_8));
    assertTrue(
        waitedMillis >= KmsApi.BODY_TIMEOUT_MILLIS - 1000
            && waitedMillis < KmsApi.BODY_TIMEOUT_MILLIS + 15_000,
        "waited " + waitedMillis + " ms");
  }

  /**
   * Requests the HTTP parser rejects before the API sees them get the API's JSON error body (issue
   * 13), not Pekko's text/plain: 414, 431, 400 (malformed), 501, 505.
   */
  @Test
  void requestsRejectedByTheHttpParserGetTheJsonErrorBody() throws Exception {
    String host = "Host: " + server.host() + "\r\nConnection: close";
    Map<String, String> cases = new java.util.LinkedHashMap<>();
    cases.put("GET /" + "a".repeat(3000) + " HTTP/1.1\r\n" + host, "414");
    cases.put("GET /version HTTP/1.1\r\n" + host + "\r\nX-Big: " + "b".repeat(9000), "431");
    cases.put(
        "GET /version HTTP/1.1\r\n" + host + "\r\n" + "X-Many: 1\r\n".repeat(70).strip(),
        "400"); // Pekko: more than 64 headers is a 400
    cases.put("GET /version HTTP/1.1\r\n" + host + "\r\nBad Header Line", "400");
    cases.put("FROB /version HTTP/1.1\r\n" + host, "501");
    cases.put("GET /version HTTP/1.1\r\n" + host + "\r\nTransfer-Encoding: gzip", "400");
    cases.put("GET /version HTTP/2.5\r\n" + host, "505");
    for (Map.Entry<String, String> c : cases.entrySet()) {
      Answer a = exchange(c.getKey(), new byte[0], 20_000);
      String body = new String(a.body(), StandardCharsets.UTF_8);
      String what =
          c.getValue()
              + " for "
              + c.getKey().lines().findFirst().orElse("").substring(0, 20)
              + ": "
              + a.status()
              + " "
              + a.headers()
              + " "
              + body;
      assertEquals(c.getValue(), String.valueOf(a.status()), what);
      assertEquals("application/json", a.headers().get("content-type"), what);
      assertTrue(body.matches("\\{\"message\":\"[^\"]+\"}"), what);
      System.out.println(what);
    }
  }
}
