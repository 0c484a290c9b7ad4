package io.openkms.http.server;

import com.google.protobuf.InvalidProtocolBufferException;
import io.openkms.http.proto.DecryptRequest;
import io.openkms.http.wire.Frame;
import io.openkms.kms.domain.ApiError;
import io.openkms.kms.domain.Command;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Where the API runs decrypt requests that may be expensive (issue 13, "CPU amplification": heavy
 * requests never stall other clients): a KEY:DECRYPT batch of more than one frame, or any frame
 * with version 0 (which tries versions newest first, at most {@code limits: decrypt_trials} per
 * request). Everything else (GenerateKey, Encrypt, a one-frame Decrypt with its version) is
 * answered on the Pekko dispatcher as before and never waits for this work.
 *
 * <p>Isolation, three ways:
 *
 * <ul>
 *   <li><b>Threads</b>: the batches run on one dedicated thread ({@code minkms-heavy-reads}), never
 *       on the dispatcher threads that run the HTTP/2 and TLS stages and every other request, so at
 *       most one core does such work.
 *   <li><b>CPU priority</b>: that thread runs at the lowest OS scheduling priority ({@link #NICE},
 *       Linux {@code nice} 19, set with {@code renice(1)} on its thread id when it starts; Java
 *       priorities alone are ignored on Linux), so whenever a dispatcher thread of the node is
 *       runnable it gets the core first: the hot path keeps both cores, the batches take what is
 *       left. With Linux's per-session scheduling groups this only orders the node's own threads:
 *       other processes see the node as before. Where the priority cannot be lowered (no {@code
 *       /proc/thread-self}, no {@code renice}) the node logs one warning and the thread runs at
 *       normal priority.
 *   <li><b>Queue</b>: at most {@code limits: decrypt_queue} requests (default 64, {@link
 *       io.openkms.kms.domain.Quotas}) wait for the thread; a request that finds that many waiting
 *       is refused with 429 {@code server busy: too many decrypt batches waiting (at most N,
 *       limits: decrypt_queue); retry later}.
 * </ul>
 *
 * <p>Why not a Pekko dispatcher: a {@code thread-pool-executor} dispatcher with {@code
 * fixed-pool-size = 1} is this executor, but Pekko has no setting for its threads' OS priority, and
 * its bounded task queue runs a rejected task on the caller's thread (the dispatcher), where the
 * refusal must be a 429 instead. Measured in docs/PERFORMANCE.md, "GenerateKey latency while heavy
 * decrypts run" ({@code benchmarks/run-heavy-bench.sh}).
 */
final class HeavyReads {

  private static final Logger LOG = LoggerFactory.getLogger(HeavyReads.class);

  /** The {@code nice} value of the dedicated thread: the lowest priority Linux has. */
  static final int NICE = 19;

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
            Thread t =
                new Thread(
                    () -> {
                      lowerOwnPriority();
                      r.run();
                    },
                    THREAD_NAME);
            t.setDaemon(true);
            t.setPriority(Thread.MIN_PRIORITY);
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
   * audit line) runs there, never on the low-priority thread, which could otherwise hold a lock
   * (the audit queue's) that a dispatcher thread waits for while it is not scheduled.
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

  /**
   * Gives the calling thread (only it: Linux applies {@code setpriority} to one thread id) the
   * scheduling priority {@code nice} {@link #NICE}: {@code renice -n 19 -p TID}, with TID read from
   * {@code /proc/thread-self}. Raising one's own nice value needs no privilege. Logs a warning
   * instead when that fails.
   *
   * @return true when the priority was set
   */
  static boolean lowerOwnPriority() {
    String why;
    try {
      Path self = Files.readSymbolicLink(Path.of("/proc/thread-self")); // "<pid>/task/<tid>"
      String tid = self.getFileName().toString();
      Process renice =
          new ProcessBuilder("renice", "-n", Integer.toString(NICE), "-p", tid)
              .redirectErrorStream(true)
              .redirectOutput(ProcessBuilder.Redirect.DISCARD)
              .start();
      if (!renice.waitFor(10, TimeUnit.SECONDS)) {
        renice.destroyForcibly();
        why = "renice did not finish in 10 s";
      } else if (renice.exitValue() != 0) {
        why = "renice exited with " + renice.exitValue();
      } else {
        return true;
      }
    } catch (IOException | UnsupportedOperationException | SecurityException e) {
      why = e.toString();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      why = "interrupted";
    }
    LOG.warn(
        "the heavy decrypt thread runs at normal priority ({}): decrypt batches compete with"
            + " other requests for CPU",
        why);
    return false;
  }
}
