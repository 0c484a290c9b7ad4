package io.openkms.http.server;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.Executor;

/**
 * Continuations without a thread hop. Pekko hands out {@link CompletionStage}s converted from Scala
 * futures ({@code scala.concurrent.impl.FutureConvertersImpl.CF}); that class turns every non-async
 * method ({@code thenApply}, {@code thenCompose}, {@code exceptionally}, ...) into its {@code
 * ...Async} twin on the default executor. With fewer than three cores the JDK's common pool has
 * parallelism 1, and then {@link CompletableFuture}'s default executor is {@code
 * ThreadPerTaskExecutor}: a new thread for every continuation, i.e. for every request (measured:
 * 760 thread starts/s at 680 requests/s on 2 cores, see docs/PERFORMANCE.md). {@link #sameThread}
 * re-attaches such a stage to a plain {@link CompletableFuture}, completed on the thread that
 * completes the source, so later stages run there too (docs/ARCHITECTURE.md §4: no extra hop on the
 * read path).
 */
final class Stages {

  /** Runs a task at once on the calling thread. */
  static final Executor SAME_THREAD = Runnable::run;

  private Stages() {}

  /**
   * A plain {@link CompletableFuture} with the outcome of {@code stage}, completed on the thread
   * that completes {@code stage} (at once if it is already complete).
   */
  static <T> CompletableFuture<T> sameThread(CompletionStage<T> stage) {
    CompletableFuture<T> out = new CompletableFuture<>();
    stage.whenCompleteAsync(
        (value, error) -> {
          if (error != null) {
            out.completeExceptionally(error);
          } else {
            out.complete(value);
          }
        },
        SAME_THREAD);
    return out;
  }
}
