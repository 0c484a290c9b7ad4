package io.openkms.bench.load;

import java.util.Locale;

/**
 * How {@code minkms bench} sends its load ({@code --transport}). Setup and clean-up always go
 * through the JDK {@code HttpClient} ({@code KmsClient}).
 */
public enum BenchTransport {
  /**
   * One blocking HTTP/1.1 keep-alive TLS connection per worker ({@code KmsConnection}): the
   * cheapest client, so that on a shared machine the figures show the server, as wrk or h2load
   * would. The default.
   */
  SOCKET("socket", "HTTP/1.1"),
  /** The JDK {@code HttpClient} on HTTP/2: every request in flight on one TLS connection. */
  HTTP2("http2", "HTTP/2"),
  /** The JDK {@code HttpClient} on HTTP/1.1: a keep-alive connection per request in flight. */
  HTTP1("http1", "HTTP/1.1");

  private final String text;
  private final String httpVersion;

  BenchTransport(String text, String httpVersion) {
    this.text = text;
    this.httpVersion = httpVersion;
  }

  /** The {@code --transport} value, e.g. {@code socket}. */
  public String text() {
    return text;
  }

  /** {@code HTTP/1.1} or {@code HTTP/2}. */
  public String httpVersion() {
    return httpVersion;
  }

  /**
   * Parses a {@code --transport} value (case-insensitive).
   *
   * @throws IllegalArgumentException {@code invalid --transport 'X': expected socket, http2 or
   *     http1}
   */
  public static BenchTransport parse(String text) {
    String t = text.strip().toLowerCase(Locale.ROOT);
    for (BenchTransport b : values()) {
      if (b.text.equals(t)) {
        return b;
      }
    }
    throw new IllegalArgumentException(
        "invalid --transport '" + text + "': expected socket, http2 or http1");
  }
}
