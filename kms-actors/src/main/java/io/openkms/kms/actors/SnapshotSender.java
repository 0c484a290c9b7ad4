package io.openkms.kms.actors;

import io.openkms.kms.actors.SnapshotMessages.Chunk;
import io.openkms.kms.actors.SnapshotMessages.ChunkRequest;
import io.openkms.kms.actors.SnapshotMessages.Done;
import io.openkms.kms.actors.SnapshotMessages.Offer;
import io.openkms.kms.domain.KmsState;
import io.openkms.kms.replication.SnapshotAssembly;
import io.openkms.kms.replication.SnapshotPlan;
import java.time.Duration;
import java.util.Arrays;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeoutException;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.DispatcherSelector;
import org.apache.pekko.actor.typed.javadsl.ActorContext;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.actor.typed.javadsl.TimerScheduler;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The leader's side of installing its node's state on a joining node (docs/ARCHITECTURE.md §3
 * "Joining"), separate from the membership decision: the {@link Leader} spawns one per join and
 * hears one {@link Outcome}. It serializes the state once (off the actor thread), offers its length
 * and SHA-256 to the joining node's endpoint, and answers the chunk requests of the node's {@link
 * SnapshotReceiver} with slices of {@link SnapshotPlan#DEFAULT_CHUNK_BYTES}: no message comes near
 * the internode frame, and memory holds one serialized copy plus the chunks in flight.
 *
 * <p>The offer is repeated every {@value #OFFER_RESEND_MILLIS} ms until the node asks for a chunk;
 * a transfer in which the node asks for nothing for {@link #IDLE} fails.
 */
public final class SnapshotSender {

  /** The transfer's end, for the leader: an install result, or the error. */
  public record Outcome(ReplicaLog.InstallResult result, Throwable error) {}

  /**
   * What the offer announces besides the bytes.
   *
   * @param selfId the id the joining node gets
   * @param clusterId the cluster's id
   * @param lastTerm the term of the entry at {@code lastIndex}
   * @param lastIndex the index the state is at
   * @param leaderTerm the installing leader's term
   * @param leaderId the installing leader's node id
   */
  public record Install(
      int selfId, String clusterId, long lastTerm, long lastIndex, long leaderTerm, int leaderId) {}

  static final long OFFER_RESEND_MILLIS = 2_000;

  /** Bound on the joining node's silence. */
  static final Duration IDLE = Duration.ofSeconds(30);

  private static final Logger LOG = LoggerFactory.getLogger(SnapshotSender.class);

  private record Encoded(byte[] bytes, Throwable error) {}

  private enum Timer {
    OFFER,
    IDLE
  }

  private SnapshotSender() {}

  /**
   * Creates the behavior.
   *
   * @param target the joining node's endpoint ({@code /user/replica} of its clustered system)
   * @param install what the offer announces
   * @param state the leader node's state at {@code install.lastIndex()}
   * @param replyTo gets the one {@link Outcome}
   */
  public static Behavior<Object> create(
      ActorRef<ReplicaLog.Command> target,
      Install install,
      KmsState state,
      ActorRef<Outcome> replyTo) {
    return Behaviors.setup(
        ctx ->
            Behaviors.withTimers(
                timers -> {
                  WireSize codec = WireSize.of(ctx.getSystem());
                  Executor blocking =
                      ctx.getSystem().dispatchers().lookup(DispatcherSelector.blocking());
                  ctx.pipeToSelf(
                      CompletableFuture.supplyAsync(() -> codec.encodeState(state), blocking),
                      Encoded::new);
                  timers.startSingleTimer(Timer.IDLE, Timer.IDLE, IDLE);
                  return encoding(ctx, timers, target, install, replyTo);
                }));
  }

  private static Behavior<Object> encoding(
      ActorContext<Object> ctx,
      TimerScheduler<Object> timers,
      ActorRef<ReplicaLog.Command> target,
      Install install,
      ActorRef<Outcome> replyTo) {
    return Behaviors.receive(Object.class)
        .onMessage(
            Encoded.class,
            encoded -> {
              if (encoded.error() != null) {
                replyTo.tell(new Outcome(null, encoded.error()));
                return Behaviors.stopped();
              }
              byte[] bytes = encoded.bytes();
              SnapshotPlan plan = new SnapshotPlan(bytes.length, SnapshotPlan.DEFAULT_CHUNK_BYTES);
              Offer offer =
                  new Offer(
                      ThreadLocalRandom.current().nextLong(),
                      install.selfId(),
                      install.clusterId(),
                      install.lastTerm(),
                      install.lastIndex(),
                      install.leaderTerm(),
                      install.leaderId(),
                      bytes.length,
                      plan.chunkBytes(),
                      SnapshotAssembly.sha256(bytes),
                      ctx.getSelf().narrow());
              LOG.info(
                  "offering the state at index {} to node {}: {} bytes in {} chunks",
                  install.lastIndex(),
                  install.selfId(),
                  bytes.length,
                  plan.chunkCount());
              target.tell(offer);
              timers.startTimerWithFixedDelay(
                  Timer.OFFER, Timer.OFFER, Duration.ofMillis(OFFER_RESEND_MILLIS));
              return sending(timers, target, offer, plan, bytes, replyTo, false);
            })
        .onMessageEquals(Timer.IDLE, () -> idle(replyTo))
        .onAnyMessage(m -> Behaviors.same())
        .build();
  }

  private static Behavior<Object> sending(
      TimerScheduler<Object> timers,
      ActorRef<ReplicaLog.Command> target,
      Offer offer,
      SnapshotPlan plan,
      byte[] bytes,
      ActorRef<Outcome> replyTo,
      boolean asked) {
    return Behaviors.receive(Object.class)
        .onMessage(
            ChunkRequest.class,
            request -> {
              if (request.transferId() != offer.transferId()
                  || request.seq() < 0
                  || request.seq() >= plan.chunkCount()) {
                return Behaviors.same();
              }
              int from = (int) plan.offset(request.seq());
              request
                  .receiver()
                  .tell(
                      new Chunk(
                          offer.transferId(),
                          request.seq(),
                          Arrays.copyOfRange(bytes, from, from + plan.length(request.seq()))));
              timers.startSingleTimer(Timer.IDLE, Timer.IDLE, IDLE);
              if (!asked) {
                timers.cancel(Timer.OFFER);
                return sending(timers, target, offer, plan, bytes, replyTo, true);
              }
              return Behaviors.same();
            })
        .onMessage(
            Done.class,
            done -> {
              if (done.transferId() != offer.transferId()) {
                return Behaviors.same();
              }
              replyTo.tell(
                  switch (done.outcome()) {
                    case Done.INSTALLED ->
                        new Outcome(
                            new ReplicaLog.Installed(done.lastIndex(), done.lastTerm()), null);
                    case Done.REFUSED ->
                        new Outcome(new ReplicaLog.InstallRefused(done.lastIndex()), null);
                    default -> new Outcome(null, new IllegalStateException(done.reason()));
                  });
              return Behaviors.stopped();
            })
        .onMessageEquals(
            Timer.OFFER,
            () -> {
              target.tell(offer);
              return Behaviors.same();
            })
        .onMessageEquals(Timer.IDLE, () -> idle(replyTo))
        .build();
  }

  private static Behavior<Object> idle(ActorRef<Outcome> replyTo) {
    replyTo.tell(
        new Outcome(
            null,
            new TimeoutException(
                "the node asked for no part of the state" + " within " + IDLE.toMillis() + " ms")));
    return Behaviors.stopped();
  }
}
