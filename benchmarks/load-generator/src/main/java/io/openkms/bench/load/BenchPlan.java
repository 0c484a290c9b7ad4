package io.openkms.bench.load;

import io.openkms.http.wire.Frames;
import java.time.Duration;
import java.util.List;

/**
 * What one load run ({@code minkms bench}) does: every operation in {@code operations}, each at
 * every concurrency of {@code concurrency} (in the given order), each step {@code warmup}
 * unmeasured then {@code duration} measured.
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

  /**
   * Copies the lists. The bounds are checked where the values are read ({@code minkms bench}'s
   * options, {@code io.openkms.cli.commands.BenchOptions}).
   */
  public BenchPlan {
    operations = List.copyOf(operations);
    concurrency = List.copyOf(concurrency);
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
}
