package io.openkms.kms.replication;

import java.util.Set;
import java.util.TreeSet;

/**
 * The replicated command of the simulation: an ordinary write, or a membership change through the
 * log ({@code minkms add}, {@code minkms rm}).
 *
 * @param requestId the client request that carried it (unique per simulation)
 * @param removes the node id it removes, or -1
 * @param adds the node id it adds, or -1
 */
record SimCommand(long requestId, int removes, int adds) {

  static SimCommand write(long requestId) {
    return new SimCommand(requestId, -1, -1);
  }

  static SimCommand remove(long requestId, int nodeId) {
    return new SimCommand(requestId, nodeId, -1);
  }

  static SimCommand add(long requestId, int nodeId) {
    return new SimCommand(requestId, -1, nodeId);
  }

  /** The membership rule: an addition adds its node id, a removal drops it. */
  static final MembershipRule<SimCommand> RULE =
      (members, command) -> {
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
      };
}
