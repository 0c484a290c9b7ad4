package io.openkms.bench.load;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

class LoadRunnerTest {

  @Test
  void countsSuccessfulRequestsOfEveryWorker() throws InterruptedException {
    Set<Integer> workers = ConcurrentHashMap.newKeySet();
    AtomicLong calls = new AtomicLong();
    StepResult r =
        new LoadRunner()
            .run(
                BenchOperation.GENERATE,
                3,
                10,
                Duration.ofMillis(20),
                Duration.ofMillis(100),
                Duration.ofSeconds(5),
                (worker, seq) -> {
                  workers.add(worker);
                  calls.incrementAndGet();
                  Thread.sleep(1);
                });
    assertEquals(Set.of(0, 1, 2), workers);
    assertEquals(BenchOperation.GENERATE, r.operation());
    assertEquals(3, r.concurrency());
    assertEquals(10, r.batch());
    assertEquals(0, r.errors());
    assertEquals("", r.firstError());
    assertTrue(r.requests() > 0 && r.requests() <= calls.get(), r.toString());
    assertTrue(r.elapsedMillis() >= 100, r.toString());
    assertEquals(r.requestsPerSecond() * 10, r.opsPerSecond(), 1e-9);
    assertTrue(r.latencies().p50Ms() >= 1.0, r.toString());
    assertTrue(r.latencies().p99Ms() >= r.latencies().p50Ms(), r.toString());
  }

  @Test
  void countsFailuresAndKeepsTheFirstMessage() throws InterruptedException {
    StepResult r =
        new LoadRunner()
            .run(
                BenchOperation.CREATE,
                2,
                1,
                Duration.ZERO,
                Duration.ofMillis(50),
                Duration.ofSeconds(5),
                (worker, seq) -> {
                  Thread.sleep(1);
                  throw new IllegalStateException("kms: key already\nexists");
                });
    assertEquals(0, r.requests());
    assertTrue(r.errors() > 0, r.toString());
    assertEquals("kms: key already exists", r.firstError());
    assertEquals(Latencies.NONE, r.latencies());
    assertEquals(0.0, r.requestsPerSecond());
  }

  @Test
  void interruptsRequestsThatOutliveTheStep() throws InterruptedException {
    long start = System.nanoTime();
    StepResult r =
        new LoadRunner()
            .run(
                BenchOperation.DECRYPT,
                1,
                1,
                Duration.ZERO,
                Duration.ofMillis(20),
                Duration.ofMillis(100),
                (worker, seq) -> Thread.sleep(60_000));
    long tookMillis = (System.nanoTime() - start) / 1_000_000;
    assertTrue(tookMillis < 5_000, "took " + tookMillis + " ms");
    assertEquals(0, r.requests());
    assertEquals(1, r.errors());
    assertEquals("sleep interrupted", r.firstError());
  }
}
