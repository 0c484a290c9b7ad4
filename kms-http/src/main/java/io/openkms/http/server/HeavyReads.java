package io.openkms.http.server;

import com.google.protobuf.InvalidProtocolBufferException;
import io.openkms.http.proto.DecryptRequest;
import io.openkms.http.wire.Frame;
import io.openkms.kms.domain.ApiError;
import io.openkms.kms.domain.Command;
import java.util.List;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

/**
 * Where the API runs decrypt requests that may be expensive (issue 13, "CPU amplification": heavy
 * requests never stall other clients): a KEY:DECRYPT batch of more than one frame, or any frame
 * with version 0 (which tries versions newest first). They run on one dedicated thread with a
 * queue of {@value #QUEUE} requests, so at most one core does such work and the dispatcher stays
 * free for everything else. A request that finds the queue full is refused with 429
 * {@code server busy: too many decrypt batches waiting (at most 64); retry later}.
 */
final class HeavyReads {

  /** Requests that may wait for the thread. */
  static final int QUEUE = 64;

  private static final ThreadPoolExecutor EXECUTOR = new ThreadPoolExecutor(1, 1, 0,
      TimeUnit.MILLISECONDS, new ArrayBlockingQueue<>(QUEUE), r -> {
        Thread t = new Thread(r, "minkms-heavy-reads");
        t.setDaemon(true);
        return t;
      });

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
   * Runs {@code work} on the dedicated thread.
   *
   * @return completes with its result, or exceptionally with its exception or 429
   */
  static <T> CompletableFuture<T> run(Supplier<T> work) {
    try {
      return CompletableFuture.supplyAsync(work, EXECUTOR);
    } catch (RejectedExecutionException e) {
      return CompletableFuture.failedFuture(ApiError.decryptQueueFull(QUEUE));
    }
  }
}
