package io.openkms.kms.replication;

import java.util.Set;
import java.util.SortedSet;

/**
 * Input to both machines: members were removed out of band, without a log entry — {@code minkms
 * edit HOST --rm ID...}, which "edits one node's cluster definition without write quorum" to
 * force-remove dead nodes (docs/REFERENCE.md §2 {@code edit}, §4 "Removal"; docs/ARCHITECTURE.md §3
 * "Joining").
 *
 * <p>On the leader a removed id no longer has to acknowledge any entry up to the log's current end,
 * including writes already pending, so writes that waited only for it commit at once; it is dropped
 * from the member set for new entries (a later log entry may add it again). On a replica the ids
 * leave its member set; if its own id is among them it is removed and applies nothing more.
 *
 * <p>Membership changes carried by log entries ({@code add}, {@code rm}) are NOT reported with this
 * input: both machines derive them, at their exact index, through their {@link MembershipRule}. The
 * caller sends this input to the node's replica and, if the node hosts the leader, to the leader as
 * well; the caller also records the edit in the node's applied state, so that a restart restores
 * the replica with the edited member set.
 *
 * @param removedIds the node ids removed; not empty
 * @param <C> the replicated command type
 * @throws IllegalArgumentException if {@code removedIds} is empty or holds a negative id
 */
public record MembershipChanged<C>(Set<Integer> removedIds)
    implements ReplicaInput<C>, LeaderInput<C> {

  /** Validates and copies the set. */
  public MembershipChanged {
    SortedSet<Integer> copy = Sets.sortedCopy(removedIds);
    if (copy.isEmpty()) {
      throw new IllegalArgumentException("removedIds must not be empty");
    }
    removedIds = copy;
  }
}
