package io.openkms.bench;

import java.lang.management.ManagementFactory;
import java.util.Arrays;
import java.util.Locale;

/**
 * CPU time and bytes allocated per trial decryption, from the thread's own counters ({@code
 * com.sun.management.ThreadMXBean}), so a busy machine inflates the figures less than JMH's wall
 * time: runs {@link TrialDecryptBenchmark#versionZero} (one frame tried against every version of
 * the ring, the right one last) for {@code seconds} per round and prints per round the thread CPU
 * ns and bytes per trial, then the median round.
 *
 * <pre>
 *   java -cp benchmarks/target/benchmarks.jar io.openkms.bench.TrialDecryptCpu AES256 100 5 3
 *   (type, versions, rounds, seconds per round)
 * </pre>
 */
public final class TrialDecryptCpu {
  private TrialDecryptCpu() {}

  /**
   * Entry point.
   *
   * @param args type ({@code AES256} or {@code CHACHA20}), versions, rounds, seconds per round
   */
  public static void main(String[] args) {
    TrialDecryptBenchmark b = new TrialDecryptBenchmark();
    b.type = args[0];
    b.versions = Integer.parseInt(args[1]);
    int rounds = Integer.parseInt(args[2]);
    long nanosPerRound = Long.parseLong(args[3]) * 1_000_000_000L;
    b.setUp();
    com.sun.management.ThreadMXBean mx =
        (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
    long tid = Thread.currentThread().getId();
    double[] cpu = new double[rounds];
    double[] bytes = new double[rounds];
    for (int r = -1; r < rounds; r++) { // round -1 warms up
      long frames = 0;
      long cpu0 = mx.getCurrentThreadCpuTime();
      long bytes0 = mx.getThreadAllocatedBytes(tid);
      long end = System.nanoTime() + nanosPerRound;
      while (System.nanoTime() < end) {
        for (int i = 0; i < 10; i++) {
          b.versionZero();
        }
        frames += 10;
      }
      double trials = (double) frames * b.versions;
      if (r >= 0) {
        cpu[r] = (mx.getCurrentThreadCpuTime() - cpu0) / trials;
        bytes[r] = (mx.getThreadAllocatedBytes(tid) - bytes0) / trials;
        System.out.printf(
            Locale.ROOT, "round %d: %.0f ns CPU, %.0f B per trial%n", r + 1, cpu[r], bytes[r]);
      }
    }
    Arrays.sort(cpu);
    Arrays.sort(bytes);
    System.out.printf(
        Locale.ROOT,
        "%s, %d versions: median %.0f ns CPU, %.0f B per trial%n",
        b.type,
        b.versions,
        cpu[rounds / 2],
        bytes[rounds / 2]);
  }
}
