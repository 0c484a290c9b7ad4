package io.openkms.bench;

import io.openkms.http.client.KmsClient;
import io.openkms.http.client.KmsClientException;
import io.openkms.http.proto.CreateEnclaveRequest;
import io.openkms.http.proto.CreateKeyRequest;
import io.openkms.http.proto.DecryptRequest;
import io.openkms.http.proto.EncryptRequest;
import io.openkms.http.proto.GenerateKeyRequest;
import io.openkms.kms.crypto.ApiKey;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The "CPU amplification" reproduction of issue 13 against a running node, as a harness (not a unit
 * test): a key with many versions, Decrypt batches whose frames carry version 0 and a ciphertext of
 * the oldest version (every frame tries every version), and one client's GenerateKey latencies,
 * first alone and then while N heavy clients send such batches without pause ("GenerateKey latency
 * while N heavy decrypts run", docs/PERFORMANCE.md).
 *
 * <pre>
 * java -cp "benchmarks/target/benchmarks.jar:kms-admin-cli/target/minkms/lib/*" \
 *     io.openkms.bench.AmplificationBench 127.0.0.1:7373 k1:ROOT-API-KEY \
 *     [versions=4000] [frames=100] [seconds=10] [heavy-clients=2] [own|shared]
 * </pre>
 *
 * With {@code own} (the default) every heavy client and the GenerateKey client has its own {@link
 * KmsClient} (its own HTTP/2 connection), as separate clients of a node would; with {@code shared}
 * they all send on one connection, as the threads of one MinIO server do. The GenerateKey client
 * sends one request, waits for the answer, sleeps 20 ms and sends the next; its first 2 s are a
 * warm-up and not counted.
 *
 * <p>Prints: versions created (the node's {@code limits: versions_per_key} may stop it), the time
 * and outcome of one batch, then for each phase (0 heavy clients, then N) the machine's load
 * average ({@code /proc/loadavg}) before and after, the number and outcomes of the heavy batches,
 * and GenerateKey n, p50, p99 and max in ms; the last line is one Markdown table row.
 */
public final class AmplificationBench {

  private AmplificationBench() {}

  /** Runs the harness; arguments as in the class comment. */
  public static void main(String[] args) throws Exception {
    String host = args[0];
    ApiKey key = ApiKey.parse(args[1]);
    int versions = args.length > 2 ? Integer.parseInt(args[2]) : 4000;
    int frames = args.length > 3 ? Integer.parseInt(args[3]) : 100;
    int seconds = args.length > 4 ? Integer.parseInt(args[4]) : 10;
    int heavyClients = args.length > 5 ? Integer.parseInt(args[5]) : 2;
    boolean shared = args.length > 6 && args[6].equals("shared");
    KmsClient client = client(host, key);
    String enclave = "amp-" + System.nanoTime();
    client.createEnclave(CreateEnclaveRequest.newBuilder().setName(enclave).build());
    client.createKey(enclave, CreateKeyRequest.newBuilder().setName("many").build());
    client.createKey(enclave, CreateKeyRequest.newBuilder().setName("light").build());
    var oldest =
        client.encrypt(
            enclave,
            EncryptRequest.newBuilder()
                .setName("many")
                .setPlaintext(com.google.protobuf.ByteString.copyFromUtf8("secret"))
                .build());
    int created = 1;
    long t0 = System.nanoTime();
    try {
      for (; created < versions; created++) {
        client.createKey(
            enclave, CreateKeyRequest.newBuilder().setName("many").setAddVersion(true).build());
      }
    } catch (KmsClientException e) {
      System.out.println(
          "adding versions stopped at " + created + ": " + e.status() + " " + e.getMessage());
    }
    System.out.printf(
        "versions: %d (created in %.1f s)%n", created, (System.nanoTime() - t0) / 1e9);
    List<DecryptRequest> batch = new ArrayList<>();
    for (int i = 0; i < frames; i++) {
      batch.add(
          DecryptRequest.newBuilder()
              .setName("many")
              .setVersion(0)
              .setCiphertext(oldest.getCiphertext())
              .build());
    }
    int bodyBytes = batch.stream().mapToInt(r -> r.getSerializedSize() + 6).sum();
    long s0 = System.nanoTime();
    String outcome = decrypt(client, enclave, batch);
    System.out.printf(
        "one batch of %d frames (%d bytes): %.0f ms, %s%n",
        frames, bodyBytes, (System.nanoTime() - s0) / 1e6, outcome);

    KmsClient light = shared ? client : client(host, key);
    String alone = phase(host, key, shared ? client : null, light, enclave, batch, 0, seconds);
    String loaded =
        phase(host, key, shared ? client : null, light, enclave, batch, heavyClients, seconds);
    System.out.println(shared ? "one shared connection" : "a connection per client");
    System.out.println(
        "| heavy clients | load before | load after | heavy 200 | heavy refused"
            + " | GenerateKey n | p50 ms | p99 ms | max ms |");
    System.out.println(alone);
    System.out.println(loaded);
  }

  /**
   * One phase: {@code heavyClients} heavy clients (each on its own client, or all on {@code
   * sharedOrNull}) and the GenerateKey client; returns a table row.
   */
  private static String phase(
      String host,
      ApiKey key,
      KmsClient sharedOrNull,
      KmsClient light,
      String enclave,
      List<DecryptRequest> batch,
      int heavyClients,
      int seconds)
      throws InterruptedException {
    String loadBefore = loadAverage();
    AtomicBoolean stop = new AtomicBoolean();
    AtomicInteger heavyDone = new AtomicInteger();
    AtomicInteger heavyRefused = new AtomicInteger();
    ConcurrentHashMap<String, AtomicInteger> refusals = new ConcurrentHashMap<>();
    AtomicBoolean counting = new AtomicBoolean();
    List<Thread> heavy = new ArrayList<>();
    for (int t = 0; t < heavyClients; t++) {
      KmsClient own = sharedOrNull != null ? sharedOrNull : client(host, key);
      Thread th =
          new Thread(
              () -> {
                while (!stop.get()) {
                  String o = decrypt(own, enclave, batch);
                  if (!counting.get()) {
                    continue;
                  }
                  if (o.equals("200")) {
                    heavyDone.incrementAndGet();
                  } else {
                    heavyRefused.incrementAndGet();
                    refusals.computeIfAbsent(o, x -> new AtomicInteger()).incrementAndGet();
                  }
                }
              },
              "heavy-" + t);
      th.start();
      heavy.add(th);
    }
    long warm = System.nanoTime() + 2_000_000_000L;
    while (System.nanoTime() < warm) {
      light.generateKey(enclave, GenerateKeyRequest.newBuilder().setName("light").build());
      Thread.sleep(20);
    }
    counting.set(true);
    List<Double> latencies = new ArrayList<>();
    long end = System.nanoTime() + seconds * 1_000_000_000L;
    while (System.nanoTime() < end) {
      long g0 = System.nanoTime();
      light.generateKey(enclave, GenerateKeyRequest.newBuilder().setName("light").build());
      latencies.add((System.nanoTime() - g0) / 1e6);
      Thread.sleep(20);
    }
    counting.set(false);
    stop.set(true);
    for (Thread th : heavy) {
      th.join(600_000);
    }
    String loadAfter = loadAverage();
    Collections.sort(latencies);
    System.out.printf(
        "%d heavy clients for %d s (load %s -> %s): heavy batches %d answered 200, %d refused %s;"
            + " GenerateKey n=%d p50=%.1f ms p99=%.1f ms max=%.1f ms%n",
        heavyClients,
        seconds,
        loadBefore,
        loadAfter,
        heavyDone.get(),
        heavyRefused.get(),
        refusals,
        latencies.size(),
        pct(latencies, 0.50),
        pct(latencies, 0.99),
        latencies.get(latencies.size() - 1));
    return String.format(
        "| %d | %s | %s | %d | %d | %d | %.1f | %.1f | %.1f |",
        heavyClients,
        loadBefore,
        loadAfter,
        heavyDone.get(),
        heavyRefused.get(),
        latencies.size(),
        pct(latencies, 0.50),
        pct(latencies, 0.99),
        latencies.get(latencies.size() - 1));
  }

  private static KmsClient client(String host, ApiKey key) {
    return KmsClient.builder()
        .endpoints(host)
        .apiKey(key.keyPair())
        .insecure(true)
        .requestTimeout(Duration.ofMinutes(5))
        .build();
  }

  /** The 1-minute load average, or "?" where /proc/loadavg does not exist. */
  private static String loadAverage() {
    try {
      return Files.readString(Path.of("/proc/loadavg")).split(" ")[0];
    } catch (IOException | RuntimeException e) {
      return "?";
    }
  }

  private static String decrypt(KmsClient client, String enclave, List<DecryptRequest> batch) {
    try {
      client.decrypt(enclave, batch);
      return "200";
    } catch (KmsClientException e) {
      String m = String.valueOf(e.getMessage());
      return e.status() + " " + (m.length() > 60 ? m.substring(0, 60) : m);
    }
  }

  private static double pct(List<Double> sorted, double p) {
    return sorted.get(Math.min(sorted.size() - 1, (int) Math.ceil(p * sorted.size()) - 1));
  }
}
