package io.openkms.http.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.openkms.kms.domain.KmsException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * {@code limits: decrypt_queue}: while the decrypt thread is busy, that many decrypt batches wait;
 * the next one is refused at once with 429 naming the key, and the waiting ones all run.
 */
class HeavyReadsTest {

  @Test
  void aFullQueueIs429NamingTheKeyAndTheWaitingBatchesRun() throws Exception {
    CountDownLatch started = new CountDownLatch(1);
    CountDownLatch release = new CountDownLatch(1);
    int limit = 3;
    CompletableFuture<Integer> busy =
        HeavyReads.run(
            () -> {
              started.countDown();
              try {
                release.await(30, TimeUnit.SECONDS);
              } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
              }
              return -1;
            },
            limit);
    try {
      assertTrue(started.await(10, TimeUnit.SECONDS));
      List<CompletableFuture<Integer>> waiting = new ArrayList<>();
      for (int i = 0; i < limit; i++) {
        int n = i;
        waiting.add(HeavyReads.run(() -> n, limit));
      }
      ExecutionException refused =
          assertThrows(
              ExecutionException.class,
              () -> HeavyReads.run(() -> 99, limit).get(1, TimeUnit.SECONDS));
      KmsException e = assertInstanceOf(KmsException.class, refused.getCause());
      assertEquals(429, e.status());
      assertEquals(
          "server busy: too many decrypt batches waiting (at most 3, "
              + "limits: decrypt_queue); retry later",
          e.message());
      release.countDown();
      for (int i = 0; i < limit; i++) {
        assertEquals(i, waiting.get(i).get(10, TimeUnit.SECONDS));
      }
      assertEquals(7, HeavyReads.run(() -> 7, limit).get(10, TimeUnit.SECONDS));
    } finally {
      release.countDown();
      busy.get(10, TimeUnit.SECONDS);
    }
  }
}
