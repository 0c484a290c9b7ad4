package io.openkms.kms.actors;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.javadsl.AskPattern;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * An ask into an actor system that terminates before the answer: Pekko's own timeout (scheduled on
 * the target's system) never fires; {@link Asks#bounded} does.
 */
class AsksTest {

  private ActorSystem<Void> main;
  private ActorSystem<String> other;

  @BeforeEach
  void start() {
    main = ActorSystem.create(Behaviors.empty(), "asks-main");
    other = ActorSystem.create(Behaviors.ignore(), "asks-other");
  }

  @AfterEach
  void stop() throws Exception {
    main.terminate();
    other.terminate();
    main.getWhenTerminated().toCompletableFuture().get(20, TimeUnit.SECONDS);
  }

  private CompletionStage<Object> askThenTerminateTarget() throws Exception {
    CompletionStage<Object> ask =
        AskPattern.ask(
            other, replyTo -> "never answered", Duration.ofMillis(300), main.scheduler());
    other.terminate();
    other.getWhenTerminated().toCompletableFuture().get(20, TimeUnit.SECONDS);
    return ask;
  }

  @Test
  void pekkosOwnTimeoutDoesNotFireOnceTheTargetsSystemIsGone() throws Exception {
    CompletableFuture<Object> ask = askThenTerminateTarget().toCompletableFuture();
    // ten times the ask's own 300 ms timeout: the hang this class exists for
    assertThrows(TimeoutException.class, () -> ask.get(3, TimeUnit.SECONDS));
    assertFalse(ask.isDone());
  }

  @Test
  void aBoundedAskCompletesWithATimeoutAtItsBound() throws Exception {
    long t0 = System.nanoTime();
    CompletableFuture<Object> ask = Asks.bounded(askThenTerminateTarget(), Duration.ofMillis(300));
    ExecutionException e =
        assertThrows(ExecutionException.class, () -> ask.get(10, TimeUnit.SECONDS));
    assertInstanceOf(TimeoutException.class, e.getCause());
    assertTrue(System.nanoTime() - t0 < TimeUnit.SECONDS.toNanos(10));
  }

  @Test
  void aBoundedStageCompletesLikeTheStage() throws Exception {
    assertEquals(
        "v", Asks.bounded(CompletableFuture.completedFuture("v"), Duration.ofSeconds(1)).get());
    IllegalStateException failure = new IllegalStateException("x");
    ExecutionException e =
        assertThrows(
            ExecutionException.class,
            () ->
                Asks.bounded(CompletableFuture.failedFuture(failure), Duration.ofSeconds(1)).get());
    assertEquals(failure, e.getCause());
  }
}
