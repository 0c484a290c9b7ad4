package io.openkms.bench.load;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;
import java.util.function.Function;

/**
 * A whole {@code minkms bench} run: first the client's own warm-up, then every step of the plan.
 *
 * <p>Warm-up: a fresh client JVM runs interpreted at first, and the first operation measured would
 * otherwise pay for compiling the client's TLS, HTTP and protobuf code (on two cores GenerateKey,
 * always first, measured at about a tenth of its speed after the others). So every operation of the
 * plan first runs for {@link BenchPlan#warmup()} at the plan's highest concurrency, unmeasured and
 * not reported (its failures are ignored: a step that fails shows it in its own result). With
 * {@code --warmup 0} there is none. The per-step warm-up of each step still follows.
 */
public final class BenchSweep {

  private BenchSweep() {}

  /**
   * Runs the warm-up, then each operation of {@code plan} at each of its concurrencies, in order.
   *
   * @param runner runs one step
   * @param plan what to run
   * @param requests the request of an operation
   * @param requestTimeout how long to wait past a step's end for requests in flight
   * @param onStep called with each measured step's result as soon as it is known
   * @return one result per measured step ({@code operations × concurrency}, in order); the warm-up
   *     is not among them
   * @throws InterruptedException if the calling thread is interrupted while waiting
   */
  public static List<StepResult> run(
      LoadRunner runner,
      BenchPlan plan,
      Function<BenchOperation, LoadRunner.Request> requests,
      Duration requestTimeout,
      Consumer<StepResult> onStep)
      throws InterruptedException {
    warmUp(runner, plan, requests, requestTimeout);
    List<StepResult> results = new ArrayList<>();
    for (BenchOperation op : plan.operations()) {
      for (int c : plan.concurrency()) {
        StepResult r =
            runner.run(
                op,
                c,
                plan.framesPerRequest(op),
                plan.warmup(),
                plan.duration(),
                requestTimeout,
                requests.apply(op));
        results.add(r);
        onStep.accept(r);
      }
    }
    return List.copyOf(results);
  }

  /** The client warm-up: each operation for the warm-up time at the highest concurrency. */
  private static void warmUp(
      LoadRunner runner,
      BenchPlan plan,
      Function<BenchOperation, LoadRunner.Request> requests,
      Duration requestTimeout)
      throws InterruptedException {
    if (plan.warmup().isZero()) {
      return;
    }
    int concurrency = plan.maxConcurrency();
    for (BenchOperation op : plan.operations()) {
      // all warm-up, nothing measured: the result is dropped
      runner.run(
          op,
          concurrency,
          plan.framesPerRequest(op),
          plan.warmup(),
          Duration.ZERO,
          requestTimeout,
          requests.apply(op));
    }
  }
}
