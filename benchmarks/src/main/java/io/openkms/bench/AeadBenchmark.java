package io.openkms.bench;

import io.openkms.kms.crypto.DecryptException;
import io.openkms.kms.crypto.Identity;
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
 * Seal and open of one data key the way MinIO's hot path asks for it: a 32-byte plaintext with 64
 * bytes of associated data, through {@link KeyVersion#encrypt} / {@link KeyVersion#decrypt} (KES
 * layout, docs/PROTOCOL.md §8: sealing key derived per ciphertext, then AES-256-GCM or
 * ChaCha20-Poly1305). {@link #generate} is what {@code KEY:GENERATE} costs in crypto: 32 random
 * bytes from the per-thread DRBG plus the seal. Time per operation in ns.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 2, time = 1)
@Measurement(iterations = 3, time = 1)
@Fork(1)
public class AeadBenchmark {

  /** Length of a data key, bytes. */
  public static final int DATA_KEY_BYTES = 32;

  /** Length of the associated data MinIO sends, bytes. */
  public static final int ASSOCIATED_DATA_BYTES = 64;

  /** The key type: {@code AES256} or {@code CHACHA20}. */
  @Param({"AES256", "CHACHA20"})
  public String type;

  KeyVersion version;
  byte[] dataKey;
  byte[] associatedData;
  byte[] ciphertext;

  /** Makes a random key version, data key, associated data and one ciphertext to open. */
  @Setup(Level.Trial)
  public void setUp() {
    RandomSource random = RandomSource.secure();
    version = KeyVersion.generate(1, KeyType.valueOf(type), Instant.EPOCH, Identity.ZERO, random);
    dataKey = random.bytes(DATA_KEY_BYTES);
    associatedData = random.bytes(ASSOCIATED_DATA_BYTES);
    ciphertext = version.encrypt(dataKey, associatedData);
  }

  /** Seals the 32-byte data key: 76 bytes out. */
  @Benchmark
  public byte[] seal() {
    return version.encrypt(dataKey, associatedData);
  }

  /** Opens the 76-byte ciphertext: 32 bytes out. */
  @Benchmark
  public byte[] open() throws DecryptException {
    return version.decrypt(ciphertext, associatedData);
  }

  /** A fresh random data key and its ciphertext, as {@code KEY:GENERATE} makes them. */
  @Benchmark
  public byte[] generate() {
    byte[] plaintext = new byte[DATA_KEY_BYTES];
    RandomSource.secure().nextBytes(plaintext);
    return version.encrypt(plaintext, associatedData);
  }
}
