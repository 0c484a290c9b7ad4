package io.openkms.bench;

import io.openkms.kms.crypto.Identity;
import io.openkms.kms.crypto.KeyRing;
import io.openkms.kms.crypto.KeyType;
import io.openkms.kms.crypto.KeyVersion;
import io.openkms.kms.crypto.RandomSource;
import java.time.Instant;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * The trial decryption of a Decrypt frame with version 0 (issue 13, "CPU amplification"): one
 * 76-byte ciphertext of a 32-byte data key with 64 bytes of associated data, sealed by the oldest
 * version of a ring of {@code versions} versions, opened with {@link KeyRing#decryptNewestFirst},
 * so every newer version is tried and fails first. Time per frame in ns; run with {@code -prof gc}
 * for the bytes allocated per frame (divide by {@code versions} for one trial).
 *
 * <pre>
 *   java -jar benchmarks/target/benchmarks.jar TrialDecryptBenchmark -prof gc
 * </pre>
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
public class TrialDecryptBenchmark {

  /** The key type of every version: {@code AES256} or {@code CHACHA20}. */
  @Param({"AES256", "CHACHA20"})
  public String type;

  /** Number of versions in the ring; the right one is tried last. */
  @Param({"100"})
  public int versions;

  KeyRing ring;
  byte[] associatedData;
  byte[] ciphertext;

  /** Builds the ring (versions 1..n) and seals a random data key with version 1. */
  @Setup(Level.Trial)
  public void setUp() {
    RandomSource random = RandomSource.secure();
    KeyRing r = KeyRing.empty();
    for (int v = 1; v <= versions; v++) {
      r =
          r.withVersion(
              KeyVersion.generate(v, KeyType.valueOf(type), Instant.EPOCH, Identity.ZERO, random));
    }
    ring = r;
    associatedData = random.bytes(AeadBenchmark.ASSOCIATED_DATA_BYTES);
    ciphertext =
        ring.version(1)
            .orElseThrow()
            .encrypt(random.bytes(AeadBenchmark.DATA_KEY_BYTES), associatedData);
  }

  /**
   * Version 0: tries versions n..1 and finds the plaintext with version 1.
   *
   * @throws IllegalStateException if it was not found (a broken benchmark, not a result)
   */
  @Benchmark
  public KeyRing.Attempt versionZero() {
    KeyRing.Attempt a = ring.decryptNewestFirst(ciphertext, associatedData, Integer.MAX_VALUE);
    if (a.decrypted() == null || a.decrypted().version() != 1) {
      throw new IllegalStateException("the oldest version did not decrypt");
    }
    return a;
  }
}
