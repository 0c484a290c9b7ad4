package io.openkms.http.server;

import org.apache.pekko.event.LoggingAdapter;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The log of Pekko HTTP's server on the API port ({@code ServerBuilder.logTo}), on the SLF4J logger
 * {@code io.openkms.http.server.HttpServerLog}. Every record passes unchanged but one: Pekko HTTP
 * 1.3 fails a whole HTTP/2 connection when a request's header block does not parse (a {@code :path}
 * with a bad percent escape such as {@code /v1/key/list/%zz}, a header value over {@code
 * pekko.http.server.parsing.max-header-value-length}) and logs it as an ERROR of two lines that
 * quote the client's bytes. A client can do that at any rate, with or without a certificate, and
 * nothing in it is for the operator to fix: it becomes one WARN line, {@code HTTP/2 connection
 * closed (GOAWAY INTERNAL_ERROR): <summary>}, with control characters replaced by spaces and the
 * summary cut to {@value #MAX_SUMMARY_CHARS} characters, and at most one such line per kind (the
 * summary up to its first colon: {@code Illegal http2-path-pseudo-header}, {@code HTTP header value
 * exceeds ...}) every {@value LogRateLimiter#DEFAULT_INTERVAL_MILLIS} ms, the next telling how many
 * were left out ({@link LogRateLimiter}): before, 500 connections with {@code ?x=%zz} added 117 KB
 * of log in 10 s and pushed the real entries out of the 1,000 records {@code minkms logs} keeps
 * (attack trial). (The stage's own failure record, with its stack trace, is turned off on these
 * connections by {@link GuardedConnections}.)
 */
final class HttpServerLog implements LoggingAdapter {

  /**
   * The longest summary of a refused HTTP/2 connection kept in its log line. Pekko's text comes
   * first (the error's name and what was expected: 88 characters for a bad {@code :path} escape),
   * so a client's own bytes (a path, a header value) fill well under 100 of them.
   */
  static final int MAX_SUMMARY_CHARS = 140;

  /** The longest kind of a refused HTTP/2 connection for {@link LogRateLimiter}. */
  static final int MAX_KIND_CHARS = 40;

  /** How Pekko HTTP 1.3's HTTP/2 error handling starts the message of a failed connection. */
  static final String HTTP2_FAILED = "HTTP2 connection failed with error [";

  private static final Logger LOG = LoggerFactory.getLogger(HttpServerLog.class);

  private final LogRateLimiter limiter;

  /**
   * @param limiter the rate of the lines about refused HTTP/2 connections (shared with {@link
   *     HeaderBlockLimitEngine}'s)
   */
  HttpServerLog(LogRateLimiter limiter) {
    this.limiter = limiter;
  }

  @Override
  public boolean isErrorEnabled() {
    return LOG.isErrorEnabled();
  }

  @Override
  public boolean isWarningEnabled() {
    return LOG.isWarnEnabled();
  }

  @Override
  public boolean isInfoEnabled() {
    return LOG.isInfoEnabled();
  }

  @Override
  public boolean isDebugEnabled() {
    return LOG.isDebugEnabled();
  }

  @Override
  public void notifyError(String message) {
    if (message.startsWith(HTTP2_FAILED)) {
      int end = message.lastIndexOf("]. Sending ");
      String summary =
          message.substring(HTTP2_FAILED.length(), end > 0 ? end : message.length()).strip();
      String line = oneLine(summary);
      long left = limiter.admit("GOAWAY " + kind(line));
      if (left != LogRateLimiter.SUPPRESS) {
        LOG.warn(
            "HTTP/2 connection closed (GOAWAY INTERNAL_ERROR): {}{}",
            line,
            LogRateLimiter.leftOut(left));
      }
      return;
    }
    LOG.error(message);
  }

  @Override
  public void notifyError(Throwable cause, String message) {
    LOG.error(message, cause);
  }

  @Override
  public void notifyWarning(String message) {
    LOG.warn(message);
  }

  @Override
  public void notifyInfo(String message) {
    LOG.info(message);
  }

  @Override
  public void notifyDebug(String message) {
    LOG.debug(message);
  }

  /**
   * The kind of a refused connection's summary, for the rate of its lines: the text before its
   * first colon (the client's bytes, such as the path, come after it), at most {@value
   * #MAX_KIND_CHARS} characters.
   */
  static String kind(String summary) {
    int colon = summary.indexOf(':');
    String k = colon >= 0 ? summary.substring(0, colon) : summary;
    return k.length() > MAX_KIND_CHARS ? k.substring(0, MAX_KIND_CHARS) : k;
  }

  /**
   * {@code text} as one line of at most {@value #MAX_SUMMARY_CHARS} characters: its first line
   * (Pekko's parse errors add a second line with a caret), control characters as spaces.
   */
  static String oneLine(String text) {
    int newline = text.indexOf('\n');
    String first = newline >= 0 ? text.substring(0, newline) : text;
    StringBuilder b = new StringBuilder(Math.min(first.length(), MAX_SUMMARY_CHARS + 1));
    for (int i = 0; i < first.length() && b.length() < MAX_SUMMARY_CHARS; i++) {
      char c = first.charAt(i);
      b.append(Character.isISOControl(c) ? ' ' : c);
    }
    if (first.length() > MAX_SUMMARY_CHARS) {
      b.append('…');
    }
    return b.toString().strip();
  }
}
