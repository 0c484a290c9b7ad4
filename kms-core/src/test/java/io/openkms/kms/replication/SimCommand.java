package io.openkms.kms.replication;

import java.util.Set;
import java.util.TreeSet;

/**
 * The replicated command of the simulation: an ordinary write, or a membership change through the
 * log ({@code minkms add}, {@code minkms rm}, {@code minkms rm} of a dead member).
 *
 * @param requestId the client request that carried it (unique per simulation)
 * @param removes the node id it removes, or -1
 * @param adds the node id it adds, or -1
 * @param dead true if the removed node is dead (wiped): the removal releases it ({@link
 *     MembershipRule#releases})
 */
record SimCommand(long requestId, int removes, int adds, boolean dead) {

  static SimCommand write(long requestId) {
    return new SimCommand(requestId, -1, -1, false);
  }

  static SimCommand remove(long requestId, int nodeId) {
    return new SimCommand(requestId, nodeId, -1, false);
  }

  static SimCommand removeDead(long requestId, int nodeId) {
    return new SimCommand(requestId, nodeId, -1, true);
  }

  static SimCommand add(long requestId, int nodeId) {
    return new SimCommand(requestId, -1, nodeId, false);
  }

  /**
   * The serialized size the simulation gives this command: every fifth write is large (650 bytes,
   * near {@link SimulatedCluster#BUDGET}'s change bound), the others 60 to 99 bytes, so that
   * batches are cut by bytes as well as by entries.
   */
  long bytes() {
    return requestId % 5 == 0 ? 650 : 60 + requestId % 40;
  }

  /**
   * The membership rule: an addition adds its node id, a removal drops it; the removal of a dead
   * node releases it.
   */
  static final MembershipRule<SimCommand> RULE =
      new MembershipRule<>() {
        @Override
        public Set<Integer> apply(Set<Integer> members, SimCommand command) {
          if (command.removes() < 0 && command.adds() < 0) {
            return members;
          }
          Set<Integer> after = new TreeSet<>(members);
          if (command.removes() >= 0) {
            after.remove(command.removes());
          }
          if (command.adds() >= 0) {
            after.add(command.adds());
          }
          return after;
        }

        @Override
        public Set<Integer> releases(SimCommand command) {
          return command.dead() ? Set.of(command.removes()) : Set.of();
        }
      };
}
