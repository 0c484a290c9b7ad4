package io.openkms.persistence;

import java.util.ArrayList;
import java.util.List;
import org.apache.pekko.Done;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.persistence.typed.PersistenceId;
import org.apache.pekko.persistence.typed.RecoveryCompleted;
import org.apache.pekko.persistence.typed.RecoveryFailed;
import org.apache.pekko.persistence.typed.SnapshotCompleted;
import org.apache.pekko.persistence.typed.SnapshotFailed;
import org.apache.pekko.persistence.typed.javadsl.CommandHandler;
import org.apache.pekko.persistence.typed.javadsl.EventHandler;
import org.apache.pekko.persistence.typed.javadsl.EventSourcedBehavior;
import org.apache.pekko.persistence.typed.javadsl.SignalHandler;

/**
 * Test-only persistent actor: journals {@link Stored} events (a secret and a marker) and takes a
 * snapshot of its {@link State} after the first event. Lifecycle signals go to {@code signals} as
 * strings: {@code recovered N}, {@code snapshot N}, {@code snapshot failed: …}, {@code recovery
 * failed: …}.
 */
final class Vault extends EventSourcedBehavior<Vault.Command, Vault.Stored, Vault.State> {
  sealed interface Command {}

  /** Journal a secret. */
  record Store(byte[] secret, String marker, ActorRef<Done> replyTo) implements Command {}

  /** Reply with the state. */
  record Get(ActorRef<State> replyTo) implements Command {}

  /** The journaled event. */
  record Stored(byte[] secret, String marker) implements Sealed {}

  /** The state, also the snapshot. */
  record State(List<Stored> entries) implements Sealed {
    State with(Stored e) {
      List<Stored> next = new ArrayList<>(entries);
      next.add(e);
      return new State(List.copyOf(next));
    }
  }

  private final ActorRef<String> signals;
  private final long snapshotEvery;

  private Vault(String id, ActorRef<String> signals, long snapshotEvery) {
    super(PersistenceId.ofUniqueId(id));
    this.signals = signals;
    this.snapshotEvery = snapshotEvery;
  }

  static Behavior<Command> create(String id, ActorRef<String> signals) {
    return new Vault(id, signals, 0);
  }

  /** Snapshots at sequence number 1 and at every multiple of {@code snapshotEvery}. */
  static Behavior<Command> create(String id, ActorRef<String> signals, long snapshotEvery) {
    return new Vault(id, signals, snapshotEvery);
  }

  @Override
  public State emptyState() {
    return new State(List.of());
  }

  @Override
  public CommandHandler<Command, Stored, State> commandHandler() {
    return newCommandHandlerBuilder()
        .forAnyState()
        .onCommand(
            Store.class,
            (state, c) ->
                Effect()
                    .persist(new Stored(c.secret(), c.marker()))
                    .thenReply(c.replyTo(), s -> Done.getInstance()))
        .onCommand(Get.class, (state, c) -> Effect().reply(c.replyTo(), state))
        .build();
  }

  @Override
  public EventHandler<State, Stored> eventHandler() {
    return newEventHandlerBuilder().forAnyState().onEvent(Stored.class, State::with).build();
  }

  @Override
  public boolean shouldSnapshot(State state, Stored event, long sequenceNr) {
    return sequenceNr == 1 || (snapshotEvery > 0 && sequenceNr % snapshotEvery == 0);
  }

  @Override
  public SignalHandler<State> signalHandler() {
    return newSignalHandlerBuilder()
        .onSignal(
            RecoveryCompleted.instance(),
            state -> signals.tell("recovered " + state.entries().size()))
        .onSignal(
            SnapshotCompleted.class,
            (state, s) -> signals.tell("snapshot " + s.metadata().sequenceNr()))
        .onSignal(
            SnapshotFailed.class, (state, s) -> signals.tell("snapshot failed: " + s.getFailure()))
        .onSignal(
            RecoveryFailed.class,
            (state, s) -> signals.tell("recovery failed: " + rootMessage(s.getFailure())))
        .build();
  }

  private static String rootMessage(Throwable t) {
    Throwable c = t;
    while (c.getCause() != null) {
      c = c.getCause();
    }
    return c.getClass().getSimpleName() + ": " + c.getMessage();
  }
}
