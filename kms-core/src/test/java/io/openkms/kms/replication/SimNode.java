package io.openkms.kms.replication;

import io.openkms.kms.lifecycle.LeaderWrites;
import io.openkms.kms.lifecycle.ReplicaHealth;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.SortedSet;
import java.util.TreeSet;

/**
 * One node of the {@link SimulatedCluster}: its durable state (hard state, log, applied state)
 * survives crashes; its machines (replica, leader) do not, and are rebuilt from the durable state
 * on restart, as the actors will do. A journal failure stops its replica while the node stays up
 * (reachable); {@link ReplicaHealth} says when it restarts and whether it reports healthy.
 */
final class SimNode {

  final int id;
  // durable
  HardState hardState = HardState.INITIAL;
  final List<Entry<SimCommand>> log = new ArrayList<>();

  /** digests.get(i): the digest of the applied entries 1..i (the applied state's fingerprint). */
  final List<Long> digests = new ArrayList<>(List.of(0L));

  SortedSet<Integer> appliedMembers;
  // volatile
  boolean up = true;
  boolean left; // applied its own removal and left for good (only with -Dsim.leave=true)
  boolean gone; // removed out of band: dead for good
  boolean wiped; // its store was lost; a log entry removes it without its acknowledgement
  long highestTermSeen;
  ReplicaStateMachine<SimCommand> replica;
  LeaderStateMachine<SimCommand> leader;
  long leaderInstance;

  /** Its leader's rules about client writes ({@link LeaderWrites}: blockers, takeover release). */
  LeaderWrites<Long> writes;

  final Set<Integer> reportedUnreachable = new TreeSet<>();

  /**
   * The ids the leader on this node has a host for: the members its node applied while it ran (the
   * real leader resolves endpoints from its node's membership and keeps those it talked to).
   */
  final Set<Integer> leaderHosts = new TreeSet<>();

  /** Its journal fails (every write, every recovery) while the clock is below this. */
  long journalFailsUntil;

  /** When its replica, stopped by a journal failure, is restarted from its journal; -1: none. */
  long restartAt = -1;

  /**
   * A spare that installed a leader's state and whose addition no node applied yet: like a real
   * node whose join failed after the install, it is refused ever after (not fresh), so the ground
   * truth does not count its copy (it may hold entries that were never committed): the {@link
   * Oracle} sees what it applied only once its addition reached a log.
   */
  boolean installedOnly;

  /** True once a journal failure stopped its replica. */
  boolean journalFailed;

  /** The supervision rules of its replica (restart delays, health), fed the simulated clock. */
  ReplicaHealth health;

  SimNode(int id, Set<Integer> genesis) {
    this.id = id;
    this.appliedMembers = Sets.sortedCopy(genesis);
    restartReplica();
  }

  /** Rebuilds the replica from what was persisted, as after a crash. */
  void restartReplica() {
    long lastIndex = log.size();
    long lastTerm = lastIndex == 0 ? 0 : log.get(log.size() - 1).term();
    replica =
        new ReplicaStateMachine<>(
            id, hardState, lastTerm, lastIndex, appliedMembers, SimCommand.RULE);
  }
}
