package io.openkms.cli.bench;

import io.openkms.cli.CliException;
import io.openkms.cli.config.GoDuration;
import io.openkms.http.wire.Frames;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * What one {@code minkms bench} run does: every operation in {@code operations}, each at every
 * concurrency of {@code concurrency} (in the given order), each step {@code warmup} unmeasured then
 * {@code duration} measured.
 *
 * @param operations the operations, in order, at least one
 * @param concurrency the numbers of concurrent requests, in order, each 1…{@value #MAX_CONCURRENCY}
 * @param batch frames per request of the batched operations, 1…{@value #MAX_BATCH}
 * @param warmup unmeasured time per step, 0…{@value #MAX_STEP_MINUTES} min
 * @param duration measured time per step, more than 0 and at most {@value #MAX_STEP_MINUTES} min
 * @param transport how the measured requests are sent ({@code --transport})
 */
public record BenchPlan(
    List<BenchOperation> operations,
    List<Integer> concurrency,
    int batch,
    Duration warmup,
    Duration duration,
    BenchTransport transport) {

  /** Largest {@code --concurrency} value. */
  public static final int MAX_CONCURRENCY = 1024;

  /** Largest number of concurrency steps. */
  public static final int MAX_STEPS = 32;

  /** Largest {@code --batch}: the server's frame limit per request (wire {@code Frames}). */
  public static final int MAX_BATCH = Frames.DEFAULT_MAX_FRAMES;

  /** Largest {@code --warmup} and {@code --duration}, minutes. */
  public static final int MAX_STEP_MINUTES = 10;

  /** Validates and copies; see {@link #parse} for the messages. */
  public BenchPlan {
    operations = List.copyOf(operations);
    concurrency = List.copyOf(concurrency);
  }

  /**
   * Parses the command-line values.
   *
   * @param ops {@code --ops}, e.g. {@code generate,decrypt}
   * @param concurrency {@code --concurrency}, e.g. {@code 1,4,16,64}
   * @param batch {@code --batch}
   * @param warmup {@code --warmup} as a Go duration, e.g. {@code 2s}, {@code 500ms}, {@code 0}
   * @param duration {@code --duration} as a Go duration
   * @param transport {@code --transport}: socket, http2 or http1
   * @throws CliException exit 2 with one of: {@code invalid --concurrency 'X': expected numbers
   *     from 1 to 1024 separated by commas}, {@code invalid --concurrency: at most 32 steps},
   *     {@code invalid --batch N: must be from 1 to 1000}, {@code invalid --warmup 'X': ...},
   *     {@code invalid --duration 'X': ...} and those of {@link BenchOperation#parseList} and
   *     {@link BenchTransport#parse}
   */
  public static BenchPlan parse(
      String ops, String concurrency, int batch, String warmup, String duration, String transport)
      throws CliException {
    List<BenchOperation> operations = BenchOperation.parseList(ops);
    List<Integer> steps = concurrency(concurrency);
    if (batch < 1 || batch > MAX_BATCH) {
      throw CliException.usage("invalid --batch " + batch + ": must be from 1 to " + MAX_BATCH);
    }
    Duration w = duration("--warmup", warmup, true);
    Duration d = duration("--duration", duration, false);
    return new BenchPlan(operations, steps, batch, w, d, BenchTransport.parse(transport));
  }

  /** Frames per request of {@code op}: {@link #batch()} if batched, else 1. */
  public int framesPerRequest(BenchOperation op) {
    return op.batched() ? batch : 1;
  }

  /** {@code HTTP/1.1} or {@code HTTP/2}. */
  public String httpVersion() {
    return transport.httpVersion();
  }

  /** The most workers of any step. */
  public int maxConcurrency() {
    return concurrency.stream().mapToInt(Integer::intValue).max().orElse(1);
  }

  private static List<Integer> concurrency(String text) throws CliException {
    List<Integer> steps = new ArrayList<>();
    for (String part : text.split(",", -1)) {
      String s = part.strip();
      int n;
      try {
        n = Integer.parseInt(s);
      } catch (NumberFormatException e) {
        n = 0;
      }
      if (n < 1 || n > MAX_CONCURRENCY) {
        throw CliException.usage(
            "invalid --concurrency '"
                + s
                + "': expected numbers from 1 to "
                + MAX_CONCURRENCY
                + " separated by commas");
      }
      steps.add(n);
    }
    if (steps.size() > MAX_STEPS) {
      throw CliException.usage("invalid --concurrency: at most " + MAX_STEPS + " steps");
    }
    return steps;
  }

  private static Duration duration(String option, String text, boolean zeroAllowed)
      throws CliException {
    Duration d;
    try {
      d = GoDuration.parse(text.strip());
    } catch (IllegalArgumentException e) {
      throw CliException.usage(
          "invalid " + option + " '" + text + "': expected a duration such as 500ms, 2s or 1m");
    }
    if (d.isNegative() || (!zeroAllowed && d.isZero())) {
      throw CliException.usage(
          "invalid "
              + option
              + " '"
              + text
              + "': must be "
              + (zeroAllowed ? "0 or more" : "more than 0"));
    }
    if (d.compareTo(Duration.ofMinutes(MAX_STEP_MINUTES)) > 0) {
      throw CliException.usage(
          "invalid " + option + " '" + text + "': at most " + MAX_STEP_MINUTES + "m");
    }
    return d;
  }
}
