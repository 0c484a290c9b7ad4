package io.openkms.bench.load;

import java.util.Arrays;
import java.util.SplittableRandom;

/**
 * The latencies of one worker, in nanoseconds, in bounded memory: the first {@code capacity} values
 * are all kept; after that each new value replaces a kept one with probability {@code capacity /
 * count} (reservoir sampling, Vitter's algorithm R), so the kept values stay a uniform sample of
 * all recorded ones. Each kept value then stands for {@link #weight()} values.
 *
 * <p>Not thread-safe: one instance per worker thread.
 */
public final class LatencySamples {

  private final long[] kept;
  private final SplittableRandom random;
  private long count;

  /**
   * @param capacity the most values kept, at least 1 (memory: 8 bytes each)
   * @param seed seed of the replacement choice
   * @throws IllegalArgumentException if {@code capacity < 1}
   */
  public LatencySamples(int capacity, long seed) {
    if (capacity < 1) {
      throw new IllegalArgumentException("capacity must be at least 1, got " + capacity);
    }
    this.kept = new long[capacity];
    this.random = new SplittableRandom(seed);
  }

  /** Records one latency in nanoseconds. */
  public void record(long nanos) {
    if (count < kept.length) {
      kept[(int) count] = nanos;
    } else {
      long slot = random.nextLong(count + 1);
      if (slot < kept.length) {
        kept[(int) slot] = nanos;
      }
    }
    count++;
  }

  /** Number of values recorded (kept or not). */
  public long count() {
    return count;
  }

  /** The kept values, sorted ascending (a new array). */
  public long[] sorted() {
    long[] out = Arrays.copyOf(kept, (int) Math.min(count, kept.length));
    Arrays.sort(out);
    return out;
  }

  /** How many recorded values each kept value stands for: {@code count / kept} (1 if none). */
  public double weight() {
    long n = Math.min(count, kept.length);
    return n == 0 ? 1 : (double) count / n;
  }
}
