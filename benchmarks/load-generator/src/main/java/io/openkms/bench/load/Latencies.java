package io.openkms.bench.load;

import java.util.List;
import java.util.PriorityQueue;

/**
 * Latency percentiles of a step, in milliseconds, over the samples of all its workers. A percentile
 * {@code p} is the smallest recorded value {@code v} such that at least {@code p}% of all values
 * are {@code <= v} (nearest rank), each worker's kept values weighted by {@link
 * LatencySamples#weight()}; exact while no worker dropped a value. All zero when nothing was
 * recorded.
 *
 * @param p50Ms median, ms
 * @param p95Ms 95th percentile, ms
 * @param p99Ms 99th percentile, ms
 */
public record Latencies(double p50Ms, double p95Ms, double p99Ms) {

  /** No samples. */
  public static final Latencies NONE = new Latencies(0, 0, 0);

  private static final double NANOS_PER_MS = 1_000_000.0;

  /** The percentiles of every value recorded in {@code samples}. */
  public static Latencies of(List<LatencySamples> samples) {
    double total = 0;
    record Cursor(long[] values, double weight, int index) {}
    PriorityQueue<Cursor> queue =
        new PriorityQueue<>((a, b) -> Long.compare(a.values[a.index], b.values[b.index]));
    for (LatencySamples s : samples) {
      long[] values = s.sorted();
      if (values.length > 0) {
        queue.add(new Cursor(values, s.weight(), 0));
        total += s.count();
      }
    }
    if (queue.isEmpty()) {
      return NONE;
    }
    double[] ranks = {0.50 * total, 0.95 * total, 0.99 * total};
    long[] found = new long[ranks.length];
    int next = 0;
    double seen = 0;
    long last = 0;
    while (!queue.isEmpty() && next < ranks.length) {
      Cursor c = queue.poll();
      last = c.values[c.index];
      seen += c.weight;
      // a tolerance for the weights' rounding: the last value always reaches every rank
      while (next < ranks.length && seen >= ranks[next] - 1e-9 * total) {
        found[next++] = last;
      }
      if (c.index + 1 < c.values.length) {
        queue.add(new Cursor(c.values, c.weight, c.index + 1));
      }
    }
    while (next < ranks.length) {
      found[next++] = last;
    }
    return new Latencies(found[0] / NANOS_PER_MS, found[1] / NANOS_PER_MS, found[2] / NANOS_PER_MS);
  }
}
