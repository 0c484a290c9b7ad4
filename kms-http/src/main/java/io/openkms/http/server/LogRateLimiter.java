package io.openkms.http.server;

import java.util.HashMap;
import java.util.Map;
import java.util.function.LongSupplier;

/**
 * At most one log line per kind per interval, with a count of the lines left out (attack trial,
 * LOW: each HTTP/2 connection with a bad request path, sent without a client certificate, logged
 * one WARN line; 500 connections added 117 KB in 10 s and pushed the real entries out of the 1,000
 * records {@code minkms logs} keeps). Pure bookkeeping: the caller supplies the clock and writes
 * the line.
 *
 * <p>Rule: the first event of a kind is logged; later ones within {@code interval} of the kind's
 * last logged line are counted and left out; the first one after the interval is logged again, with
 * the count of those left out since the last line ({@link #admit}). A count left over when events
 * stop is not reported until the next event of its kind. At most {@value #MAX_KINDS} kinds are kept
 * apart; further kinds share one ({@link #OTHER}), so client-controlled kinds neither grow the map
 * nor the log without bound.
 *
 * <p>Thread-safe (synchronized; a map lookup per call).
 */
final class LogRateLimiter {

  /** The default interval between two lines of one kind, in milliseconds. */
  static final long DEFAULT_INTERVAL_MILLIS = 10_000;

  /** Kinds kept apart; further kinds share {@link #OTHER}. */
  static final int MAX_KINDS = 32;

  /** The kind of every event past the first {@value #MAX_KINDS} kinds. */
  static final String OTHER = "(other)";

  /** What {@link #admit} returns when the line is to be left out. */
  static final long SUPPRESS = -1;

  private static final class Kind {
    long lastLoggedNanos;
    long suppressed;
  }

  private final long intervalNanos;
  private final LongSupplier nanoClock;
  private final Map<String, Kind> kinds = new HashMap<>();

  /**
   * @param intervalMillis least time between two lines of one kind (at least 1)
   * @param nanoClock now, in nanoseconds ({@code System::nanoTime})
   * @throws IllegalArgumentException for an interval below 1 ms
   */
  LogRateLimiter(long intervalMillis, LongSupplier nanoClock) {
    if (intervalMillis < 1) {
      throw new IllegalArgumentException("log interval must be at least 1 ms: " + intervalMillis);
    }
    this.intervalNanos = intervalMillis * 1_000_000;
    this.nanoClock = nanoClock;
  }

  /**
   * An event of {@code kind} now: {@link #SUPPRESS} when its line is to be left out, else the
   * number of lines of the kind left out since its last line (0 for the first), which the line
   * should tell.
   */
  synchronized long admit(String kind) {
    long now = nanoClock.getAsLong();
    Kind k = kinds.get(kind);
    if (k == null) {
      String key = kinds.size() < MAX_KINDS ? kind : OTHER;
      k = kinds.get(key);
      if (k == null) {
        k = new Kind();
        k.lastLoggedNanos = now;
        kinds.put(key, k);
        return 0;
      }
    }
    if (now - k.lastLoggedNanos < intervalNanos) {
      k.suppressed++;
      return SUPPRESS;
    }
    long left = k.suppressed;
    k.suppressed = 0;
    k.lastLoggedNanos = now;
    return left;
  }

  /** The suffix of a line that tells {@code left} lines left out ({@link #admit}); "" for 0. */
  static String leftOut(long left) {
    return left > 0 ? " (" + left + " more like it since the last such line, not logged)" : "";
  }
}
