package io.openkms.cli.server;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.classic.spi.IThrowableProxy;
import ch.qos.logback.classic.spi.StackTraceElementProxy;
import ch.qos.logback.core.UnsynchronizedAppenderBase;
import com.google.protobuf.Timestamp;
import io.openkms.http.ops.LogHub;
import io.openkms.http.proto.LogRecord;
import java.time.Instant;
import org.slf4j.LoggerFactory;

/**
 * A logback appender that publishes every record of the node's error log to a {@link LogHub}
 * ({@code minkms logs}, {@code POST /v1/debug/log}). It never blocks the logging thread: the hub
 * drops records for readers that do not keep up. Levels map to Go's slog levels: TRACE and DEBUG →
 * −4, INFO → 0, WARN → 4, ERROR → 8. The message is {@code <logger>: <message>}, plus {@code :
 * <exception>: <message>} for a record with an exception, whose stack frames become the record's
 * trace. The audit log is not streamed here (it has its own logger and sink).
 */
public final class LogStreamAppender extends UnsynchronizedAppenderBase<ILoggingEvent> {

  /** The appender's name in the logback context. */
  public static final String NAME = "MINKMS_LOG_STREAM";

  private final LogHub hub;

  /**
   * @param hub where records go
   */
  public LogStreamAppender(LogHub hub) {
    this.hub = hub;
    setName(NAME);
  }

  /**
   * Attaches an appender for {@code hub} to the root logger of the logback context, once per JVM (a
   * second call does nothing). Does nothing when SLF4J is not bound to logback.
   */
  public static synchronized void attach(LogHub hub) {
    if (!(LoggerFactory.getILoggerFactory() instanceof LoggerContext context)) {
      return;
    }
    ch.qos.logback.classic.Logger root = context.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME);
    if (root.getAppender(NAME) != null) {
      return;
    }
    LogStreamAppender appender = new LogStreamAppender(hub);
    appender.setContext(context);
    appender.start();
    root.addAppender(appender);
  }

  @Override
  protected void append(ILoggingEvent event) {
    hub.publish(record(event));
  }

  /** The wire record of {@code event}. */
  static LogRecord record(ILoggingEvent event) {
    Instant t =
        event.getInstant() != null
            ? event.getInstant()
            : Instant.ofEpochMilli(event.getTimeStamp());
    String logger = event.getLoggerName();
    int dot = logger == null ? -1 : logger.lastIndexOf('.');
    StringBuilder message = new StringBuilder();
    if (logger != null) {
      message.append(dot >= 0 ? logger.substring(dot + 1) : logger).append(": ");
    }
    message.append(event.getFormattedMessage());
    LogRecord.Builder b =
        LogRecord.newBuilder()
            .setLevel(level(event.getLevel()))
            .setTime(Timestamp.newBuilder().setSeconds(t.getEpochSecond()).setNanos(t.getNano()));
    IThrowableProxy error = event.getThrowableProxy();
    if (error != null) {
      message.append(": ").append(error.getClassName());
      if (error.getMessage() != null) {
        message.append(": ").append(error.getMessage());
      }
      StackTraceElementProxy[] frames = error.getStackTraceElementProxyArray();
      for (int i = 0; frames != null && i < frames.length && i < 32; i++) {
        StackTraceElement e = frames[i].getStackTraceElement();
        b.addTrace(
            LogRecord.StackFrame.newBuilder()
                .setFunction(e.getClassName() + "." + e.getMethodName())
                .setFile(e.getFileName() == null ? "" : e.getFileName())
                .setLine(Math.max(0, e.getLineNumber())));
      }
    }
    return b.setMessage(message.toString()).build();
  }

  /** Go slog level of a logback level. */
  static int level(Level level) {
    if (level.isGreaterOrEqual(Level.ERROR)) {
      return LogHub.ERROR;
    }
    if (level.isGreaterOrEqual(Level.WARN)) {
      return LogHub.WARN;
    }
    if (level.isGreaterOrEqual(Level.INFO)) {
      return LogHub.INFO;
    }
    return LogHub.DEBUG;
  }
}
