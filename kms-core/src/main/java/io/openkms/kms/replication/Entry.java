package io.openkms.kms.replication;

import java.util.Objects;

/**
 * One replicated log entry: the command {@code command} at position {@code index} of the log,
 * created by the leader of {@code term}.
 *
 * <p>Indexes are contiguous from 1 (docs/ARCHITECTURE.md §3 "Write path": the leader assigns {@code
 * (term, index)}). An entry keeps its original term forever, also when a later leader re-sends it
 * to complete an in-doubt write.
 *
 * @param term the leader term that created the entry, at least 1
 * @param index the log position, at least 1
 * @param command the replicated command (the domain's change), never null
 * @param <C> the replicated command type
 * @throws IllegalArgumentException if {@code term} or {@code index} is below 1
 * @throws NullPointerException if {@code command} is null
 */
public record Entry<C>(long term, long index, C command) {

  /** Validates the entry. */
  public Entry {
    if (term < 1) {
      throw new IllegalArgumentException("entry term must be >= 1, was " + term);
    }
    if (index < 1) {
      throw new IllegalArgumentException("entry index must be >= 1, was " + index);
    }
    Objects.requireNonNull(command, "command");
  }
}
