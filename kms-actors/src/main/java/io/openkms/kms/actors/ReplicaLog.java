package io.openkms.kms.actors;

import java.util.List;
import java.util.function.Consumer;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.persistence.typed.PersistenceId;
import org.apache.pekko.persistence.typed.RecoveryCompleted;
import org.apache.pekko.persistence.typed.javadsl.CommandHandler;
import org.apache.pekko.persistence.typed.javadsl.EventHandler;
import org.apache.pekko.persistence.typed.javadsl.EventSourcedBehavior;
import org.apache.pekko.persistence.typed.javadsl.RetentionCriteria;
import org.apache.pekko.persistence.typed.javadsl.SignalHandler;

/**
 * A node's replica of the replicated log: journals committed entries (sealed under the node's
 * REK) in index order, applies them to the {@link ReplicaState} and publishes every new state
 * through {@code onApplied}, which the read path reads without an actor round trip
 * (ARCHITECTURE §3–§4). It decides nothing: the leader validated the entries; this actor only
 * enforces the append rules (no older term, no gap, duplicates skipped).
 */
public final class ReplicaLog
    extends EventSourcedBehavior<ReplicaLog.Command, ReplicaEvent, ReplicaState> {

  /** The one persistence id of a node's log (each node has its own store). */
  public static final String PERSISTENCE_ID = "minkms-replica-log";

  /** Entries between two snapshots. */
  static final int SNAPSHOT_EVERY = 1000;

  /** Messages of this actor. */
  public sealed interface Command {}

  /**
   * Appends {@code entries} (contiguous, ascending index) from the leader of {@code term}.
   * Replies {@link Appended} with the last index now applied, or {@link Refused}.
   */
  public record Append(long term, List<ReplicaEvent.EntryAppended> entries,
      ActorRef<AppendResult> replyTo) implements Command {}

  /** Asks for a promise to refuse entries of terms below {@code term}. */
  public record Promise(long term, ActorRef<PromiseResult> replyTo) implements Command {}

  /** Replies with the current {@link ReplicaState}. */
  public record GetState(ActorRef<ReplicaState> replyTo) implements Command {}

  /** Result of an {@link Append}. */
  public sealed interface AppendResult {}

  /** The entries are journaled and applied; {@code lastIndex} is this node's commit index. */
  public record Appended(long term, long lastIndex) implements AppendResult {}

  /**
   * Refused: the term is older than {@code promisedTerm} (a stale leader), or the entries would
   * leave a gap after {@code lastIndex} (the leader resends from {@code lastIndex + 1}).
   */
  public record Refused(long promisedTerm, long lastIndex) implements AppendResult {}

  /** Result of a {@link Promise}: granted with this node's last position, or not. */
  public record PromiseResult(boolean granted, long promisedTerm, long lastTerm, long lastIndex) {}

  private final Consumer<ReplicaState> onApplied;

  private ReplicaLog(Consumer<ReplicaState> onApplied) {
    super(PersistenceId.ofUniqueId(PERSISTENCE_ID));
    this.onApplied = onApplied;
  }

  /**
   * Creates the behavior.
   *
   * @param onApplied called (on the actor's thread) after recovery and after every applied batch
   */
  public static Behavior<Command> create(Consumer<ReplicaState> onApplied) {
    return Behaviors.setup(ctx -> new ReplicaLog(onApplied));
  }

  @Override
  public ReplicaState emptyState() {
    return ReplicaState.empty();
  }

  @Override
  public RetentionCriteria retentionCriteria() {
    return RetentionCriteria.snapshotEvery(SNAPSHOT_EVERY, 2);
  }

  @Override
  public SignalHandler<ReplicaState> signalHandler() {
    return newSignalHandlerBuilder()
        .onSignal(RecoveryCompleted.instance(), onApplied::accept)
        .build();
  }

  @Override
  public CommandHandler<Command, ReplicaEvent, ReplicaState> commandHandler() {
    return newCommandHandlerBuilder()
        .forAnyState()
        .onCommand(Append.class, this::onAppend)
        .onCommand(Promise.class, this::onPromise)
        .onCommand(GetState.class, (state, cmd) -> Effect().reply(cmd.replyTo(), state))
        .build();
  }

  private org.apache.pekko.persistence.typed.javadsl.Effect<ReplicaEvent, ReplicaState> onAppend(
      ReplicaState state, Append cmd) {
    if (cmd.term() < state.promisedTerm()) {
      return Effect().reply(cmd.replyTo(), new Refused(state.promisedTerm(), state.lastIndex()));
    }
    List<ReplicaEvent> fresh = new java.util.ArrayList<>();
    long expected = state.lastIndex() + 1;
    for (ReplicaEvent.EntryAppended e : cmd.entries()) {
      if (e.index() < expected) {
        continue; // already applied: a resend
      }
      if (e.index() != expected) {
        return Effect().reply(cmd.replyTo(), new Refused(state.promisedTerm(), state.lastIndex()));
      }
      fresh.add(e);
      expected++;
    }
    if (fresh.isEmpty()) {
      return Effect().reply(cmd.replyTo(), new Appended(cmd.term(), state.lastIndex()));
    }
    return Effect()
        .persist(fresh)
        .thenRun(onApplied::accept)
        .thenReply(cmd.replyTo(), s -> new Appended(cmd.term(), s.lastIndex()));
  }

  private org.apache.pekko.persistence.typed.javadsl.Effect<ReplicaEvent, ReplicaState> onPromise(
      ReplicaState state, Promise cmd) {
    if (cmd.term() <= state.promisedTerm()) {
      return Effect().reply(cmd.replyTo(),
          new PromiseResult(false, state.promisedTerm(), state.lastTerm(), state.lastIndex()));
    }
    return Effect()
        .persist(new ReplicaEvent.TermPromised(cmd.term()))
        .thenReply(cmd.replyTo(),
            s -> new PromiseResult(true, s.promisedTerm(), s.lastTerm(), s.lastIndex()));
  }

  @Override
  public EventHandler<ReplicaState, ReplicaEvent> eventHandler() {
    return newEventHandlerBuilder()
        .forAnyState()
        .onAnyEvent(ReplicaState::apply);
  }
}
