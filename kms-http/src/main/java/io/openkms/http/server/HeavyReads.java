package io.openkms.http.server;

import com.google.protobuf.InvalidProtocolBufferException;
import io.openkms.http.proto.DecryptRequest;
import io.openkms.http.wire.Frame;
import io.openkms.kms.domain.ApiError;
import io.openkms.kms.domain.Command;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;

/**
 * Where the API runs decrypt requests that may be expensive (issue 13, "CPU amplification": heavy
 * requests never stall other clients): a KEY:DECRYPT batch of more than one frame, or any frame
 * with version 0 (which tries versions newest first, at most {@code limits: decrypt_trials} per
 * request). Everything else (GenerateKey, Encrypt, a one-frame Decrypt with its version) is
 * answered on the Pekko dispatcher as before and never waits for this work.
 *
 * <p>Isolation:
 *
 * <ul>
 *   <li><b>Threads</b>: the batches run on one dedicated thread ({@value #THREAD_NAME}), never on
 *       the dispatcher threads that run the HTTP/2 and TLS stages and every other request, so at
 *       most one core does such work; its results are completed on the request's dispatcher, so the
 *       response, metrics and audit line are done there and the thread only decrypts.
 *   <li><b>Cost per request</b>: at most {@code limits: decrypt_trials} trial decryptions (400
 *       beyond, {@link KeyHandlers#decrypt}), and a key holds at most {@code limits:
 *       versions_per_key} versions.
 *   <li><b>Queue</b>: at most {@code limits: decrypt_queue} requests (default 64, {@link
 *       io.openkms.kms.domain.Quotas}) wait for the thread; a request that finds that many waiting
 *       is refused with 429 {@code server busy: too many decrypt batches waiting (at most N,
 *       limits: decrypt_queue); retry later}.
 * </ul>
 *
 * <p>The thread runs at normal OS priority on purpose: at the lowest ({@code nice} 19) it was
 * measured to make GenerateKey's tail worse, not better. A JVM stops every thread for a garbage
 * collection only once each has reached a safepoint, and a runnable thread that the OS does not
 * schedule reaches none: the node's time to safepoint (p99) went from 9 to 51 ms, every request
 * waiting meanwhile (docs/PERFORMANCE.md, "GenerateKey latency while heavy decrypts run").
 *
 * <p>Why not a Pekko dispatcher: a {@code thread-pool-executor} dispatcher with {@code
 * fixed-pool-size = 1} is this executor, but its bounded task queue runs a rejected task on the
 * caller's thread (the dispatcher), where the refusal must be a 429 instead; the count of waiting
 * requests is kept here either way.
 */
final class HeavyReads {

  /** The dedicated thread's name. */
  static final String THREAD_NAME = "minkms-heavy-reads";

  private static final ThreadPoolExecutor EXECUTOR =
      new ThreadPoolExecutor(
          1,
          1,
          0,
          TimeUnit.MILLISECONDS,
          new LinkedBlockingQueue<>(),
          r -> {
            Thread t = new Thread(r, THREAD_NAME);
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
   * already, and completes the result on {@code back}: what follows (the response, metrics, the
   * audit line) runs there, and the dedicated thread goes on with the next batch.
   *
   * @param maxWaiting {@code limits: decrypt_queue}
   * @param back where the result is completed: the request's dispatcher
   * @return completes with its result, or exceptionally with its exception (as a {@link
   *     java.util.concurrent.CompletionException}) or 429
   */
  static <T> CompletableFuture<T> run(Supplier<T> work, int maxWaiting, Executor back) {
    if (WAITING.getAndUpdate(n -> n < maxWaiting ? n + 1 : n) >= maxWaiting) {
      return CompletableFuture.failedFuture(ApiError.decryptQueueFull(maxWaiting));
    }
    CompletableFuture<T> out = new CompletableFuture<>();
    CompletableFuture.supplyAsync(
            () -> {
              WAITING.decrementAndGet();
              return work.get();
            },
            EXECUTOR)
        .whenCompleteAsync(
            (value, error) -> {
              if (error != null) {
                out.completeExceptionally(error);
              } else {
                out.complete(value);
              }
            },
            back);
    return out;
  }
}
