package io.openkms.http.server;

import com.google.protobuf.InvalidProtocolBufferException;
import io.openkms.http.proto.DecryptRequest;
import io.openkms.http.wire.Frame;
import io.openkms.kms.domain.ApiError;
import io.openkms.kms.domain.Command;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;

/**
 * Where the API runs decrypt requests that may be expensive (issue 13, "CPU amplification": heavy
 * requests never stall other clients): a KEY:DECRYPT batch of more than one frame, or any frame
 * with version 0 (which tries versions newest first). They run on one dedicated thread, so at most
 * one core does such work and the dispatcher stays free for everything else. At most {@code limits:
 * decrypt_queue} requests (default 64, {@link io.openkms.kms.domain.Quotas}) wait for it; a request
 * that finds that many waiting is refused with 429 {@code server busy: too many decrypt batches
 * waiting (at most N, limits: decrypt_queue); retry later}.
 */
final class HeavyReads {

  private static final ThreadPoolExecutor EXECUTOR =
      new ThreadPoolExecutor(
          1,
          1,
          0,
          TimeUnit.MILLISECONDS,
          new LinkedBlockingQueue<>(),
          r -> {
            Thread t = new Thread(r, "minkms-heavy-reads");
            t.setDaemon(true);
            return t;
          });

  /** Requests accepted and not yet started (bounded by the caller's limit). */
  private static final AtomicInteger WAITING = new AtomicInteger();

  private HeavyReads() {}

  /** True for a decrypt request that goes to the dedicated thread. */
  static boolean isHeavy(Command first, List<Frame> frames) {
    if (first != Command.KEY_DECRYPT) {
      return false;
    }
    if (frames.size() > 1) {
      return true;
    }
    try {
      return frames.size() == 1
          && DecryptRequest.parseFrom(frames.get(0).payload()).getVersion() == 0;
    } catch (InvalidProtocolBufferException e) {
      return false; // the handler answers 400
    }
  }

  /**
   * Runs {@code work} on the dedicated thread, unless {@code maxWaiting} requests wait for it
   * already.
   *
   * @param maxWaiting {@code limits: decrypt_queue}
   * @return completes with its result, or exceptionally with its exception or 429
   */
  static <T> CompletableFuture<T> run(Supplier<T> work, int maxWaiting) {
    if (WAITING.getAndUpdate(n -> n < maxWaiting ? n + 1 : n) >= maxWaiting) {
      return CompletableFuture.failedFuture(ApiError.decryptQueueFull(maxWaiting));
    }
    return CompletableFuture.supplyAsync(
        () -> {
          WAITING.decrementAndGet();
          return work.get();
        },
        EXECUTOR);
  }
}
