package io.openkms.kms.replication;

import java.util.ArrayList;
import java.util.List;

/** Collects the parts of one {@link Output} while a machine handles an input. */
final class OutputBuilder<C> {

  private final List<Persist<C>> persist = new ArrayList<>();
  private final List<Entry<C>> apply = new ArrayList<>();
  private final List<Send<C>> send = new ArrayList<>();
  private final List<SendEntries> sendEntries = new ArrayList<>();
  private final List<Reply> replies = new ArrayList<>();
  private final List<Event> events = new ArrayList<>();

  void persist(Persist<C> item) {
    persist.add(item);
  }

  void apply(List<Entry<C>> entries) {
    apply.addAll(entries);
  }

  void send(int to, Message<C> message) {
    send.add(new Send<>(to, message));
  }

  void sendEntries(SendEntries item) {
    sendEntries.add(item);
  }

  void reply(long requestId, WriteOutcome outcome) {
    replies.add(new Reply(requestId, outcome));
  }

  void event(Event event) {
    events.add(event);
  }

  Output<C> build() {
    return new Output<>(persist, apply, send, sendEntries, replies, events);
  }
}
