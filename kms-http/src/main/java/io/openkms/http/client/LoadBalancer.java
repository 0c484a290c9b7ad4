package io.openkms.http.client;

import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.function.IntUnaryOperator;
import java.util.function.LongSupplier;

/**
 * Host choice and retry order of the Go client's {@code internal/https.LoadBalancer}
 * (docs/PROTOCOL.md §7). No I/O: the clock and the random index are injected.
 *
 * <ul>
 *   <li>{@link #start}: one host → index 0; several → a random index, moved forward (wrapping) to
 *       the first host that has not failed in the last 30 s (the failure memory); if all have, the
 *       random one.
 *   <li>{@link #retryOrder}: after a transport error at {@code start}, the other hosts in list
 *       order after it, wrapping round: at most {@code n − 1} of them.
 *   <li>{@link #recentlyFailed}: a host marked with {@link #markFailed} less than the failure
 *       memory ago; the caller skips such hosts when retrying.
 * </ul>
 *
 * Thread-safe.
 */
final class LoadBalancer {

  /** How long a failed host is avoided by default: 30 s (Go's default, as {@code Timeout} is 0). */
  static final long FAILURE_MEMORY_NANOS = TimeUnit.SECONDS.toNanos(30);

  private final LongSupplier nanoClock;
  private final IntUnaryOperator randomIndex;
  private final long failureMemoryNanos;
  private final Map<String, Long> failedAt = new ConcurrentHashMap<>();

  /**
   * @param nanoClock monotonic time in nanoseconds ({@code System::nanoTime})
   * @param randomIndex given a bound n ≥ 2, a uniformly random index in [0, n)
   */
  LoadBalancer(LongSupplier nanoClock, IntUnaryOperator randomIndex) {
    this(nanoClock, randomIndex, FAILURE_MEMORY_NANOS);
  }

  /** As above, avoiding a failed host for {@code failureMemoryNanos} ns instead of 30 s. */
  LoadBalancer(LongSupplier nanoClock, IntUnaryOperator randomIndex, long failureMemoryNanos) {
    this.nanoClock = nanoClock;
    this.randomIndex = randomIndex;
    this.failureMemoryNanos = failureMemoryNanos;
  }

  /** Index of the host to try first. */
  int start(List<String> hosts) {
    int n = hosts.size();
    if (n <= 1) {
      return 0;
    }
    int random = randomIndex.applyAsInt(n);
    for (int i = 0; i < n; i++) {
      int index = (random + i) % n;
      if (!recentlyFailed(hosts.get(index))) {
        return index;
      }
    }
    return random;
  }

  /** Indexes to try, in order, after the host at {@code start} failed: n − 1 at most. */
  int[] retryOrder(int hostCount, int start) {
    int[] order = new int[Math.max(0, hostCount - 1)];
    for (int i = 0; i < order.length; i++) {
      order[i] = (start + 1 + i) % hostCount;
    }
    return order;
  }

  /** Remembers that {@code host} failed now. */
  void markFailed(String host) {
    failedAt.put(host, nanoClock.getAsLong());
  }

  /** Nanoseconds since {@code host} was last marked failed; -1 when it never was. */
  long failedAgoNanos(String host) {
    Long at = failedAt.get(host);
    return at == null ? -1 : nanoClock.getAsLong() - at;
  }

  /** How long a failed host is avoided, in nanoseconds. */
  long memoryNanos() {
    return failureMemoryNanos;
  }

  /** True when {@code host} was marked failed less than the failure memory (30 s) ago. */
  boolean recentlyFailed(String host) {
    Long at = failedAt.get(host);
    return at != null && nanoClock.getAsLong() - at < failureMemoryNanos;
  }
}
