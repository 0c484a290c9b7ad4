package io.openkms.http.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.typesafe.config.ConfigFactory;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.atomic.AtomicInteger;
import javax.net.ssl.SSLSocket;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * {@code minkms.http.request-header-timeout} (issue 13, "connection exhaustion"): a client that
 * completes TLS and then sends a request head one byte at a time — each byte restarting Pekko's
 * idle timeout — is cut within 1.25 times the timeout; a keep-alive connection that idles between
 * requests longer than that is not.
 */
class KmsApiSlowHeadTest {

  private static final long TIMEOUT_MILLIS = 1_000;

  private static TestKmsServer server;

  @BeforeAll
  static void start() throws Exception {
    server =
        TestKmsServer.start(
            ConfigFactory.parseString(
                "minkms.http.request-header-timeout = " + TIMEOUT_MILLIS + " ms"));
  }

  @AfterAll
  static void stop() {
    server.close();
  }

  private static SSLSocket connect() throws Exception {
    return ConnectionFloodFixture.realClient(server, 20_000);
  }

  @Test
  void aHeadSentByteByByteIsCutWithinTheTimeout() throws Exception {
    GuardedConnections guard = GuardedConnections.of(server.system().classicSystem()).orElseThrow();
    long cutBefore = guard.headerTimeouts();
    byte[] head =
        ("GET /version HTTP/1.1\r\nHost: "
                + server.host()
                + "\r\nX-Slow: "
                + "s".repeat(200)
                + "\r\n\r\n")
            .getBytes(StandardCharsets.US_ASCII);
    AtomicInteger sent = new AtomicInteger();
    try (SSLSocket socket = connect()) {
      OutputStream out = socket.getOutputStream();
      long start = System.nanoTime();
      Thread writer =
          new Thread(
              () -> {
                try {
                  for (byte b : head) { // 200 ms a byte: 50 s for the head, far beyond idle bounds
                    out.write(b);
                    out.flush();
                    sent.incrementAndGet();
                    Thread.sleep(200);
                  }
                } catch (IOException | InterruptedException closed) {
                  // the server closed the connection
                }
              });
      writer.setDaemon(true);
      writer.start();
      InputStream in = socket.getInputStream();
      int first;
      try {
        first = in.read();
      } catch (IOException reset) {
        first = -1;
      }
      long cutMillis = (System.nanoTime() - start) / 1_000_000;
      writer.interrupt();
      assertEquals(-1, first, "closed without an answer");
      assertTrue(
          cutMillis >= TIMEOUT_MILLIS - 100 && cutMillis < TIMEOUT_MILLIS * 5 / 4 + 1_500,
          "cut after " + cutMillis + " ms");
      assertTrue(sent.get() < head.length, "cut while the head was still being sent");
    }
    assertEquals(cutBefore + 1, guard.headerTimeouts());
  }

  @Test
  void aKeepAliveConnectionMayIdleBetweenRequestsLongerThanTheTimeout() throws Exception {
    try (SSLSocket socket = connect()) {
      OutputStream out = socket.getOutputStream();
      InputStream in = socket.getInputStream();
      byte[] request = ConnectionFloodFixture.versionRequest(server);
      for (int i = 0; i < 2; i++) {
        out.write(request);
        out.flush();
        assertTrue(readResponse(in).startsWith("HTTP/1.1 200 "));
        Thread.sleep(TIMEOUT_MILLIS * 2);
      }
    }
  }

  /** Reads one response with a Content-Length body; returns its head. */
  private static String readResponse(InputStream in) throws IOException {
    StringBuilder head = new StringBuilder();
    while (!head.toString().endsWith("\r\n\r\n")) {
      int b = in.read();
      if (b < 0) {
        throw new IOException("closed after " + head);
      }
      head.append((char) b);
    }
    String lower = head.toString().toLowerCase(java.util.Locale.ROOT);
    int at = lower.indexOf("content-length:");
    int length = Integer.parseInt(lower.substring(at + 15, lower.indexOf("\r\n", at)).trim());
    in.readNBytes(length);
    return head.toString();
  }
}
