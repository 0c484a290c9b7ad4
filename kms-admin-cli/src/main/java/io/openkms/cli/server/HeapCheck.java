package io.openkms.cli.server;

import io.openkms.kms.domain.KmsState;
import io.openkms.kms.domain.StateSize;
import java.util.Optional;

/**
 * Best-effort check at start (issue 13: "a node whose state exceeds its heap says so at start, with
 * the flag to raise"): compares the recovered state's {@link StateSize} estimate with the JVM's
 * maximum heap. The node keeps running; the warning tells the operator what to change before the
 * node runs out of memory.
 */
final class HeapCheck {

  /** The state may use at most this share of the heap (the rest: snapshots, requests, caches). */
  static final int HEAP_SHARE_DIVISOR = 4;

  private HeapCheck() {}

  /**
   * A warning when the state needs more than a quarter of {@code maxHeapBytes}.
   *
   * @param maxHeapBytes {@link Runtime#maxMemory()}
   * @return e.g. {@code the state holds about 90 MiB, more than a quarter of the maximum heap of
   *     256 MiB: raise the heap, e.g. MINKMS_JAVA_OPTS="-Xss512k -XX:+UseSerialGC -Xmx512m" (see
   *     limits: state_size)}; empty when the state fits
   */
  static Optional<String> warnIfStateTooLarge(KmsState state, long maxHeapBytes) {
    long stateBytes = StateSize.of(state);
    if (maxHeapBytes == Long.MAX_VALUE || stateBytes <= maxHeapBytes / HEAP_SHARE_DIVISOR) {
      return Optional.empty();
    }
    long neededMiB = mib(stateBytes * HEAP_SHARE_DIVISOR);
    long suggested = Long.highestOneBit(neededMiB); // the next power of two MiB
    if (suggested < neededMiB) {
      suggested <<= 1;
    }
    return Optional.of(
        "the state holds about "
            + mib(stateBytes)
            + " MiB, more than a quarter of the"
            + " maximum heap of "
            + mib(maxHeapBytes)
            + " MiB: raise the heap, e.g."
            + " MINKMS_JAVA_OPTS=\"-Xss512k -XX:+UseSerialGC -Xmx"
            + suggested
            + "m\" (the launcher's"
            + " default is -Xmx256m; see limits: state_size in the README)");
  }

  private static long mib(long bytes) {
    return Math.max(1, (bytes + (1L << 20) - 1) >> 20);
  }
}
