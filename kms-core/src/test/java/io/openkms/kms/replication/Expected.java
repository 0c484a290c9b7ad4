package io.openkms.kms.replication;

import java.util.List;
import java.util.Set;
import java.util.TreeSet;

/** Builds the exact {@link Output} a rule test expects, in the order the caller executes it. */
final class Expected<C> {

  private final OutputBuilder<C> builder = new OutputBuilder<>();

  static <C> Expected<C> output() {
    return new Expected<>();
  }

  Expected<C> saveHardState(HardState hardState) {
    builder.persist(new Persist.SaveHardState<>(hardState));
    return this;
  }

  Expected<C> appendEntries(List<Entry<C>> entries) {
    builder.persist(new Persist.AppendEntries<>(entries));
    return this;
  }

  Expected<C> apply(List<Entry<C>> entries) {
    builder.apply(entries);
    return this;
  }

  Expected<C> send(int to, Message<C> message) {
    builder.send(to, message);
    return this;
  }

  /** The same message to each of {@code to}, in that order. */
  Expected<C> sendToEach(Message<C> message, int... to) {
    for (int member : to) {
      builder.send(member, message);
    }
    return this;
  }

  Expected<C> sendEntries(int to, long term, long from, long toIndex) {
    builder.sendEntries(new SendEntries(to, term, from, toIndex));
    return this;
  }

  Expected<C> reply(long requestId, WriteOutcome outcome) {
    builder.reply(requestId, outcome);
    return this;
  }

  Expected<C> event(Event event) {
    builder.event(event);
    return this;
  }

  Output<C> build() {
    return builder.build();
  }

  // ---------------------------------------------------------------- shared fixtures

  /**
   * Commands of the rule tests are strings; {@code "add:N"} adds node N, {@code "rm:N"} removes it,
   * {@code "rm!:N"} removes it without its acknowledgement (a dead member: it is released),
   * anything else changes no membership.
   */
  static final MembershipRule<String> RULE =
      new MembershipRule<>() {
        @Override
        public Set<Integer> apply(Set<Integer> members, String command) {
          Set<Integer> after = new TreeSet<>(members);
          if (command.startsWith("add:")) {
            after.add(Integer.parseInt(command.substring(4)));
          } else if (command.startsWith("rm:")) {
            after.remove(Integer.parseInt(command.substring(3)));
          } else if (command.startsWith("rm!:")) {
            after.remove(Integer.parseInt(command.substring(4)));
          }
          return after;
        }

        @Override
        public Set<Integer> releases(String command) {
          return command.startsWith("rm!:")
              ? Set.of(Integer.parseInt(command.substring(4)))
              : Set.of();
        }
      };

  static Entry<String> entry(long term, long index, String command) {
    return new Entry<>(term, index, command);
  }

  static HardState promised(long term, int to) {
    return new HardState(term, to, false, Set.of());
  }

  private Expected() {}
}
