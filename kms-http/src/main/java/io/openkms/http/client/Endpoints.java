package io.openkms.http.client;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/** Parsing of server endpoints and building of request paths (docs/PROTOCOL.md §1, §3). */
public final class Endpoints {

  /** The conventional KMS port, used when an endpoint names none. */
  public static final int DEFAULT_PORT = 7373;

  /** The endpoint used when none is given. */
  public static final String DEFAULT_ENDPOINT = "127.0.0.1:7373";

  private Endpoints() {}

  /**
   * Normalizes one endpoint to {@code host:port}: a leading {@code http://} or {@code https://} and
   * a trailing {@code /} are removed (the scheme is always https), port 7373 is added when missing,
   * and a bare IPv6 literal is bracketed ({@code ::1} → {@code [::1]:7373}).
   *
   * @throws IllegalArgumentException {@code invalid endpoint '<text>': <reason>} for an empty
   *     endpoint, one with a path, or a port outside 1…65535
   */
  public static String normalize(String endpoint) {
    String s = endpoint == null ? "" : endpoint.strip();
    String lower = s.toLowerCase(Locale.ROOT);
    if (lower.startsWith("https://")) {
      s = s.substring(8);
    } else if (lower.startsWith("http://")) {
      s = s.substring(7);
    }
    while (s.endsWith("/")) {
      s = s.substring(0, s.length() - 1);
    }
    if (s.isEmpty()) {
      throw invalid(endpoint, "empty host");
    }
    if (s.contains("/") || s.contains("?") || s.contains("#") || s.contains("@")) {
      throw invalid(endpoint, "an endpoint is host or host:port");
    }
    if (s.startsWith("[")) {
      int close = s.indexOf(']');
      if (close < 0) {
        throw invalid(endpoint, "missing ']'");
      }
      String rest = s.substring(close + 1);
      if (rest.isEmpty()) {
        return s + ":" + DEFAULT_PORT;
      }
      if (!rest.startsWith(":")) {
        throw invalid(endpoint, "unexpected text after ']'");
      }
      return s.substring(0, close + 1) + ":" + port(endpoint, rest.substring(1));
    }
    int colons = (int) s.chars().filter(c -> c == ':').count();
    if (colons == 0) {
      return s + ":" + DEFAULT_PORT;
    }
    if (colons > 1) {
      return "[" + s + "]:" + DEFAULT_PORT;
    }
    int colon = s.indexOf(':');
    if (colon == 0) {
      throw invalid(endpoint, "empty host");
    }
    return s.substring(0, colon) + ":" + port(endpoint, s.substring(colon + 1));
  }

  /**
   * Normalizes a list of endpoints ({@link #normalize}), dropping duplicates; an empty list gives
   * {@code [127.0.0.1:7373]}.
   */
  public static List<String> normalizeAll(List<String> endpoints) {
    List<String> hosts = new ArrayList<>();
    for (String e : endpoints) {
      String host = normalize(e);
      if (!hosts.contains(host)) {
        hosts.add(host);
      }
    }
    if (hosts.isEmpty()) {
      hosts.add(DEFAULT_ENDPOINT);
    }
    return List.copyOf(hosts);
  }

  /**
   * The request path of a KMS command: {@code /v1/kms} for the empty enclave (cluster commands),
   * else {@code /v1/kms/<enclave>} with the enclave percent-encoded as one path segment (UTF-8;
   * everything but {@code A-Z a-z 0-9 - . _ ~} is escaped, {@code /} too).
   *
   * @throws IllegalArgumentException for the enclave names {@code .} and {@code ..}
   */
  public static String kmsPath(String enclave) {
    if (enclave == null || enclave.isEmpty()) {
      return "/v1/kms";
    }
    if (enclave.equals(".") || enclave.equals("..")) {
      throw new IllegalArgumentException("invalid enclave name '" + enclave + "'");
    }
    StringBuilder path = new StringBuilder("/v1/kms/");
    for (byte b : enclave.getBytes(StandardCharsets.UTF_8)) {
      int c = b & 0xFF;
      if ((c >= 'A' && c <= 'Z')
          || (c >= 'a' && c <= 'z')
          || (c >= '0' && c <= '9')
          || c == '-'
          || c == '.'
          || c == '_'
          || c == '~') {
        path.append((char) c);
      } else {
        path.append('%')
            .append(Character.toUpperCase(Character.forDigit(c >> 4, 16)))
            .append(Character.toUpperCase(Character.forDigit(c & 0xF, 16)));
      }
    }
    return path.toString();
  }

  private static int port(String endpoint, String text) {
    try {
      int port = Integer.parseInt(text);
      if (port >= 1 && port <= 65535 && text.chars().allMatch(Character::isDigit)) {
        return port;
      }
    } catch (NumberFormatException e) {
      // fall through
    }
    throw invalid(endpoint, "invalid port '" + text + "'");
  }

  private static IllegalArgumentException invalid(String endpoint, String reason) {
    return new IllegalArgumentException("invalid endpoint '" + endpoint + "': " + reason);
  }
}
