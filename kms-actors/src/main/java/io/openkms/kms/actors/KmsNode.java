package io.openkms.kms.actors;

import io.openkms.kms.domain.ApiError;
import io.openkms.kms.domain.Change;
import io.openkms.kms.domain.KmsException;
import io.openkms.kms.domain.KmsState;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;

/**
 * What the API layer needs from a running node. Reads come from {@link #state()}, an immutable
 * snapshot published after each applied entry, with no actor round trip and no lock
 * (docs/ARCHITECTURE.md §4). Writes go to the leader and complete only when every member applied
 * them.
 */
public interface KmsNode {

  /** The latest applied state of this node (never null once the node is started). */
  KmsState state();

  /**
   * Replicates {@code change}. Completes with the committed index, or exceptionally with a {@link
   * io.openkms.kms.domain.KmsException}: the domain's 409/404/400, or 503 when a member did not
   * acknowledge within the write timeout (the message names the unreachable nodes).
   */
  CompletionStage<Long> write(Change change);

  /**
   * This node's limits ({@code limits:} of its config file): the quotas its leader admits writes
   * with, and the read-path bound on decrypt trials the API applies.
   */
  default io.openkms.kms.domain.Quotas quotas() {
    return io.openkms.kms.domain.Quotas.DEFAULT;
  }

  /**
   * The state for {@code CLUSTER:STATUS} ({@code minkms stat}): as {@link #state()}, but a node
   * that refuses clients because its cluster does not admit it ({@link #refusal()}) still answers
   * its status, which names the reason.
   */
  default KmsState statusState() {
    return state();
  }

  /**
   * The error with which this node refuses every client request that reads or writes state, and
   * {@code /v1/health/ready}, now: a node reset under its old {@code --host} that took writes of
   * its own, claimed by the cluster of its HSM key ({@code lifecycle.Claim}); empty when it serves.
   */
  default java.util.Optional<KmsException> refusal() {
    return java.util.Optional.empty();
  }

  /**
   * True while this node answers every client request that reads or writes state with 503: it is
   * joining a cluster (also after a leader's claim) or its cluster does not admit it ({@link
   * #refusal()}). The API port then closes new and open client connections at the TLS level, so
   * that clients see a transport error and try another server (kms-http {@code ConnectionGate}).
   * Called for every TLS record a gated client sends: must be cheap. Default: false.
   */
  default boolean refusesClients() {
    return false;
  }

  /** True when this node can commit writes now (for {@code /v1/health/ready?write}). */
  boolean writable();

  /**
   * Why this node's own replica log cannot journal writes now (it restarts after a journal failure:
   * a full disk, a timed-out store), for {@code ready?write} and the status; empty when it can.
   */
  default String replicaProblem() {
    return "";
  }

  /** This node's own status. */
  NodeStatus status();

  /**
   * The members' hosts ({@code host:port}) this node reaches now, itself included; read by the
   * metrics on each scrape, so it must not ask other nodes. A single node reaches itself.
   */
  default Set<String> reachableHosts() {
    return Set.copyOf(state().membership().nodes().values());
  }

  /** The status of every member: those that answered and those that did not. */
  CompletionStage<ClusterView> clusterStatus();

  /**
   * {@code CLUSTER:ADDNODE}: adds the fresh node {@code host} ({@code host:port}) to this cluster
   * (docs/ARCHITECTURE.md §3 "Joining"). Completes with the committed index of the addition, or
   * exceptionally with a {@link KmsException} that says what is wrong (see {@link ApiError}).
   *
   * @param host the new node's name, as it was started with {@code --host}
   */
  default CompletionStage<Long> addNode(String host) {
    return notClustered("CLUSTER:ADDNODE");
  }

  /**
   * {@code CLUSTER:REMOVENODE}: removes the member {@code host} by a normal write (all members, the
   * removed one included, must acknowledge it).
   *
   * @param host the member's {@code host:port}
   */
  default CompletionStage<Long> removeNode(String host) {
    return notClustered("CLUSTER:REMOVENODE");
  }

