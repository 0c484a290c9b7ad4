package io.openkms.bench;

import io.openkms.http.client.KmsClient;
import io.openkms.http.client.KmsClientException;
import io.openkms.http.proto.CreateEnclaveRequest;
import io.openkms.http.proto.CreateKeyRequest;
import io.openkms.http.proto.DecryptRequest;
import io.openkms.http.proto.EncryptRequest;
import io.openkms.http.proto.GenerateKeyRequest;
import io.openkms.kms.crypto.ApiKey;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The "CPU amplification" reproduction of issue 13 against a running node, as a harness (not a unit
 * test): a key with many versions, Decrypt batches whose frames carry version 0 and a ciphertext of
 * the oldest version (every frame tries every version), and, while two clients send such batches
 * without pause, one client's GenerateKey latencies.
 *
 * <pre>
 * java -cp benchmarks/target/benchmarks.jar io.openkms.bench.AmplificationBench \
 *     127.0.0.1:7373 k1:ROOT-API-KEY [versions=4000] [frames=100] [seconds=10]
 * </pre>
 *
 * Prints: versions created (the node's {@code limits: versions_per_key} may stop it), the time and
 * outcome of one batch, the number and outcomes of the heavy batches, and GenerateKey p50/p99/max
 * in ms during the heavy load.
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
    KmsClient client =
        KmsClient.builder()
            .endpoints(host)
            .apiKey(key.keyPair())
            .insecure(true)
            .requestTimeout(Duration.ofMinutes(5))
            .build();
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

    AtomicBoolean stop = new AtomicBoolean();
    AtomicInteger heavyDone = new AtomicInteger();
    AtomicInteger heavyRefused = new AtomicInteger();
    List<Thread> heavy = new ArrayList<>();
    for (int t = 0; t < 2; t++) {
      Thread th =
          new Thread(
              () -> {
                while (!stop.get()) {
                  String o = decrypt(client, enclave, batch);
                  (o.equals("200") ? heavyDone : heavyRefused).incrementAndGet();
                }
              });
      th.start();
      heavy.add(th);
    }
    List<Double> latencies = new ArrayList<>();
    long end = System.nanoTime() + seconds * 1_000_000_000L;
    Thread.sleep(200);
    while (System.nanoTime() < end) {
      long g0 = System.nanoTime();
      client.generateKey(enclave, GenerateKeyRequest.newBuilder().setName("light").build());
      latencies.add((System.nanoTime() - g0) / 1e6);
      Thread.sleep(20);
    }
    stop.set(true);
    for (Thread th : heavy) {
      th.join(600_000);
    }
    Collections.sort(latencies);
    System.out.printf(
        "heavy batches during %d s: %d answered 200, %d refused;"
            + " GenerateKey n=%d p50=%.1f ms p99=%.1f ms max=%.1f ms%n",
        seconds,
        heavyDone.get(),
        heavyRefused.get(),
        latencies.size(),
        pct(latencies, 0.50),
        pct(latencies, 0.99),
        latencies.get(latencies.size() - 1));
  }

  private static String decrypt(KmsClient client, String enclave, List<DecryptRequest> batch) {
    try {
      client.decrypt(enclave, batch);
      return "200";
    } catch (KmsClientException e) {
      return e.status() + " " + e.getMessage();
    }
  }

  private static double pct(List<Double> sorted, double p) {
    return sorted.get(Math.min(sorted.size() - 1, (int) Math.ceil(p * sorted.size()) - 1));
  }
}
