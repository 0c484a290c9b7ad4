package io.openkms.kms.replication;

/**
 * Input to a replica whose own removal is in doubt ({@link HardState#removalInDoubt}): the members
 * it asked showed that its removal committed and that none of them reports it unconfirmed any more
 * ({@code lifecycle.RemovalCheck}, issue 12: a removed node whose leader is gone, or a leader that
 * knows no host for it, still learns that it may leave). The replica clears its removals to confirm
 * (persisted first: its log ends at its own removal, so every removal it lists is at or below it,
 * committed too) and emits {@link Event.RemovalCommitted}. Ignored by a replica that is not removed
 * or whose removal is already final.
 *
 * @param <C> the replicated command type
 */
public record RemovalConfirmed<C>() implements ReplicaInput<C> {}
