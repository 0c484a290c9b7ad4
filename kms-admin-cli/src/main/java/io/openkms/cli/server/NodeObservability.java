package io.openkms.cli.server;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.encoder.PatternLayoutEncoder;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.ConsoleAppender;
import ch.qos.logback.core.rolling.FixedWindowRollingPolicy;
import ch.qos.logback.core.rolling.RollingFileAppender;
import ch.qos.logback.core.rolling.SizeBasedTriggeringPolicy;
import ch.qos.logback.core.util.FileSize;
import io.openkms.cli.CliException;
import io.openkms.cli.config.LogConfig;
import io.openkms.cli.config.ServerConfig;
import io.openkms.http.observe.AuditLog;
import io.openkms.http.observe.NodeMetrics;
import io.openkms.http.observe.Observability;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import org.slf4j.LoggerFactory;

/**
 * Builds a node's {@link Observability} from its config file: the metrics registry, the {@code api:
 * {/v1/health/metrics: {skip_auth}}} switch, the error log switch ({@code log.error: off} silences
 * the error log) and the audit log ({@code log.audit}): a dedicated logback logger {@value
 * #AUDIT_LOGGER} (not additive, so audit lines never reach the error log) with a stdout appender
 * and/or a size-rotated file appender ({@code FILE.1.gz} … {@code FILE.N.gz}), fed by the {@link
 * AuditLog}'s writer thread.
 */
final class NodeObservability {

  /** The logger the audit lines are written to. */
  static final String AUDIT_LOGGER = "minkms.audit";

  private NodeObservability() {}

  /**
   * @throws CliException {@code cannot write audit log FILE: …} when the file cannot be opened
   */
  static Observability start(ServerConfig config) throws CliException {
    LoggerContext context = (LoggerContext) LoggerFactory.getILoggerFactory();
    if (!config.log().error()) {
      context.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME).setLevel(Level.OFF);
    }
    NodeMetrics metrics = new NodeMetrics();
    LogConfig.Audit audit = config.log().audit();
    AuditLog log = AuditLog.OFF;
    if (audit.enabled()) {
      ch.qos.logback.classic.Logger logger = auditLogger(context, audit);
      log = new AuditLog(logger::info, audit.queue(), audit.failClosed(), metrics.registry());
    }
    return new Observability(metrics, log, config.api().metricsSkipAuth());
  }

  /** The audit logger with its appenders (replacing any from an earlier start in this JVM). */
  static ch.qos.logback.classic.Logger auditLogger(LoggerContext context, LogConfig.Audit audit)
      throws CliException {
    if (audit.file().isPresent()) {
      probe(audit.file().get());
    }
    ch.qos.logback.classic.Logger logger = context.getLogger(AUDIT_LOGGER);
    logger.detachAndStopAllAppenders();
    logger.setAdditive(false);
    logger.setLevel(Level.INFO);
    if (audit.stdout()) {
      ConsoleAppender<ILoggingEvent> out = new ConsoleAppender<>();
      out.setContext(context);
      out.setName("AUDIT-STDOUT");
      out.setTarget("System.out");
      out.setEncoder(lineEncoder(context));
      out.start();
      logger.addAppender(out);
    }
    if (audit.file().isPresent()) {
      String file = audit.file().get().toString();
      RollingFileAppender<ILoggingEvent> appender = new RollingFileAppender<>();
      appender.setContext(context);
      appender.setName("AUDIT-FILE");
      appender.setFile(file);
      FixedWindowRollingPolicy rolling = new FixedWindowRollingPolicy();
      rolling.setContext(context);
      rolling.setParent(appender);
      rolling.setFileNamePattern(file + ".%i.gz");
      rolling.setMinIndex(1);
      rolling.setMaxIndex(audit.maxFiles());
      rolling.start();
      SizeBasedTriggeringPolicy<ILoggingEvent> trigger = new SizeBasedTriggeringPolicy<>();
      trigger.setContext(context);
      trigger.setMaxFileSize(new FileSize(audit.maxFileBytes()));
      trigger.start();
      appender.setRollingPolicy(rolling);
      appender.setTriggeringPolicy(trigger);
      appender.setEncoder(lineEncoder(context));
      appender.start();
      logger.addAppender(appender);
    }
    return logger;
  }

  private static PatternLayoutEncoder lineEncoder(LoggerContext context) {
    PatternLayoutEncoder encoder = new PatternLayoutEncoder();
    encoder.setContext(context);
    encoder.setPattern("%msg%n");
    encoder.start();
    return encoder;
  }

  /** Fails at start, not at the first request, when the audit file cannot be written. */
  private static void probe(Path file) throws CliException {
    try (OutputStream out =
        Files.newOutputStream(file, StandardOpenOption.CREATE, StandardOpenOption.APPEND)) {
      out.flush();
    } catch (IOException | SecurityException e) {
      throw CliException.failure(
          "cannot write audit log "
              + file
              + ": "
              + (e instanceof java.nio.file.NoSuchFileException
                  ? "no such directory"
                  : e instanceof java.nio.file.AccessDeniedException
                      ? "permission denied"
                      : e.getMessage()));
    }
  }
}
