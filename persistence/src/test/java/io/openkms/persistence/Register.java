package io.openkms.persistence;

import org.apache.pekko.Done;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.persistence.typed.PersistenceId;
import org.apache.pekko.persistence.typed.state.javadsl.CommandHandler;
import org.apache.pekko.persistence.typed.state.javadsl.DurableStateBehavior;

/**
 * Test-only durable-state actor: holds one sealed {@link Value}; exercises
 * jdbc-durable-state-store.
 */
final class Register extends DurableStateBehavior<Register.Command, Register.Value> {
  sealed interface Command {}

  /** Replace the value. */
  record Put(Value value, ActorRef<Done> replyTo) implements Command {}

  /** Reply with the value. */
  record Read(ActorRef<Value> replyTo) implements Command {}

  /** The durable state. */
  record Value(byte[] secret, String marker) implements Sealed {}

  private Register(String id) {
    super(PersistenceId.ofUniqueId(id));
  }

  static Behavior<Command> create(String id) {
    return new Register(id);
  }

  @Override
  public Value emptyState() {
    return new Value(new byte[0], "");
  }

  @Override
  public CommandHandler<Command, Value> commandHandler() {
    return newCommandHandlerBuilder()
        .forAnyState()
        .onCommand(
            Put.class,
            (state, c) ->
                Effect().persist(c.value()).thenReply(c.replyTo(), s -> Done.getInstance()))
        .onCommand(Read.class, (state, c) -> Effect().reply(c.replyTo(), state))
        .build();
  }
}
