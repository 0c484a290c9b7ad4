package io.openkms.kms.replication;

import java.util.Map;
import java.util.Set;
import java.util.function.LongFunction;

/**
 * The commit rule of this product: write quorum N of N. An entry is committed when every member
 * that must acknowledge it has persisted and applied it, and every earlier entry is committed
 * (docs/ARCHITECTURE.md §3 "Write path": the leader answers "only when every member has persisted
 * and applied it"; docs/REFERENCE.md §1 "Write quorum: N of N"). Pure functions.
 */
public final class CommitRule {

  private CommitRule() {}

  /**
   * Returns the highest index that every member acknowledged.
   *
   * @param members the node ids that must acknowledge; not empty
   * @param ackedIndex per node id, the highest index it acknowledged; a missing id counts as 0
   * @return the minimum over {@code members} of their acknowledged index
   * @throws IllegalArgumentException if {@code members} is empty
   */
  public static long highestAckedByAll(Set<Integer> members, Map<Integer, Long> ackedIndex) {
    if (members.isEmpty()) {
      throw new IllegalArgumentException("members must not be empty");
    }
    long lowest = Long.MAX_VALUE;
    for (int member : members) {
      lowest = Math.min(lowest, ackedIndex.getOrDefault(member, 0L));
    }
    return lowest;
  }

  /**
   * Returns the new commit index when the member set may differ from entry to entry (membership
   * changes): the largest {@code c} in {@code [commitIndex, lastIndex]} such that for every index
   * {@code i} in {@code (commitIndex, c]} each id of {@code ackSetAt.apply(i)} acknowledged at
   * least {@code i}. An index whose ack set is empty needs nobody.
   *
   * @param commitIndex the current commit index, at least 0
   * @param lastIndex the last index of the log, at least {@code commitIndex}
   * @param ackSetAt for an index, the node ids that must acknowledge it
   * @param ackedIndex per node id, the highest index it acknowledged; a missing id counts as 0
   * @return the new commit index, at least {@code commitIndex}
   * @throws IllegalArgumentException if {@code commitIndex} is negative or above {@code lastIndex}
   */
  public static long advance(
      long commitIndex,
      long lastIndex,
      LongFunction<Set<Integer>> ackSetAt,
      Map<Integer, Long> ackedIndex) {
    if (commitIndex < 0 || commitIndex > lastIndex) {
      throw new IllegalArgumentException(
          "commitIndex " + commitIndex + " outside [0, " + lastIndex + "]");
    }
    long commit = commitIndex;
    while (commit < lastIndex) {
      long next = commit + 1;
      Set<Integer> ackSet = ackSetAt.apply(next);
      if (!ackSet.isEmpty() && highestAckedByAll(ackSet, ackedIndex) < next) {
        break;
      }
      commit = next;
    }
    return commit;
  }
}
