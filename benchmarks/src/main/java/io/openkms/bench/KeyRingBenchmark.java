package io.openkms.bench;

import io.openkms.kms.crypto.Identity;
import io.openkms.kms.crypto.KeyRing;
import io.openkms.kms.crypto.KeyType;
import io.openkms.kms.crypto.KeyVersion;
import io.openkms.kms.crypto.RandomSource;
import io.openkms.kms.domain.KmsState;
import java.time.Instant;
import java.util.Optional;
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
 * The key lookup of a read request in the immutable snapshot (docs/ARCHITECTURE.md §4): the latest
 * version ({@code version = 0}, what GenerateKey and Encrypt use), one given version (what Decrypt
 * uses), and the whole path from the node state: enclave → key → ring → version. Rings of 1 and
 * 1,000 versions. Time per lookup in ns.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 2, time = 1)
@Measurement(iterations = 3, time = 1)
@Fork(1)
public class KeyRingBenchmark {

  /** Number of versions in the ring. */
  @Param({"1", "1000"})
  public int versions;

  KeyRing ring;
  KmsState state;
  int middle;

  /** Builds the ring and a node state holding it as key {@code minio} of enclave {@code bench}. */
  @Setup(Level.Trial)
  public void setUp() {
    ring = ring(versions);
    middle = Math.max(1, versions / 2);
    state = Fixtures.stateWithKey("bench", "minio", ring);
  }

  /** A ring of {@code n} AES256 versions numbered 1..n. */
  static KeyRing ring(int n) {
    RandomSource random = RandomSource.secure();
    KeyRing r = KeyRing.empty();
    for (int v = 1; v <= n; v++) {
      r =
          r.withVersion(
              KeyVersion.generate(v, KeyType.AES256, Instant.EPOCH, Identity.ZERO, random));
    }
    return r;
  }

  /** {@code ring.version(0)}: the latest version. */
  @Benchmark
  public Optional<KeyVersion> latest() {
    return ring.version(0);
  }

  /** {@code ring.version(n/2)}: one given version. */
  @Benchmark
  public Optional<KeyVersion> given() {
    return ring.version(middle);
  }

  /** {@code state.key("bench", "minio").ring().version(0)}: the handler's whole lookup. */
  @Benchmark
  public Optional<KeyVersion> fromState() {
    return state.key("bench", "minio").ring().version(0);
  }
}
