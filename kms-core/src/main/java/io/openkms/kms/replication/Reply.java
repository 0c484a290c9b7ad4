package io.openkms.kms.replication;

import java.util.Objects;

/**
 * Answer client write {@code requestId} (from {@link LeaderInput.ClientWrite}) with {@code
 * outcome}. Every write gets exactly one reply.
 *
 * @param requestId the request id of the write
 * @param outcome what happened
 */
public record Reply(long requestId, WriteOutcome outcome) {

  /** Validates the item. */
  public Reply {
    Objects.requireNonNull(outcome, "outcome");
  }
}
