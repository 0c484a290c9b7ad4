package io.openkms.kms.lifecycle;

import io.openkms.kms.replication.HardState;

/**
 * Whether a node may start on the store it recovered, and as what (issue 12, "the cluster never
 * wedges"; deployment guide, troubleshooting: {@code server not part of cluster}). Pure: the node
 * ({@code LocalNode.start}) feeds it what its recovered replica holds; the actors only carry the
 * decision out.
 *
 * <h2>Rules</h2>
 *
 * <ul>
 *   <li><b>Fresh.</b> A store without a cluster definition starts (it bootstraps a single-node
 *       cluster): {@link Decision#MEMBER}.
 *   <li><b>Member.</b> A node listed under its {@code --host} and not removed starts and serves:
 *       {@link Decision#MEMBER}.
 *   <li><b>Removal in doubt.</b> A node that applied its own removal but never learned that it
 *       committed ({@link HardState#removalInDoubt}: it crashed between applying the entry and
 *       {@code Event.RemovalCommitted}) starts as a non-serving replica: {@link Decision#IN_DOUBT}.
 *       Every client request gets 503 {@code server not part of cluster}, as of any removed node,
 *       but it rejoins its cluster's actor system so that a leader can get its promise and
 *       acknowledgement, commit the removal and tell it; it then leaves as any removed node.
 *       Refusing to start would leave every later takeover waiting for its promise (the members
 *       that still list the removal as unconfirmed report it), so the cluster would need {@code
 *       edit --rm}.
 *   <li><b>Removal final.</b> A node whose removal is final ({@link HardState#mayLeave}: it learned
 *       the removal committed, or an operator removed it out of band with {@code edit --rm}), or
 *       whose {@code --host} is not a member while it holds no removal in doubt, refuses to start:
 *       {@link Decision#REFUSE} ({@code server not part of cluster}).
 * </ul>
 */
public final class NodeStart {

  /** What a node does with the store it recovered. */
  public enum Decision {
    /** Start and serve as a member (or bootstrap a fresh store). */
    MEMBER,
    /**
     * Start as a non-serving replica (503 {@code server not part of cluster} to clients), rejoin
     * the cluster's actor system, and leave once the removal is known committed.
     */
    IN_DOUBT,
    /** Refuse to start: {@code server not part of cluster}. */
    REFUSE
  }

  private NodeStart() {}

  /**
   * Decides how a node starts.
   *
   * @param initialized true if the recovered state holds a cluster definition (false: a fresh
   *     store)
   * @param listed true if the cluster definition lists this node's {@code --host} as a member
   * @param hardState the recovered replica's hard state
   * @param selfId the node's own id in its cluster (read only when removed)
   * @return {@link Decision#MEMBER}, {@link Decision#IN_DOUBT} or {@link Decision#REFUSE}, by the
   *     rules above
   */
  public static Decision decide(
      boolean initialized, boolean listed, HardState hardState, int selfId) {
    if (hardState.removed()) {
      return hardState.removalInDoubt(selfId) ? Decision.IN_DOUBT : Decision.REFUSE;
    }
    if (initialized && !listed) {
      return Decision.REFUSE;
    }
    return Decision.MEMBER;
  }
}
