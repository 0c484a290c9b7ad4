package io.openkms.kms.replication;

import java.util.Objects;

/** A role change the caller must act on (the last part of an {@link Output}). */
public sealed interface Event
    permits Event.BecameServing,
        Event.SteppedDown,
        Event.RemovedFromCluster,
        Event.RemovalCommitted {

  /**
   * The leader finished its takeover: every member promised {@code term} and holds the log up to
   * {@code commitIndex}; it now accepts writes (write readiness, {@code /v1/health/ready?write}).
   *
   * @param term the leader's term
   * @param commitIndex the index every member holds
   */
  record BecameServing(long term, long commitIndex) implements Event {}

  /**
   * The leader is fenced for good: drop it and route nothing more to it. To lead again, start a new
   * {@link LeaderStateMachine} with a term above {@code observedTerm}.
   *
   * @param term the term of the leader that stepped down
   * @param observedTerm the highest term a member reported
   * @param reason why
   */
  record SteppedDown(long term, long observedTerm, Reason reason) implements Event {

    /** Validates the event. */
    public SteppedDown {
      Objects.requireNonNull(reason, "reason");
    }

    /** Why a leader stepped down. */
    public enum Reason {
      /** A member promised a higher term, or the same term to another candidate. */
      HIGHER_TERM,
      /** A member's log contradicts the leader's: a broken invariant, never overwritten. */
      LOG_CONFLICT
    }
  }

  /**
   * This replica applied its own removal at {@code index} and applies nothing more
   * (docs/ARCHITECTURE.md §3 invariant 5; docs/REFERENCE.md §4 "Removal": a removed server fails to
   * start).
   *
   * @param index the index of the entry that removed it
   */
  record RemovedFromCluster(long index) implements Event {}

  /**
   * This node's removal is final: the entry that removed it at {@code index} is committed (the node
   * learned it from a leader's commit index, and every remaining member had confirmed it before;
   * see {@link LeaderStateMachine}), or an operator removed it out of band ({@code edit --rm}).
   * Only now may the node leave the cluster for good: before, a new leader may still need its
   * promise and its log up to the removal (the node would otherwise wedge every takeover, found by
   * the simulation with {@code -Dsim.leave=true}: 141 of 2,000 hostile seeds).
   *
   * @param index the index of the entry that removed it (its last index for an out-of-band removal)
   */
  record RemovalCommitted(long index) implements Event {}
}
