package io.openkms.kms.replication;

import java.util.List;
import java.util.Objects;

/**
 * One durable write a {@link ReplicaStateMachine} asks for. The caller executes the items of {@link
 * Output#persist()} in list order and only then applies, sends or replies (persist before send: a
 * promise or an acknowledgement must never get ahead of the disk).
 *
 * @param <C> the replicated command type
 */
public sealed interface Persist<C> permits Persist.SaveHardState, Persist.AppendEntries {

  /**
   * Replace the stored {@link HardState} with {@code hardState}.
   *
   * @param hardState the new hard state
   * @param <C> the replicated command type
   */
  record SaveHardState<C>(HardState hardState) implements Persist<C> {

    /** Validates the item. */
    public SaveHardState {
      Objects.requireNonNull(hardState, "hardState");
    }
  }

  /**
   * Append {@code entries} to the stored log; they continue it exactly (the first has index {@code
   * lastIndex + 1}). The stored log is never truncated or rewritten.
   *
   * @param entries contiguous entries, not empty
   * @param <C> the replicated command type
   */
  record AppendEntries<C>(List<Entry<C>> entries) implements Persist<C> {

    /** Validates the item and copies the list. */
    public AppendEntries {
      entries = List.copyOf(entries);
      if (entries.isEmpty()) {
        throw new IllegalArgumentException("entries must not be empty");
      }
    }
  }
}
