package io.openkms.kms.replication;

import java.util.List;

/**
 * What one step of a state machine asks the caller to do, like etcd raft's {@code Ready}. Execute
 * it completely, in component order, before the next input to the same machine:
 *
 * <ol>
 *   <li>{@link #persist()} durably, in list order;
 *   <li>{@link #apply()} to the node's state, in list order (ascending, contiguous indexes), each
 *       entry exactly once;
 *   <li>{@link #send()} and {@link #sendEntries()};
 *   <li>{@link #replies()} to the waiting clients;
 *   <li>{@link #events()}.
 * </ol>
 *
 * Applying before sending is deliberate (unlike etcd, where sending may precede applying): a
 * replica's acknowledgement promises "persisted and applied", so that after a write is acknowledged
 * every member's reads reflect it (docs/ARCHITECTURE.md §3 invariant 2).
 *
 * @param persist durable writes (only a replica asks for them)
 * @param apply entries to apply (only a replica asks for them)
 * @param send messages to send
 * @param sendEntries log ranges to read and send (only a replica asks for them)
 * @param replies answers to client writes (only a leader gives them)
 * @param events role changes
 * @param <C> the replicated command type
 */
public record Output<C>(
    List<Persist<C>> persist,
    List<Entry<C>> apply,
    List<Send<C>> send,
    List<SendEntries> sendEntries,
    List<Reply> replies,
    List<Event> events) {

  /** Copies the lists. */
  public Output {
    persist = List.copyOf(persist);
    apply = List.copyOf(apply);
    send = List.copyOf(send);
    sendEntries = List.copyOf(sendEntries);
    replies = List.copyOf(replies);
    events = List.copyOf(events);
  }

  /**
   * Returns an output that asks for nothing.
   *
   * @param <C> the replicated command type
   * @return the empty output
   */
  public static <C> Output<C> empty() {
    return new Output<>(List.of(), List.of(), List.of(), List.of(), List.of(), List.of());
  }

  /**
   * Tells whether this output asks for nothing.
   *
   * @return true if every list is empty
   */
  public boolean isEmpty() {
    return persist.isEmpty()
        && apply.isEmpty()
        && send.isEmpty()
        && sendEntries.isEmpty()
        && replies.isEmpty()
        && events.isEmpty();
  }
}
