package io.openkms.kms.actors;

import io.openkms.kms.actors.SnapshotMessages.Chunk;
import io.openkms.kms.actors.SnapshotMessages.ChunkRequest;
import io.openkms.kms.actors.SnapshotMessages.Done;
import io.openkms.kms.actors.SnapshotMessages.Offer;
import io.openkms.kms.domain.KmsState;
import io.openkms.kms.replication.SnapshotAssembly;
import io.openkms.kms.replication.SnapshotPlan;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.DispatcherSelector;
import org.apache.pekko.actor.typed.javadsl.ActorContext;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The joining node's side of a snapshot transfer (docs/ARCHITECTURE.md §3 "Joining"), one per
 * {@link Offer}: it pulls the chunks through a {@link SnapshotAssembly} (window {@value #WINDOW},
 * repeat after {@value #RESEND_MILLIS} ms, give up after {@value #GIVE_UP_MILLIS} ms without a
 * chunk), checks length and SHA-256, decodes the state off the actor thread, has the node's {@link
 * ReplicaLog} journal it ({@link ReplicaLog.Install}, which refuses unless the node is fresh) and
 * tells the leader's {@link SnapshotSender} how it ended ({@link Done}).
 *
 * <p>A state that would not fit in this node's heap (more than a third of {@code -Xmx} as bytes) is
 * refused at once, naming the flag to raise.
 */
public final class SnapshotReceiver {

  static final int WINDOW = 4;
  static final long RESEND_MILLIS = 2_000;
  static final long GIVE_UP_MILLIS = 20_000;
  static final Duration TICK = Duration.ofMillis(500);
  static final Duration JOURNAL_TIMEOUT = Duration.ofSeconds(60);

  private static final Logger LOG = LoggerFactory.getLogger(SnapshotReceiver.class);

  private enum Tick {
    INSTANCE
  }

  private record Decoded(KmsState state, Throwable error) {}

  private record Journaled(ReplicaLog.InstallResult result, Throwable error) {}

  private SnapshotReceiver() {}

  /**
   * Creates the behavior.
   *
   * @param offer the leader's offer
   * @param replica this node's replica log (it journals the state)
   * @param onProgress called on every accepted chunk (the node answers "joining" meanwhile)
   */
  public static Behavior<Object> create(
      Offer offer, ActorRef<ReplicaLog.Command> replica, Runnable onProgress) {
    return Behaviors.setup(
        ctx -> {
          long heap = Runtime.getRuntime().maxMemory();
          if (offer.totalBytes() > heap / 3) {
            return fail(
                offer,
                "the state is "
                    + offer.totalBytes()
                    + " bytes, too large for this"
                    + " node's heap of "
                    + heap
                    + " bytes: raise -Xmx in MINKMS_JAVA_OPTS");
          }
          SnapshotAssembly assembly;
          try {
            assembly =
                new SnapshotAssembly(
                    new SnapshotPlan(offer.totalBytes(), offer.chunkBytes()),
                    offer.sha256(),
                    WINDOW,
                    RESEND_MILLIS,
                    GIVE_UP_MILLIS);
          } catch (IllegalArgumentException e) {
            return fail(offer, "invalid offer: " + e.getMessage());
          }
          LOG.info(
              "joining cluster {} as node {}: receiving its state at index {} ({} bytes)",
              offer.clusterId(),
              offer.selfId(),
              offer.lastIndex(),
              offer.totalBytes());
          return Behaviors.withTimers(
              timers -> {
                timers.startTimerWithFixedDelay(Tick.INSTANCE, TICK);
                return new SnapshotReceiver.Running(ctx, offer, replica, onProgress, assembly)
                    .start();
              });
        });
  }

  private static Behavior<Object> fail(Offer offer, String reason) {
    LOG.warn("cannot take the cluster's state: {}", reason);
    offer.sender().tell(new Done(offer.transferId(), Done.FAILED, 0, 0, reason));
    return Behaviors.stopped();
  }

  private static final class Running {
    private final ActorContext<Object> ctx;
    private final Offer offer;
    private final ActorRef<ReplicaLog.Command> replica;
    private final Runnable onProgress;
    private SnapshotAssembly assembly;

    Running(
        ActorContext<Object> ctx,
        Offer offer,
        ActorRef<ReplicaLog.Command> replica,
        Runnable onProgress,
        SnapshotAssembly assembly) {
      this.ctx = ctx;
      this.offer = offer;
      this.replica = replica;
      this.onProgress = onProgress;
      this.assembly = assembly;
    }

    Behavior<Object> start() {
      return handle(assembly.start(now()));
    }

    private Behavior<Object> receiving() {
      return Behaviors.receive(Object.class)
          .onMessage(
              Chunk.class,
              chunk -> {
                if (chunk.transferId() != offer.transferId()) {
                  return Behaviors.same();
                }
                onProgress.run();
                return handle(assembly.accept(chunk.seq(), chunk.data(), now()));
              })
          .onMessageEquals(Tick.INSTANCE, () -> handle(assembly.tick(now())))
          .onAnyMessage(m -> Behaviors.same())
          .build();
    }

    private Behavior<Object> handle(SnapshotAssembly.Step step) {
      for (int seq : step.request()) {
        offer.sender().tell(new ChunkRequest(offer.transferId(), seq, ctx.getSelf().narrow()));
      }
      return switch (step.status()) {
        case RECEIVING -> receiving();
        case FAILED -> fail(offer, step.reason());
        case COMPLETE -> decode();
      };
    }

    /** Decodes the checked bytes off the actor thread; the buffer is released afterwards. */
    private Behavior<Object> decode() {
      byte[] bytes = assembly.bytes();
      assembly = null;
      WireSize codec = WireSize.of(ctx.getSystem());
      Executor blocking = ctx.getSystem().dispatchers().lookup(DispatcherSelector.blocking());
      ctx.pipeToSelf(
          CompletableFuture.supplyAsync(() -> codec.decodeState(bytes), blocking), Decoded::new);
      return Behaviors.receive(Object.class)
          .onMessage(
              Decoded.class,
              decoded -> {
                if (decoded.error() != null) {
                  return fail(offer, "the state does not decode: " + decoded.error().getMessage());
                }
                onProgress.run();
                ctx.ask(
                    ReplicaLog.InstallResult.class,
                    replica,
                    JOURNAL_TIMEOUT,
                    replyTo ->
                        new ReplicaLog.Install(
                            offer.selfId(),
                            offer.clusterId(),
                            decoded.state(),
                            offer.lastTerm(),
                            offer.lastIndex(),
                            offer.leaderTerm(),
                            offer.leaderId(),
                            replyTo),
                    Journaled::new);
                return journaling();
              })
          .onAnyMessage(m -> Behaviors.same())
          .build();
    }

    private Behavior<Object> journaling() {
      return Behaviors.receive(Object.class)
          .onMessage(
              Journaled.class,
              journaled -> {
                if (journaled.error() != null) {
                  return fail(
                      offer, "the state was not journaled: " + journaled.error().getMessage());
                }
                Done done =
                    journaled.result() instanceof ReplicaLog.Installed i
                        ? new Done(
                            offer.transferId(), Done.INSTALLED, i.lastIndex(), i.lastTerm(), "")
                        : new Done(
                            offer.transferId(),
                            Done.REFUSED,
                            ((ReplicaLog.InstallRefused) journaled.result()).lastIndex(),
                            0,
                            "");
                offer.sender().tell(done);
                onProgress.run();
                return Behaviors.stopped();
              })
          .onAnyMessage(m -> Behaviors.same())
          .build();
    }

    private static long now() {
      return System.nanoTime() / 1_000_000;
    }
  }
}
