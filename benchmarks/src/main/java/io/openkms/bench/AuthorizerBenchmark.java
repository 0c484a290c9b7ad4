package io.openkms.bench;

import io.openkms.kms.crypto.ApiKey;
import io.openkms.kms.crypto.Identity;
import io.openkms.kms.domain.Authorizer;
import io.openkms.kms.domain.Command;
import io.openkms.kms.domain.KmsState;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * The one authorization check per frame (docs/ARCHITECTURE.md §4): {@link Authorizer#authorize} for
 * a User whose policy has five rules ({@link Fixtures#fiveRulePolicy()}), running {@code
 * KEY:GENERATE} on {@code minio-key}; and, for comparison, for the configured root identity
 * (SysAdmin). Time per check in ns.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 2, time = 1)
@Measurement(iterations = 3, time = 1)
@Fork(1)
public class AuthorizerBenchmark {

  static final String ENCLAVE = "minio";
  static final String KEY = "minio-key";

  KmsState state;
  Identity user;
  Identity root;
  Set<Identity> roots;

  /** A User with the five-rule policy, and a distinct root identity. */
  @Setup(Level.Trial)
  public void setUp() {
    user = ApiKey.generate().identity();
    root = ApiKey.generate().identity();
    roots = Set.of(root);
    state = Fixtures.stateWithUser(ENCLAVE, user);
  }

  /** A User allowed by its policy: returns normally. */
  @Benchmark
  public KmsState user() {
    Authorizer.authorize(state, user, roots, ENCLAVE, Command.KEY_GENERATE, KEY);
    return state;
  }

  /** The root identity (SysAdmin): returns normally. */
  @Benchmark
  public KmsState sysAdmin() {
    Authorizer.authorize(state, root, roots, ENCLAVE, Command.KEY_GENERATE, KEY);
    return state;
  }
}
