package io.openkms.kms.replication;

import java.util.Set;
import java.util.TreeSet;

/**
 * The replicated command of the simulation: an ordinary write, or the removal of a member through
 * the log ({@code minkms rm}).
 *
 * @param requestId the client request that carried it (unique per simulation)
 * @param removes the node id it removes, or -1 for an ordinary write
 */
record SimCommand(long requestId, int removes) {

  static SimCommand write(long requestId) {
    return new SimCommand(requestId, -1);
  }

  static SimCommand remove(long requestId, int nodeId) {
    return new SimCommand(requestId, nodeId);
  }

  /** The membership rule: a removal drops its node id, anything else changes nothing. */
  static final MembershipRule<SimCommand> RULE =
      (members, command) -> {
        if (command.removes() < 0) {
          return members;
        }
        Set<Integer> after = new TreeSet<>(members);
        after.remove(command.removes());
        return after;
      };
}
