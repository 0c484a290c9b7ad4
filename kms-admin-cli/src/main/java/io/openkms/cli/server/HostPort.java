package io.openkms.cli.server;

import java.util.Objects;
import java.util.regex.Pattern;

/**
 * A host (name, IPv4 or IPv6 literal, without brackets) and a TCP port: a node's listen address
 * ({@code --address}) or cluster name ({@code --host}). Text form {@code host:port}, or {@code
 * [v6]:port} for IPv6.
 *
 * @param host a host name, an IPv4 literal or an IPv6 literal without brackets
 * @param port 1..65535
 */
public record HostPort(String host, int port) {
  private static final Pattern NAME = Pattern.compile("[A-Za-z0-9._-]+");
  private static final Pattern IPV6 = Pattern.compile("[0-9A-Fa-f:.]+(%[A-Za-z0-9._-]+)?");

  public HostPort {
    Objects.requireNonNull(host, "host");
    if (!validHost(host)) {
      throw new IllegalArgumentException("invalid host '" + host + "'");
    }
    if (port < 1 || port > 65535) {
      throw new IllegalArgumentException("port must be between 1 and 65535");
    }
  }

  /**
   * Parses {@code HOST}, {@code HOST:PORT}, {@code [IPV6]}, {@code [IPV6]:PORT} or a bare IPv6
   * literal ({@code ::1}, no port).
   *
   * @param defaultPort the port when the text has none
   * @throws IllegalArgumentException one of {@code expected HOST[:PORT] without a scheme}, {@code
   *     missing host}, {@code missing ']'}, {@code invalid host '<h>'}, {@code invalid port '<p>'},
   *     {@code port must be between 1 and 65535}
   */
  public static HostPort parse(String text, int defaultPort) {
    if (text.contains("://")) {
      throw new IllegalArgumentException("expected HOST[:PORT] without a scheme");
    }
    String host;
    String port = null;
    if (text.startsWith("[")) {
      int close = text.indexOf(']');
      if (close < 0) {
        throw new IllegalArgumentException("missing ']'");
      }
      host = text.substring(1, close);
      String rest = text.substring(close + 1);
      if (!rest.isEmpty()) {
        if (!rest.startsWith(":")) {
          throw new IllegalArgumentException("invalid host '" + text + "'");
        }
        port = rest.substring(1);
      }
    } else {
      int first = text.indexOf(':');
      if (first >= 0 && first == text.lastIndexOf(':')) {
        host = text.substring(0, first);
        port = text.substring(first + 1);
      } else {
        host = text;
      }
    }
    if (host.isEmpty()) {
      throw new IllegalArgumentException("missing host");
    }
    return new HostPort(host, port == null ? defaultPort : parsePort(port));
  }

  /** True for the wildcard addresses {@code 0.0.0.0} and {@code ::}. */
  public boolean isWildcard() {
    return host.equals("0.0.0.0") || host.equals("::") || host.equals("0:0:0:0:0:0:0:0");
  }

  /** {@code host:port}, or {@code [host]:port} for an IPv6 literal. */
  @Override
  public String toString() {
    return (host.contains(":") ? "[" + host + "]" : host) + ":" + port;
  }

  private static int parsePort(String text) {
    if (text.isEmpty() || text.length() > 5 || !text.chars().allMatch(c -> c >= '0' && c <= '9')) {
      throw new IllegalArgumentException("invalid port '" + text + "'");
    }
    return Integer.parseInt(text);
  }

  private static boolean validHost(String host) {
    return host.contains(":") ? IPV6.matcher(host).matches() : NAME.matcher(host).matches();
  }
}
