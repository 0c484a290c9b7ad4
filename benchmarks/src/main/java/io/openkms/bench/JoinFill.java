package io.openkms.bench;

import io.openkms.http.client.KmsClient;
import io.openkms.http.proto.CreateEnclaveRequest;
import io.openkms.http.proto.CreateKeyRequest;
import io.openkms.http.proto.CreatePolicyRequest;
import io.openkms.http.proto.Rule;
import io.openkms.http.proto.RuleSet;
import io.openkms.kms.crypto.ApiKey;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Fills a node for the join benchmark ({@code benchmarks/run-join-bench.sh}, docs/PERFORMANCE.md
 * "Joining a node that holds a large state"): {@code ENCLAVES} enclaves {@code enclave-<e>}, {@code
 * KEYS} AES-256 keys {@code key-<k>} spread over them, and {@code POLICIES} policies of about
 * {@code POLICY_BYTES} bytes each (allow patterns of 80 characters), written by {@code THREADS}
 * concurrent clients. Usage:
 *
 * <pre>
 * java -cp benchmarks.jar io.openkms.bench.JoinFill SERVER API_KEY KEYS ENCLAVES POLICIES
 *     POLICY_BYTES THREADS
 * </pre>
 *
 * The server's certificate is not checked (a local benchmark node). Prints the time taken.
 */
public final class JoinFill {

  private JoinFill() {}

  /** Runs the fill; exits non-zero on the first failed write. */
  public static void main(String[] args) throws Exception {
    if (args.length != 7) {
      System.err.println(
          "usage: JoinFill SERVER API_KEY KEYS ENCLAVES POLICIES POLICY_BYTES" + " THREADS");
      System.exit(2);
    }
    String server = args[0];
    ApiKey key = ApiKey.parse(args[1]);
    int keys = Integer.parseInt(args[2]);
    int enclaves = Integer.parseInt(args[3]);
    int policies = Integer.parseInt(args[4]);
    int policyBytes = Integer.parseInt(args[5]);
    int threads = Integer.parseInt(args[6]);
    KmsClient client =
        KmsClient.builder()
            .endpoints(List.of(server))
            .apiKey(key.keyPair())
            .insecure(true)
            .connectTimeout(Duration.ofSeconds(5))
            .requestTimeout(Duration.ofSeconds(60))
            .build();
    long start = System.nanoTime();
    for (int e = 0; e < enclaves; e++) {
      client.createEnclave(CreateEnclaveRequest.newBuilder().setName("enclave-" + e).build());
    }
    run(
        threads,
        keys,
        k ->
            client.createKey(
                "enclave-" + (k % enclaves),
                CreateKeyRequest.newBuilder().setName("key-" + k).build()));
    long keysDone = System.nanoTime();
    int patterns = Math.max(1, policyBytes / 84);
    run(
        Math.min(threads, 4),
        policies,
        p -> {
          RuleSet.Builder rules = RuleSet.newBuilder();
          for (int i = 0; i < patterns; i++) {
            rules.putRules(String.format("p%06d-%073d", p, i), Rule.getDefaultInstance());
          }
          client.createPolicy(
              "enclave-" + (p % enclaves),
              CreatePolicyRequest.newBuilder()
                  .setName("policy-" + p)
                  .putAllow("KEY:ENCRYPT", rules.build())
                  .build());
        });
    long end = System.nanoTime();
    System.out.printf(
        "filled %d keys in %d ms, %d policies of ~%d bytes in %d ms%n",
        keys,
        TimeUnit.NANOSECONDS.toMillis(keysDone - start),
        policies,
        patterns * 84,
        TimeUnit.NANOSECONDS.toMillis(end - keysDone));
    System.exit(0);
  }

  private interface Write {
    void run(int i) throws Exception;
  }

  /**
   * Runs {@code write} for 0..count-1 on {@code threads} threads; a write that fails with 503 (or
   * not at all) is tried again up to 5 times, and a 409 on a retry counts as done (the first try
   * committed).
   */
  private static void run(int threads, int count, Write write) throws Exception {
    run0(
        threads,
        count,
        i -> {
          for (int attempt = 1; ; attempt++) {
            try {
              write.run(i);
              return;
            } catch (io.openkms.http.client.KmsClientException e) {
              if (attempt > 1 && e.status() == 409) {
                return;
              }
              if (e.status() != 503 || attempt == 5) {
                throw new IllegalStateException(
                    "write " + i + ": " + e.status() + " " + e.getMessage(), e);
              }
            } catch (RuntimeException e) {
              if (attempt == 5) {
                throw e;
              }
            }
            Thread.sleep(1_000L * attempt);
          }
        });
  }

  private static void run0(int threads, int count, Write write) throws Exception {
    ExecutorService pool = Executors.newFixedThreadPool(threads);
    try {
      AtomicInteger next = new AtomicInteger();
      List<Future<?>> workers = new ArrayList<>();
      for (int t = 0; t < threads; t++) {
        workers.add(
            pool.submit(
                () -> {
                  for (int i = next.getAndIncrement(); i < count; i = next.getAndIncrement()) {
                    write.run(i);
                  }
                  return null;
                }));
      }
      for (Future<?> w : workers) {
        w.get(2, TimeUnit.HOURS);
      }
    } finally {
      pool.shutdownNow();
    }
  }
}
