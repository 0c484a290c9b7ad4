package io.openkms.http.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;

/**
 * The rate of the log lines about refused HTTP/2 connections (attack trial: 500 connections with a
 * bad request path, no client certificate, added 117 KB of WARN lines in 10 s).
 */
class LogRateLimiterTest {

  private static final long MS = 1_000_000;

  @Test
  void oneLinePerKindPerIntervalThenTheCountLeftOut() {
    AtomicLong now = new AtomicLong(5 * MS);
    LogRateLimiter limiter = new LogRateLimiter(10_000, now::get);
    assertEquals(0, limiter.admit("a"));
    for (int i = 0; i < 499; i++) {
      now.addAndGet(10 * MS);
      assertEquals(LogRateLimiter.SUPPRESS, limiter.admit("a")); // 5 ms .. 4,995 ms
    }
    assertEquals(0, limiter.admit("b"), "another kind has its own rate");
    now.set(5 * MS + 10_000 * MS - 1);
    assertEquals(LogRateLimiter.SUPPRESS, limiter.admit("a"), "1 ns under the interval");
    now.set(5 * MS + 10_000 * MS);
    assertEquals(500, limiter.admit("a"), "the interval after the last line: the count");
    assertEquals(LogRateLimiter.SUPPRESS, limiter.admit("a"));
    now.addAndGet(60_000 * MS);
    assertEquals(1, limiter.admit("a"));
    assertEquals(LogRateLimiter.SUPPRESS, limiter.admit("a"), "right after a line, left out");
  }

  @Test
  void kindsPastTheBoundShareOne() {
    AtomicLong now = new AtomicLong();
    LogRateLimiter limiter = new LogRateLimiter(10_000, now::get);
    for (int i = 0; i < LogRateLimiter.MAX_KINDS; i++) {
      assertEquals(0, limiter.admit("kind " + i));
    }
    assertEquals(0, limiter.admit("client-made 1"), "the first past the bound: the shared kind");
    for (int i = 2; i < 1_000; i++) {
      assertEquals(LogRateLimiter.SUPPRESS, limiter.admit("client-made " + i));
    }
    assertEquals(LogRateLimiter.SUPPRESS, limiter.admit("kind 0"), "known kinds keep their own");
    now.set(10_000 * MS);
    assertEquals(998, limiter.admit("client-made 5000"));
    assertEquals(1, limiter.admit("kind 0"));
    assertThrows(IllegalArgumentException.class, () -> new LogRateLimiter(0, now::get));
  }

  @Test
  void aFloodOfBadPathsLogsOneShortLineAndThenTheCount() {
    Logger logger = (Logger) LoggerFactory.getLogger(HttpServerLog.class);
    ListAppender<ILoggingEvent> log = new ListAppender<>();
    log.start();
    logger.addAppender(log);
    try {
      AtomicLong now = new AtomicLong();
      HttpServerLog server = new HttpServerLog(new LogRateLimiter(10_000, now::get));
      String path = "/v1/key/list/%zz?x=" + "A".repeat(300);
      String pekko =
          HttpServerLog.HTTP2_FAILED
              + "Illegal http2-path-pseudo-header: Invalid input 'z', expected HEXDIG (line 1,"
              + " column 15): "
              + path
              + "\n              ^]. Sending INTERNAL_ERROR and closing connection.";
      for (int i = 0; i < 500; i++) {
        server.notifyError(pekko);
      }
      // another kind is not held back by the first
      server.notifyError(
          HttpServerLog.HTTP2_FAILED
              + "HTTP header value exceeds the configured limit of 8192 characters]. Sending"
              + " INTERNAL_ERROR and closing connection.");
      now.set(10_000 * MS);
      server.notifyError(pekko);
      List<String> lines;
      synchronized (log.list) {
        lines = log.list.stream().map(ILoggingEvent::getFormattedMessage).toList();
        assertTrue(log.list.stream().allMatch(e -> e.getLevel() == Level.WARN));
      }
      assertEquals(3, lines.size(), String.join("\n", lines));
      assertTrue(
          lines.get(0).startsWith("HTTP/2 connection closed (GOAWAY INTERNAL_ERROR): Illegal"));
      assertTrue(lines.get(1).contains("HTTP header value exceeds"), lines.get(1));
      assertTrue(lines.get(2).contains("(499 more like it"), lines.get(2));
      for (String line : lines) {
        assertFalse(line.contains("\n"), line);
        assertFalse(line.contains("A".repeat(HttpServerLog.MAX_SUMMARY_CHARS)), line);
        assertTrue(line.length() <= 260, line.length() + ": " + line);
      }
    } finally {
      logger.detachAppender(log);
    }
  }

  @Test
  void theKindIsTheTextBeforeTheClientsBytes() {
    assertEquals(
        "Illegal http2-path-pseudo-header",
        HttpServerLog.kind("Illegal http2-path-pseudo-header: Invalid input 'z' ... /x/%zz"));
    assertEquals(
        "Maximum throttle throughput exceeded.",
        HttpServerLog.kind("Maximum throttle throughput exceeded."));
    assertEquals(HttpServerLog.MAX_KIND_CHARS, HttpServerLog.kind("x".repeat(500)).length());
  }
}
