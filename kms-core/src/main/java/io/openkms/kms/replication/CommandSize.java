package io.openkms.kms.replication;

/**
 * How many bytes a replicated command takes on the wire between nodes (its serialized form), so
 * that the leader can bound its messages by bytes and not only by entries ({@link MessageBudget}).
 * Supplied by the layer that serializes the commands; must be deterministic for a given command.
 *
 * @param <C> the replicated command type
 */
@FunctionalInterface
public interface CommandSize<C> {

  /**
   * The serialized size of {@code command}.
   *
   * @param command the command, never null
   * @return its size in bytes, at least 0
   */
  long bytes(C command);
}
