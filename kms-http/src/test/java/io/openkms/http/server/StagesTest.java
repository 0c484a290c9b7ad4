package io.openkms.http.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import scala.concurrent.Promise;
import scala.jdk.javaapi.FutureConverters;

/** {@link Stages#sameThread}: continuations of Pekko's (Scala-converted) stages without a hop. */
class StagesTest {

  /** A stage as Pekko returns it: a Scala future converted with FutureConverters. */
  private static <T> CompletionStage<T> scalaStage(Promise<T> promise) {
    return FutureConverters.asJava(promise.future());
  }

  private static Thread completeOn(String name, Runnable r) throws InterruptedException {
    Thread t = new Thread(r, name);
    t.start();
    t.join(10_000);
    return t;
  }

  @Test
  void continuationRunsOnTheCompletingThread() throws Exception {
    Promise<String> promise = Promise.apply();
    AtomicReference<Thread> ranOn = new AtomicReference<>();
    CompletableFuture<String> out =
        Stages.sameThread(scalaStage(promise))
            .thenApply(
                v -> {
                  ranOn.set(Thread.currentThread());
                  return v + "!";
                });
    Thread completer = completeOn("completer", () -> promise.success("ok"));
    assertEquals("ok!", out.get(10, TimeUnit.SECONDS));
    assertSame(completer, ranOn.get());
  }

  @Test
  void withoutItTheScalaStageHopsToAnotherThread() throws Exception {
    Promise<String> promise = Promise.apply();
    AtomicReference<Thread> ranOn = new AtomicReference<>();
    CompletableFuture<String> out =
        scalaStage(promise)
            .thenApply(
                v -> {
                  ranOn.set(Thread.currentThread());
                  return v;
                })
            .toCompletableFuture();
    Thread completer = completeOn("completer", () -> promise.success("ok"));
    assertEquals("ok", out.get(10, TimeUnit.SECONDS));
    assertNotSame(completer, ranOn.get());
  }

  @Test
  void failuresPassThrough() throws Exception {
    Promise<String> promise = Promise.apply();
    CompletableFuture<String> out = Stages.sameThread(scalaStage(promise));
    IllegalStateException boom = new IllegalStateException("boom");
    completeOn("completer", () -> promise.failure(boom));
    ExecutionException e =
        org.junit.jupiter.api.Assertions.assertThrows(
            ExecutionException.class, () -> out.get(10, TimeUnit.SECONDS));
    Throwable cause = e.getCause() instanceof CompletionException c ? c.getCause() : e.getCause();
    assertSame(boom, cause);
  }

  @Test
  void anAlreadyCompletedStageCompletesAtOnce() {
    CompletableFuture<Integer> out = Stages.sameThread(CompletableFuture.completedFuture(7));
    assertTrue(out.isDone());
    assertEquals(7, out.join());
  }
}
