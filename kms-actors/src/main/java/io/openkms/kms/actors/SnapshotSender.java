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
   * The joining node took a part of the state, for the leader's bound on the install ({@code
   * NodeJoin.progress}).
   *
   * @param last true for the last part: the node then decodes the state and journals it in one
   *     write, which {@link #CONFIRM} bounds
   */
  public record Progress(boolean last) {}

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

  /**
   * Bound on the joining node's confirmation after it took the last part: decoding the state and
   * journaling it in one write (the journal's own bound is 30 s, {@code PekkoJdbcConfig}).
   */
  static final Duration CONFIRM = Duration.ofSeconds(60);

  private static final Logger LOG = LoggerFactory.getLogger(SnapshotSender.class);

  private record Encoded(byte[] bytes, Throwable error) {}

  private enum Timer {
    OFFER,
    IDLE,
    CONFIRM
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
    return create(target, install, state, replyTo, null);
  }

  /**
   * Creates the behavior that also reports each part the node took to {@code progress} (null:
   * nobody).
   */
  public static Behavior<Object> create(
      ActorRef<ReplicaLog.Command> target,
      Install install,
      KmsState state,
      ActorRef<Outcome> replyTo,
      ActorRef<Progress> progress) {
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
                  return encoding(ctx, timers, target, install, replyTo, progress);
                }));
  }

  private static Behavior<Object> encoding(
      ActorContext<Object> ctx,
      TimerScheduler<Object> timers,
      ActorRef<ReplicaLog.Command> target,
      Install install,
      ActorRef<Outcome> replyTo,
      ActorRef<Progress> progress) {
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
              return sending(timers, target, offer, plan, bytes, replyTo, progress, false);
            })
        .onMessageEquals(Timer.IDLE, () -> idle(replyTo, false))
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
      ActorRef<Progress> progress,
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
              boolean last = request.seq() == plan.chunkCount() - 1;
              timers.startSingleTimer(
                  Timer.IDLE, last ? Timer.CONFIRM : Timer.IDLE, last ? CONFIRM : IDLE);
              if (progress != null) {
                progress.tell(new Progress(last));
              }
              if (!asked) {
                timers.cancel(Timer.OFFER);
                return sending(timers, target, offer, plan, bytes, replyTo, progress, true);
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
        .onMessageEquals(Timer.IDLE, () -> idle(replyTo, false))
        .onMessageEquals(Timer.CONFIRM, () -> idle(replyTo, true))
        .build();
  }

  private static Behavior<Object> idle(ActorRef<Outcome> replyTo, boolean confirming) {
    replyTo.tell(
        new Outcome(
            null,
            new TimeoutException(
                confirming
                    ? "the node did not confirm the install within "
                        + CONFIRM.toMillis()
                        + " ms of taking the last part of the state"
                    : "the node asked for no part of the state within "
                        + IDLE.toMillis()
                        + " ms")));
    return Behaviors.stopped();
  }
}
