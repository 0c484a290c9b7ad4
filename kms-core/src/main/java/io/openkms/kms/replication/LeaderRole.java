package io.openkms.kms.replication;

/**
 * The states of a {@link LeaderStateMachine}; the only transitions are {@code TAKING_OVER →
 * SERVING}, {@code TAKING_OVER → STEPPED_DOWN} and {@code SERVING → STEPPED_DOWN}
 * (docs/ARCHITECTURE.md §3 "Terms and takeover"; docs/ARCHITECTURE.md §6: guarded transitions as in
 * Kafka's {@code raft/}).
 */
public enum LeaderRole {
  /** Collecting promises from every member and completing their logs; writes are queued. */
  TAKING_OVER,
  /** Every member promised and holds the same log; writes are assigned indexes and replicated. */
  SERVING,
  /** A member promised a higher term (or the logs conflict): this leader is fenced for good. */
  STEPPED_DOWN
}
