package io.openkms.cli.config;

import java.math.BigDecimal;
import java.time.Duration;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Parses durations written as Go's {@code time.ParseDuration} accepts them: an optional sign, then
 * one or more decimal numbers, each with an optional fraction and a unit, e.g. {@code 0}, {@code
 * 500ms}, {@code 1.5s}, {@code 1m30s}, {@code 2h45m}. Units: {@code ns}, {@code us} (or {@code µs},
 * {@code μs}), {@code ms}, {@code s}, {@code m}, {@code h}. Only {@code 0} may stand without a
 * unit. (The config file's {@code heartbeat}, docs/REFERENCE.md §3.2.)
 */
public final class GoDuration {
  private static final Pattern PART =
      Pattern.compile("([0-9]*(?:\\.[0-9]*)?)(ns|us|µs|μs|ms|s|m|h)");
  private static final Map<String, Long> NANOS_PER_UNIT =
      Map.of(
          "ns", 1L,
          "us", 1_000L,
          "µs", 1_000L,
          "μs", 1_000L,
          "ms", 1_000_000L,
          "s", 1_000_000_000L,
          "m", 60_000_000_000L,
          "h", 3_600_000_000_000L);

  private GoDuration() {}

  /**
   * The duration that {@code text} denotes, rounded down to whole nanoseconds.
   *
   * @throws IllegalArgumentException {@code not a duration} when {@code text} is not in the form
   *     above
   */
  public static Duration parse(String text) {
    String rest = text;
    boolean negative = false;
    if (rest.startsWith("-") || rest.startsWith("+")) {
      negative = rest.charAt(0) == '-';
      rest = rest.substring(1);
    }
    if (rest.equals("0")) {
      return Duration.ZERO;
    }
    if (rest.isEmpty()) {
      throw notADuration();
    }
    Matcher matcher = PART.matcher(rest);
    BigDecimal nanos = BigDecimal.ZERO;
    int end = 0;
    while (end < rest.length()) {
      if (!matcher.find(end) || matcher.start() != end) {
        throw notADuration();
      }
      String number = matcher.group(1);
      if (number.isEmpty() || number.equals(".")) {
        throw notADuration();
      }
      nanos =
          nanos.add(
              new BigDecimal(number)
                  .multiply(BigDecimal.valueOf(NANOS_PER_UNIT.get(matcher.group(2)))));
      end = matcher.end();
    }
    if (nanos.compareTo(BigDecimal.valueOf(Long.MAX_VALUE)) > 0) {
      throw new IllegalArgumentException("duration out of range");
    }
    Duration duration = Duration.ofNanos(nanos.longValue());
    return negative ? duration.negated() : duration;
  }

  private static IllegalArgumentException notADuration() {
    return new IllegalArgumentException("not a duration (examples: 500ms, 1s, 0)");
  }
}
