package io.openkms.kms.replication;

import java.util.Set;

/**
 * How one replicated command changes the KMS membership: the hook through which both state machines
 * learn membership changes carried by log entries ({@code add}, {@code rm}), at the exact index
 * where they happen.
 *
 * <p>Source: docs/ARCHITECTURE.md §3 — KMS membership is replicated state, "changed only by log
 * entries". The domain layer supplies the implementation (for example: an AddNode command returns
 * {@code members ∪ {id}}, a RemoveNode command returns {@code members \ {id}}, every other command
 * returns {@code members}).
 *
 * <p>Rules the replication machines derive from it:
 *
 * <ul>
 *   <li>The entry at index {@code i} must be acknowledged by every member of {@code before(i) ∪
 *       after(i)}: a removal needs the removed node's acknowledgement (it is a normal write,
 *       docs/REFERENCE.md §4 "Removal"), an addition needs the added node's.
 *   <li>A replica that applies an entry removing itself stops there: it applies nothing after it
 *       (invariant 5). A replica that applies an entry removing another member remembers it until
 *       it sees that entry committed, so that the removed member always learns its removal.
 *   <li>A joiner receives entries only once every other member holds them, its own addition
 *       included: a later leader always finds the addition in the log.
 *   <li>Node ids are never reused after a removal (the {@code add} flow allocates a new one).
 *   <li>An entry may {@linkplain #releases release} ids: a removal of a member that is dead (the
 *       leader could not reach it when it assigned the entry) commits with the acknowledgements of
 *       the other members. A released id acknowledges neither that entry nor any earlier one, no
 *       replica remembers it as an unconfirmed removal, and a new leader does not need its promise
 *       once the entry is in the log it folds. The removed node never learns its removal through
 *       the log; when it comes back it finds that its members no longer list it.
 * </ul>
 *
 * Out-of-band changes ({@code minkms edit --rm}, which skips write quorum) are not log entries; the
 * caller reports them with the {@link MembershipChanged} input instead.
 *
 * @param <C> the replicated command type
 */
@FunctionalInterface
public interface MembershipRule<C> {

  /**
   * Returns the member set after applying {@code command}.
   *
   * @param members the member node ids before the command (never modified)
   * @param command the command of a log entry
   * @return the member node ids after it; a set equal to {@code members} when the command does not
   *     change membership. Must be pure and deterministic.
   */
  Set<Integer> apply(Set<Integer> members, C command);

  /**
   * Returns the ids that the entry carrying {@code command} releases: they need not acknowledge it
   * nor any earlier entry (see the class documentation). Only ids that the command removes may be
   * released.
   *
   * @param command the command of a log entry
   * @return the released ids; empty (the default) for every ordinary command. Must be pure.
   */
  default Set<Integer> releases(C command) {
    return Set.of();
  }

  /**
   * Returns the rule for a command type that never changes membership.
   *
   * @param <C> the replicated command type
   * @return a rule that returns its {@code members} argument unchanged
   */
  static <C> MembershipRule<C> none() {
    return (members, command) -> members;
  }
}
