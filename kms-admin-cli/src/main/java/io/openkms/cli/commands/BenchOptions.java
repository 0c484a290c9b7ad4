package io.openkms.cli.commands;

import io.openkms.bench.load.BenchOperation;
import io.openkms.bench.load.BenchPlan;
import io.openkms.bench.load.BenchTransport;
import io.openkms.bench.load.BenchWorkload;
import io.openkms.cli.CliException;
import io.openkms.cli.config.GoDuration;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Supplier;

/**
 * The options of {@code minkms bench} read into the plan of a load run ({@link BenchPlan}, of the
 * load generator in benchmarks/load-generator), with the usage error (exit 2) of each bad value.
 */
final class BenchOptions {

  private BenchOptions() {}

  /**
   * Parses the command-line values and checks that a batch fits the server's body limit ({@link
   * BenchWorkload#checkBodySize}).
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
   *     {@code invalid --duration 'X': ...} and those of {@link BenchOperation#parseList}, {@link
   *     BenchTransport#parse} and {@link BenchWorkload#checkBodySize}
   */
  static BenchPlan plan(
      String ops, String concurrency, int batch, String warmup, String duration, String transport)
      throws CliException {
    List<BenchOperation> operations = usage(() -> BenchOperation.parseList(ops));
    List<Integer> steps = concurrency(concurrency);
    if (batch < 1 || batch > BenchPlan.MAX_BATCH) {
      throw CliException.usage(
          "invalid --batch " + batch + ": must be from 1 to " + BenchPlan.MAX_BATCH);
    }
    Duration w = duration("--warmup", warmup, true);
    Duration d = duration("--duration", duration, false);
    BenchTransport t = usage(() -> BenchTransport.parse(transport));
    BenchPlan plan = new BenchPlan(operations, steps, batch, w, d, t);
    usage(
        () -> {
          BenchWorkload.checkBodySize(plan);
          return plan;
        });
    return plan;
  }

  /** The value of {@code parse}, or its IllegalArgumentException as a usage error (exit 2). */
  private static <T> T usage(Supplier<T> parse) throws CliException {
    try {
      return parse.get();
    } catch (IllegalArgumentException e) {
      throw CliException.usage(e.getMessage());
    }
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
      if (n < 1 || n > BenchPlan.MAX_CONCURRENCY) {
        throw CliException.usage(
            "invalid --concurrency '"
                + s
                + "': expected numbers from 1 to "
                + BenchPlan.MAX_CONCURRENCY
                + " separated by commas");
      }
      steps.add(n);
    }
    if (steps.size() > BenchPlan.MAX_STEPS) {
      throw CliException.usage("invalid --concurrency: at most " + BenchPlan.MAX_STEPS + " steps");
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
    if (d.compareTo(Duration.ofMinutes(BenchPlan.MAX_STEP_MINUTES)) > 0) {
      throw CliException.usage(
          "invalid " + option + " '" + text + "': at most " + BenchPlan.MAX_STEP_MINUTES + "m");
    }
    return d;
  }
}
