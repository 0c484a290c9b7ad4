package io.openkms.bench.load;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.List;
import org.junit.jupiter.api.Test;

class LatenciesTest {

  private static final long MS = 1_000_000;

  @Test
  void nearestRankPercentilesOfOneWorker() {
    LatencySamples s = new LatencySamples(1000, 1);
    for (long i = 100; i >= 1; i--) {
      s.record(i * MS);
    }
    assertEquals(new Latencies(50, 95, 99), Latencies.of(List.of(s)));
  }

  @Test
  void mergesWorkers() {
    LatencySamples a = new LatencySamples(1000, 1);
    LatencySamples b = new LatencySamples(1000, 2);
    for (long i = 1; i <= 100; i++) {
      (i % 2 == 0 ? a : b).record(i * MS);
    }
    assertEquals(new Latencies(50, 95, 99), Latencies.of(List.of(a, b)));
  }

  @Test
  void weightsWorkersThatDroppedValues() {
    // a: 1000 values of 1 ms, only 10 kept (weight 100); b: 10 values of 2 ms (weight 1).
    LatencySamples a = new LatencySamples(10, 1);
    for (int i = 0; i < 1000; i++) {
      a.record(MS);
    }
    LatencySamples b = new LatencySamples(10, 2);
    for (int i = 0; i < 10; i++) {
      b.record(2 * MS);
    }
    assertEquals(1000, a.count());
    assertEquals(100.0, a.weight());
    assertEquals(10, a.sorted().length);
    // 1010 values: 99% rank = 999.9 is still within the 1000 one-millisecond values
    assertEquals(new Latencies(1, 1, 1), Latencies.of(List.of(a, b)));
    LatencySamples c = new LatencySamples(10, 3);
    for (int i = 0; i < 90; i++) {
      c.record(3 * MS);
    }
    // 1100 values, 1000 of 1 ms: p50 1 ms; p95 rank 1045 falls in c (weight 9 each, 3 ms)
    assertEquals(new Latencies(1, 3, 3), Latencies.of(List.of(a, b, c)));
  }

  @Test
  void reservoirKeepsAtMostItsCapacity() {
    LatencySamples s = new LatencySamples(4, 7);
    for (long i = 1; i <= 3; i++) {
      s.record(i);
    }
    assertArrayEquals(new long[] {1, 2, 3}, s.sorted());
    assertEquals(1.0, s.weight());
    for (long i = 4; i <= 10_000; i++) {
      s.record(i);
    }
    assertEquals(10_000, s.count());
    assertEquals(4, s.sorted().length);
    assertEquals(2500.0, s.weight());
  }

  @Test
  void emptySamplesGiveZeros() {
    assertEquals(Latencies.NONE, Latencies.of(List.of()));
    assertEquals(new Latencies(0, 0, 0), Latencies.of(List.of(new LatencySamples(8, 1))));
    assertEquals(1.0, new LatencySamples(8, 1).weight());
  }

  @Test
  void rejectsZeroCapacity() {
    IllegalArgumentException e =
        assertThrows(IllegalArgumentException.class, () -> new LatencySamples(0, 1));
    assertEquals("capacity must be at least 1, got 0", e.getMessage());
  }
}
