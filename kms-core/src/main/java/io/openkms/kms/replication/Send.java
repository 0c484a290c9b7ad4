package io.openkms.kms.replication;

import java.util.Objects;

/**
 * Send {@code message} to node {@code to}. Delivery may fail; the machines re-send what matters. A
 * message to the sender's own node id is delivered locally (the leader reaches its own node's
 * replica log this way).
 *
 * @param to the destination node id
 * @param message the message
 * @param <C> the replicated command type
 */
public record Send<C>(int to, Message<C> message) {

  /** Validates the item. */
  public Send {
    if (to < 0) {
      throw new IllegalArgumentException("to must be >= 0, was " + to);
    }
    Objects.requireNonNull(message, "message");
  }
}
