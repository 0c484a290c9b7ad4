package io.openkms.cli.server;

import java.io.IOException;
import java.net.BindException;
import java.util.Locale;

/**
 * The one-line reason a listen address cannot be bound (issue 16, point 3), from the operating
 * system's error: {@code address already in use} (another process holds the port), {@code cannot
 * assign requested address} (the address is not one of this host's), {@code permission denied} (a
 * port below 1024 without the privilege), or the error text itself, lower-cased and without Java's
 * {@code (Bind failed)} suffix or Pekko's {@code [host:port]} prefix.
 */
final class BindFailure {

  private BindFailure() {}

  /** The reason for {@code e}, e.g. {@code cannot assign requested address}. */
  static String reason(IOException e) {
    String message = e.getMessage();
    if (message == null || message.isBlank()) {
      return e instanceof BindException ? "address already in use" : e.getClass().getSimpleName();
    }
    return reason(message);
  }

  /** {@link #reason(IOException)} for an error message. */
  static String reason(String message) {
    String m = message.strip();
    if (m.startsWith("[")) { // Pekko: "[/10.0.0.1:7373] Cannot assign requested address"
      int close = m.indexOf(']');
      m = close > 0 ? m.substring(close + 1).strip() : m;
    }
    int suffix = m.indexOf(" (Bind failed)");
    if (suffix > 0) {
      m = m.substring(0, suffix);
    }
    String lower = m.toLowerCase(Locale.ROOT);
    for (String known :
        new String[] {
          "address already in use", "cannot assign requested address", "permission denied"
        }) {
      if (lower.contains(known)) {
        return known;
      }
    }
    return lower;
  }
}