  /**
   * {@code CLUSTER:EDIT}: removes {@code removeIds} from this node's cluster definition only,
   * without write quorum (docs/REFERENCE.md §2.4 {@code edit}).
   *
   * @param removeIds the node ids to drop, not empty
   */
  default CompletionStage<Void> editCluster(Set<Integer> removeIds) {
    return notClustered("CLUSTER:EDIT");
  }

  /** A stage failed with 501 {@code kms: <cmd> is not available: clustering is not enabled ...}. */
  private static <T> CompletionStage<T> notClustered(String command) {
    return CompletableFuture.failedFuture(ApiError.notClustered(command));
  }

  /**
   * One node's status (docs/PROTOCOL.md §5.2 ServerStatusResponse).
   *
   * @param id node id
   * @param host the node's {@code host:port}
   * @param role {@code Leader}, {@code Follower} or {@code Candidate}
   * @param leaderId the leader's node id, negative when there is none
   * @param commit number of state changes applied (commit index)
   * @param uptimeMillis time since the node started, in ms
   * @param lastHeartbeatMillis time since the last message from the leader, in ms
   * @param nodes every member: id → host:port
   * @param system the node's version and system figures
   * @param problem why the node's replica log cannot journal writes now ({@code ""}: it can); our
   *     addition, sent as the status' {@code health} field
   */
  record NodeStatus(
      int id,
      String host,
      String role,
      long leaderId,
      long commit,
      long uptimeMillis,
      long lastHeartbeatMillis,
      Map<Integer, String> nodes,
      NodeSystem system,
      String problem,
      RemovalState removal) {

    /**
     * A status without the removal state (as from a node of an older version).
     *
     * @param problem what keeps the node from serving, empty if nothing
     */
    public NodeStatus(
        int id,
        String host,
        String role,
        long leaderId,
        long commit,
        long uptimeMillis,
        long lastHeartbeatMillis,
        Map<Integer, String> nodes,
        NodeSystem system,
        String problem) {
      this(
          id,
          host,
          role,
          leaderId,
          commit,
          uptimeMillis,
          lastHeartbeatMillis,
          nodes,
          system,
          problem,
          null);
    }

    /** A status whose replica is healthy. */
    public NodeStatus(
        int id,
        String host,
        String role,
        long leaderId,
        long commit,
        long uptimeMillis,
        long lastHeartbeatMillis,
        Map<Integer, String> nodes,
        NodeSystem system) {
      this(id, host, role, leaderId, commit, uptimeMillis, lastHeartbeatMillis, nodes, system, "");
    }

    /** Never null (a status from an older node has none); {@code removal} may be null. */
    public NodeStatus {
      problem = problem == null ? "" : problem;
    }
  }

  /**
   * The removal state of a node's replica, in its status (issue 12): what a node whose own removal
   * is in doubt needs to know from its members ({@code lifecycle.RemovalCheck}). Absent (null) in
   * the status of a node of an older version.
   *
   * @param removed true if the node applied its own removal
   * @param unconfirmedRemovals the ids it lists as removed by an entry not known committed
   * @param evictedIds the ids removed out of band on it ({@code edit --rm})
   */
  record RemovalState(boolean removed, Set<Integer> unconfirmedRemovals, Set<Integer> evictedIds) {
    /** Copies the sets. */
    public RemovalState {
      unconfirmedRemovals = Set.copyOf(unconfirmedRemovals);
      evictedIds = Set.copyOf(evictedIds);
    }

    /**
     * The removal state of a replica's hard state.
     *
     * @param hardState the replica's hard state
     * @return its removal state
     */
    public static RemovalState of(io.openkms.kms.replication.HardState hardState) {
      return new RemovalState(
          hardState.removed(), hardState.unconfirmedRemovals().keySet(), hardState.evictedIds());
    }
  }

  /** Members that answered a status request, and those that did not (id → host:port). */
  record ClusterView(Map<Integer, NodeStatus> up, Map<Integer, String> down) {}
}
