package io.openkms.bench.load;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

class BenchSweepTest {

  /** Fake requests that record, per operation, the calls and the worker indexes seen. */
  private static final class Recorder {
    final Map<BenchOperation, AtomicLong> calls = new ConcurrentHashMap<>();
    final Map<BenchOperation, Set<Integer>> workers = new ConcurrentHashMap<>();

    LoadRunner.Request request(BenchOperation op) {
      return (worker, seq) -> {
        calls.computeIfAbsent(op, o -> new AtomicLong()).incrementAndGet();
        workers.computeIfAbsent(op, o -> ConcurrentHashMap.newKeySet()).add(worker);
        Thread.sleep(1);
      };
    }

    long calls(BenchOperation op) {
      AtomicLong n = calls.get(op);
      return n == null ? 0 : n.get();
    }

    Set<Integer> workers(BenchOperation op) {
      return workers.getOrDefault(op, Set.of());
    }
  }

  @Test
  void warmsEveryOperationUpAtTheHighestConcurrencyAndReportsOnlyTheSteps()
      throws InterruptedException {
    BenchPlan plan =
        new BenchPlan(
            BenchOperation.parseList("generate,create"),
            List.of(1, 3),
            1,
            Duration.ofMillis(30),
            Duration.ofMillis(60),
            BenchTransport.parse("socket"));
    Recorder recorder = new Recorder();
    List<String> seenAtFirstStep = new ArrayList<>();
    AtomicLong createCallsBeforeFirstStep = new AtomicLong();
    List<StepResult> reported = new ArrayList<>();
    List<StepResult> results =
        BenchSweep.run(
            new LoadRunner(),
            plan,
            recorder::request,
            Duration.ofSeconds(5),
            r -> {
              if (reported.isEmpty()) {
                // before the first step: the warm-up ran every operation with 3 workers
                seenAtFirstStep.add(recorder.workers(BenchOperation.GENERATE).toString());
                seenAtFirstStep.add(recorder.workers(BenchOperation.CREATE).toString());
                createCallsBeforeFirstStep.set(recorder.calls(BenchOperation.CREATE));
              }
              reported.add(r);
            });
    assertEquals(List.of("[0, 1, 2]", "[0, 1, 2]"), seenAtFirstStep);
    assertTrue(createCallsBeforeFirstStep.get() > 0);
    assertEquals(reported, results);
    List<String> steps =
        results.stream().map(r -> r.operation().text() + " " + r.concurrency()).toList();
    assertEquals(List.of("generate 1", "generate 3", "create 1", "create 3"), steps);
    for (BenchOperation op : plan.operations()) {
      long counted =
          results.stream().filter(r -> r.operation() == op).mapToLong(StepResult::requests).sum();
      // every call of the warm-up (and of the steps' own warm-up) is left out of the results
      assertTrue(counted < recorder.calls(op), op + ": " + counted + " of " + recorder.calls(op));
    }
  }

  @Test
  void noWarmUpWhenTheWarmUpTimeIsZero() throws InterruptedException {
    BenchPlan plan =
        new BenchPlan(
            BenchOperation.parseList("decrypt"),
            List.of(1, 4),
            1,
            Duration.ZERO,
            Duration.ofMillis(30),
            BenchTransport.parse("socket"));
    Recorder recorder = new Recorder();
    List<Set<Integer>> seenAtFirstStep = new ArrayList<>();
    List<StepResult> results =
        BenchSweep.run(
            new LoadRunner(),
            plan,
            recorder::request,
            Duration.ofSeconds(5),
            r -> {
              if (seenAtFirstStep.isEmpty()) {
                seenAtFirstStep.add(Set.copyOf(recorder.workers(BenchOperation.DECRYPT)));
              }
            });
    assertEquals(List.of(Set.of(0)), seenAtFirstStep);
    assertEquals(2, results.size());
  }
}
