package io.openkms.kms.actors;

import io.openkms.kms.util.Stages;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * Bounds an ask with a JDK timer.
 *
 * <p>Pekko schedules an ask's timeout on the scheduler of the <b>target's</b> actor system,
 * whatever scheduler the caller passes to {@code AskPattern.ask}. When that system terminates while
 * the ask is in flight, the timeout never fires and the ask never completes. A node terminates its
 * clustered actor system whenever it leaves a one-node cluster to join another (re-admission of a
 * wiped member, {@code minkms add}); a client write forwarded in that window would wait forever
 * (seen in {@code MemberRecoveryTest}, proved by {@code AsksTest}). Every ask the API waits on goes
 * through {@link #bounded}.
 */
public final class Asks {

  private Asks() {}

  /**
   * A stage that completes like {@code ask}, or with a {@link TimeoutException} {@code bound} after
   * this call if {@code ask} has not completed by then (the JDK's delay thread, cancelled when the
   * ask completes first).
   *
   * @param ask the stage of an ask (or any stage)
   * @param bound how long to wait, at least 1 ms
   */
  public static <T> CompletableFuture<T> bounded(CompletionStage<T> ask, Duration bound) {
    CompletableFuture<T> out = new CompletableFuture<>();
    ask.whenComplete(
        (value, error) -> {
          if (error != null) {
            out.completeExceptionally(error);
          } else {
            out.complete(value);
          }
        });
    return out.orTimeout(Math.max(1, bound.toMillis()), TimeUnit.MILLISECONDS);
  }

  /** The failure of a stage without the {@link CompletionException}s the stages wrapped it in. */
  public static Throwable cause(Throwable error) {
    return Stages.cause(error);
  }
}
