package io.openkms.kms.actors;

import io.openkms.kms.domain.Change;
import io.openkms.kms.domain.KmsState;
import io.openkms.kms.replication.MembershipRule;
import java.util.Objects;
import java.util.Set;
import java.util.TreeSet;

/**
 * The command of one replicated log entry: a domain {@link Change} plus, for {@link
 * Change.AddNode}, the node id the addition gives (the state's {@code nextNodeId} on the leader
 * when it assigned the entry). The id travels with the entry because the replication machines
 * follow membership through member sets only ({@link MembershipRule}) and an added node's id cannot
 * be derived from the set: ids are never reused (docs/ARCHITECTURE.md §3).
 *
 * @param change the change, never null
 * @param addedNodeId for {@link Change.AddNode} the id of the added node (at least 0); otherwise
 *     {@link #NO_NODE}
 */
public record LogCommand(Change change, int addedNodeId) {

  /** {@link #addedNodeId()} of every command that does not add a node. */
  public static final int NO_NODE = -1;

  /**
   * How a command changes the member set: {@link Change.InitCluster} makes it {@code {0}}, {@link
   * Change.AddNode} adds {@link #addedNodeId()}, {@link Change.RemoveNode} removes its id, every
   * other change keeps it; a removal {@code withoutAck} releases the removed member ({@link
   * MembershipRule#releases}).
   */
  public static final MembershipRule<LogCommand> RULE =
      new MembershipRule<>() {
        @Override
        public Set<Integer> apply(Set<Integer> members, LogCommand command) {
          return members(members, command);
        }

        /** A {@link Change.RemoveNode} {@code withoutAck} releases the removed member. */
        @Override
        public Set<Integer> releases(LogCommand command) {
          return command.change() instanceof Change.RemoveNode r && r.withoutAck()
              ? Set.of(r.nodeId())
              : Set.of();
        }
      };

  /** Validates the command. */
  public LogCommand {
    Objects.requireNonNull(change, "change");
    if (change instanceof Change.AddNode && addedNodeId < 0) {
      throw new IllegalArgumentException("an AddNode command needs the added node id");
    }
  }

  /**
   * The command for {@code change} assigned on top of {@code projected}.
   *
   * @param change the change
   * @param projected the state after every entry assigned so far
   * @return the command; for {@link Change.AddNode} with {@code projected}'s next node id
   */
  public static LogCommand of(Change change, KmsState projected) {
    return new LogCommand(
        change, change instanceof Change.AddNode ? projected.membership().nextNodeId() : NO_NODE);
  }

  /** The member set after this command (see {@link #RULE}). */
  private static Set<Integer> members(Set<Integer> before, LogCommand command) {
    Change change = command.change();
    if (change instanceof Change.InitCluster) {
      return Set.of(0);
    }
    if (change instanceof Change.AddNode) {
      TreeSet<Integer> after = new TreeSet<>(before);
      after.add(command.addedNodeId());
      return after;
    }
    if (change instanceof Change.RemoveNode remove) {
      TreeSet<Integer> after = new TreeSet<>(before);
      after.remove(remove.nodeId());
      return after;
    }
    return before;
  }
}
