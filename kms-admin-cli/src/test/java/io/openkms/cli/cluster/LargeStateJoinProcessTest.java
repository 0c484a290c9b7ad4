package io.openkms.cli.cluster;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.openkms.http.client.KmsClient;
import io.openkms.http.client.KmsClientException;
import io.openkms.http.proto.AddClusterNodeRequest;
import io.openkms.http.proto.CreateEnclaveRequest;
import io.openkms.http.proto.CreateKeyRequest;
import io.openkms.http.proto.CreatePolicyRequest;
import io.openkms.http.proto.KeyStatusRequest;
import io.openkms.http.proto.KeyStatusResponse;
import io.openkms.http.proto.Rule;
import io.openkms.http.proto.RuleSet;
import io.openkms.kms.cluster.ProbeResult;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * Issue 12 "minkms add of a fresh node when the cluster holds ~1,000 keys" and issue 13 "one
 * oversized write stops all cluster writes for good", with real nodes: a node holding 10,000 keys
 * in 10 enclaves and 10 policies of 32 KiB (a state of several internode frames) adds a fresh node,
 * which answers 503 {@code node is joining the cluster} (never 404) until it holds the state and
 * then serves every key with an equal state digest; a 300 KB policy is refused with 400 naming
 * {@code limits: max_change_size} and the next write commits on both nodes. {@code
 * -Dminkms.joinKeys=N} changes the number of keys.
 */
@Tag("process")
class LargeStateJoinProcessTest {

  static final int KEYS = Integer.getInteger("minkms.joinKeys", 10_000);
  static final int ENCLAVES = 10;

  /** A policy of {@code patterns} allow patterns of 80 characters (about 84 bytes each). */
  static CreatePolicyRequest policy(String name, int patterns) {
    RuleSet.Builder rules = RuleSet.newBuilder();
    for (int i = 0; i < patterns; i++) {
      rules.putRules(
          String.format("%s-%074d", name.substring(0, Math.min(4, name.length())), i),
          Rule.getDefaultInstance());
    }
    return CreatePolicyRequest.newBuilder()
        .setName(name)
        .putAllow("KEY:ENCRYPT", rules.build())
        .build();
  }

  @Test
  void aFreshNodeJoinsANodeHoldingTenThousandKeys() throws Exception {
    try (ProcessFixture fixture = new ProcessFixture("large-join")) {
      NodeProcess n0 = fixture.node("node0", "127.0.0.1");
      NodeProcess n1 = fixture.node("node1", "127.0.0.2");
      // both JVMs start at once (the time of one start): node1 stays a fresh one-node cluster
      // with no writes until it is added
      NodeProcess.startAll(List.of(n0, n1));
      KmsClient c0 = fixture.client(n0);
      for (int e = 0; e < ENCLAVES; e++) {
        c0.createEnclave(CreateEnclaveRequest.newBuilder().setName("enclave-" + e).build());
      }
      long created = System.nanoTime();
      ExecutorService pool = Executors.newFixedThreadPool(16);
      try {
        List<Future<?>> writes = new ArrayList<>();
        AtomicInteger next = new AtomicInteger();
        for (int t = 0; t < 16; t++) {
          writes.add(
              pool.submit(
                  () -> {
                    for (int k = next.getAndIncrement(); k < KEYS; k = next.getAndIncrement()) {
                      c0.createKey(
                          "enclave-" + (k % ENCLAVES),
                          CreateKeyRequest.newBuilder().setName("key-" + k).build());
                    }
                    return null;
                  }));
        }
        for (Future<?> w : writes) {
          w.get(10, TimeUnit.MINUTES);
        }
      } finally {
        pool.shutdownNow();
      }
      System.out.printf(
          "created %d keys in %d ms%n",
          KEYS, TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - created));
      for (int p = 0; p < 10; p++) {
        c0.createPolicy("enclave-" + p, policy("policy-" + p, 380)); // ~32 KiB each
      }

      // issue 13 row 1: refused at the API, nothing written, the next write commits
      long before = fixture.probe(n0).commit();
      KmsClientException tooLarge =
          assertThrows(
              KmsClientException.class, () -> c0.createPolicy("enclave-0", policy("huge", 3_600)));
      assertEquals(400, tooLarge.status());
      assertTrue(
          tooLarge.getMessage().contains("(limits: max_change_size)"), tooLarge.getMessage());
      assertEquals(before, fixture.probe(n0).commit());
      c0.createEnclave(CreateEnclaveRequest.newBuilder().setName("after-refusal").build());

      KmsClient c1 = fixture.client(n1);
      AtomicBoolean adding = new AtomicBoolean(true);
      AtomicBoolean sawJoining = new AtomicBoolean();
      AtomicReference<String> wrongAnswer = new AtomicReference<>();
      Thread watcher =
          new Thread(
              () -> {
                while (adding.get()) {
                  try {
                    c1.keyStatus(
                        "enclave-1", KeyStatusRequest.newBuilder().setName("key-1").build());
                  } catch (KmsClientException e) {
                    if (e.status() == 503
                        && e.getMessage().contains("node is joining the cluster")) {
                      sawJoining.set(true);
                    } else if (sawJoining.get()) {
                      wrongAnswer.compareAndSet(null, e.status() + " " + e.getMessage());
                    }
                  } catch (RuntimeException e) {
                    // not listening yet, or restarting its cluster system
                  }
                  try {
                    Thread.sleep(20);
                  } catch (InterruptedException e) {
                    return;
                  }
                }
              });
      watcher.start();
      long addStarted = System.nanoTime();
      try {
        c0.addNode(AddClusterNodeRequest.newBuilder().setHost(n1.host()).build());
      } finally {
        adding.set(false);
        watcher.join();
      }
      long joinMillis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - addStarted);
      System.out.printf("join of a fresh node holding %d keys took %d ms%n", KEYS, joinMillis);
      assertEquals(null, wrongAnswer.get(), "once joining, only 503 joining or the answer");

      ProbeResult p0 = fixture.probe(n0);
      ProbeResult p1 = fixture.probe(n1);
      assertEquals(p0.commit(), p1.commit());
      assertEquals(p0.digest(), p1.digest(), "equal states");
      KmsClient direct = c1.direct(n1.host());
      for (int from = 0; from < KEYS; from += 100) {
        for (int e = 0; e < ENCLAVES; e++) {
          List<KeyStatusRequest> batch = new ArrayList<>();
          for (int k = from + e; k < Math.min(KEYS, from + 100); k += ENCLAVES) {
            batch.add(KeyStatusRequest.newBuilder().setName("key-" + k).build());
          }
          if (!batch.isEmpty()) {
            List<KeyStatusResponse> status = direct.keyStatus("enclave-" + e, batch);
            assertEquals(batch.size(), status.size());
          }
        }
      }
      // both nodes commit the next write
      c1.createEnclave(CreateEnclaveRequest.newBuilder().setName("after-join").build());
      assertEquals(fixture.probe(n0).digest(), fixture.probe(n1).digest());
    }
  }
}
