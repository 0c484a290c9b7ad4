package io.openkms.http.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.ByteString;
import io.openkms.http.client.KmsClient;
import io.openkms.http.proto.CreateEnclaveRequest;
import io.openkms.http.proto.CreateKeyRequest;
import io.openkms.http.proto.DecryptRequest;
import io.openkms.http.proto.DecryptResponse;
import io.openkms.http.proto.EncryptRequest;
import io.openkms.http.proto.EncryptResponse;
import io.openkms.http.proto.GenerateKeyRequest;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Issue 13, "CPU amplification": heavy requests never stall other clients. While the heavy decrypt
 * thread is held busy, a decrypt batch waits for it, and GenerateKey, Encrypt and a one-frame
 * Decrypt with its version are answered meanwhile (they run on the dispatcher, not behind the
 * batch); once the thread is free the batch is answered too.
 */
class KmsApiHeavyReadsTest {

  private static TestKmsServer server;
  private static KmsClient root;

  @BeforeAll
  static void start() throws Exception {
    server = TestKmsServer.start();
    root = server.root();
    root.createEnclave(CreateEnclaveRequest.newBuilder().setName("e").build());
    root.createKey("e", CreateKeyRequest.newBuilder().setName("k").build());
  }

  @AfterAll
  static void stop() {
    server.close();
  }

  @Test
  void theHotPathIsAnsweredWhileTheHeavyThreadIsBusy() throws Exception {
    EncryptResponse sealed =
        root.encrypt(
            "e",
            EncryptRequest.newBuilder()
                .setName("k")
                .setPlaintext(ByteString.copyFromUtf8("secret"))
                .build());
    DecryptRequest v0 =
        DecryptRequest.newBuilder().setName("k").setCiphertext(sealed.getCiphertext()).build();
    CountDownLatch busy = new CountDownLatch(1);
    CountDownLatch release = new CountDownLatch(1);
    CompletableFuture<Void> holder =
        HeavyReads.run(
            () -> {
              busy.countDown();
              try {
                release.await(60, TimeUnit.SECONDS);
              } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
              }
              return null;
            },
            64,
            Stages.SAME_THREAD);
    CompletableFuture<List<DecryptResponse>> batch = null;
    try {
      assertTrue(busy.await(10, TimeUnit.SECONDS), "the heavy thread is busy");
      batch = CompletableFuture.supplyAsync(() -> root.decrypt("e", List.of(v0, v0)));
      for (int i = 0; i < 20; i++) {
        assertEquals(
            32,
            root.generateKey("e", GenerateKeyRequest.newBuilder().setName("k").build())
                .getPlaintext()
                .size());
        root.encrypt(
            "e",
            EncryptRequest.newBuilder()
                .setName("k")
                .setPlaintext(ByteString.copyFromUtf8("x"))
                .build());
        assertEquals(
            "secret",
            root.decrypt("e", v0.toBuilder().setVersion(sealed.getVersion()).build())
                .getPlaintext()
                .toStringUtf8());
      }
      assertFalse(batch.isDone(), "the batch waits for the heavy thread");
    } finally {
      release.countDown();
      holder.get(10, TimeUnit.SECONDS);
    }
    List<DecryptResponse> answered = batch.get(30, TimeUnit.SECONDS);
    assertEquals(2, answered.size());
    assertEquals("secret", answered.get(0).getPlaintext().toStringUtf8());
  }
}
