package io.openkms.cli.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.spi.LoggingEvent;
import io.openkms.http.ops.LogHub;
import io.openkms.http.proto.LogRecord;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** {@link NodeMain#restartByExit} and the records {@link LogStreamAppender} makes. */
class RestartAndLogStreamTest {

  @Test
  void restartsExitUnderSystemdAndStayInTheProcessOtherwise() {
    assertTrue(NodeMain.restartByExit(Map.of("INVOCATION_ID", "abc")));
    assertFalse(NodeMain.restartByExit(Map.of()));
    assertTrue(NodeMain.restartByExit(Map.of("MINKMS_RESTART", "exit")));
    assertFalse(
        NodeMain.restartByExit(Map.of("INVOCATION_ID", "abc", "MINKMS_RESTART", "in-process")));
    assertEquals(75, NodeMain.RESTART_EXIT_CODE);
  }

  @Test
  void logbackRecordsBecomeSlogRecordsWithTheirStackFrames() {
    LoggerContext context = new LoggerContext();
    ch.qos.logback.classic.Logger logger = context.getLogger("io.openkms.Example");
    LoggingEvent warn =
        new LoggingEvent("x", logger, Level.WARN, "disk {} full", null, new Object[] {"/mnt"});
    LogRecord w = LogStreamAppender.record(warn);
    assertEquals(LogHub.WARN, w.getLevel());
    assertEquals("Example: disk /mnt full", w.getMessage());
    assertEquals(0, w.getTraceCount());
    assertTrue(w.getTime().getSeconds() > 0);

    LoggingEvent error =
        new LoggingEvent(
            "x", logger, Level.ERROR, "failed", new IllegalStateException("boom"), null);
    LogRecord e = LogStreamAppender.record(error);
    assertEquals(LogHub.ERROR, e.getLevel());
    assertEquals("Example: failed: java.lang.IllegalStateException: boom", e.getMessage());
    assertTrue(e.getTraceCount() > 0);
    assertTrue(
        e.getTrace(0).getFunction().contains("logbackRecordsBecomeSlogRecords"),
        e.getTrace(0).getFunction());
    assertEquals(LogHub.DEBUG, LogStreamAppender.level(Level.DEBUG));
    assertEquals(LogHub.DEBUG, LogStreamAppender.level(Level.TRACE));
    assertEquals(LogHub.INFO, LogStreamAppender.level(Level.INFO));
  }
}
