package io.openkms.kms.actors;

import io.openkms.kms.domain.KmsException;
import java.util.Map;
import java.util.Set;
import java.util.StringJoiner;
import java.util.TreeSet;

/**
 * The errors of the cluster layer, with their exact status and message (issue 5;
 * docs/ARCHITECTURE.md §3 "Write path": a failed write names the unreachable nodes). Nodes are
 * named {@code <id> (<host>)}.
 */
public final class ClusterErrors {

  /** Message of every answer from a node that is not (or no longer) a member. */
  public static final String NOT_PART_OF_CLUSTER = "server not part of cluster";

  private ClusterErrors() {}

  /**
   * 503 {@code cannot commit write: node 1 (127.0.0.2:7373) did not acknowledge within 10000 ms}
   * ({@code nodes 1 (…), 2 (…) did not}): the write may be in doubt; the leader completes it when
   * the nodes come back.
   */
  public static KmsException notAcknowledged(Set<Integer> ids, Map<Integer, String> hosts,
      long timeoutMillis) {
    return new KmsException(503, "cannot commit write: " + nodes(ids, hosts)
        + " did not acknowledge within " + timeoutMillis + " ms" + remedy(ids));
  }

  /**
   * 503 {@code cannot commit write: node 1 (127.0.0.2:7373) is unreachable; writes need every
   * member: start it again or remove it with 'minkms rm HOST'} ({@code nodes 1 (…), 2 (…) are
   * unreachable} for several): refused at once, nothing written (invariant 4).
   */
  public static KmsException unreachable(Set<Integer> ids, Map<Integer, String> hosts) {
    return new KmsException(503, "cannot commit write: " + nodes(ids, hosts)
        + (ids.size() == 1 ? " is" : " are") + " unreachable" + remedy(ids));
  }

  /** The remedy named after a write that members did not take: writes need every member. */
  private static String remedy(Set<Integer> ids) {
    String them = ids.size() == 1 ? "it" : "them";
    return "; writes need every member: start " + them + " again or remove " + them
        + " with 'minkms rm HOST'";
  }

  /** {@code node 1 (h:7373)} or {@code nodes 1 (h:7373), 2 (h2:7373)}. */
  private static String nodes(Set<Integer> ids, Map<Integer, String> hosts) {
    return (ids.size() == 1 ? "node " : "nodes ") + names(ids, hosts);
  }

  /** 503 {@code cannot commit write: the leader stepped down; try again}. */
  public static KmsException leaderGone() {
    return new KmsException(503, "cannot commit write: the leader stepped down; try again");
  }

  /** 503 {@code cannot commit write: no leader answered within <n> ms}. */
  public static KmsException noLeader(long timeoutMillis) {
    return new KmsException(503, "cannot commit write: no leader answered within "
        + timeoutMillis + " ms");
  }

  /** 503 {@value #NOT_PART_OF_CLUSTER}: this node was removed (invariant 5). */
  public static KmsException notPartOfCluster() {
    return new KmsException(503, NOT_PART_OF_CLUSTER);
  }

  /** 503 {@code node <host> is not reachable: <reason>}. */
  public static KmsException notReachable(String host, String reason) {
    return new KmsException(503, "node " + host + " is not reachable: " + reason);
  }

  /** 400 {@code node <host> was started with a different HSM key}. */
  public static KmsException differentHsmKey(String host) {
    return new KmsException(400, "node " + host + " was started with a different HSM key");
  }

  /**
   * 409 {@code node <host> is not a fresh node: stop it, delete its store (DIR/kms.db), restart it
   * and add it again} (deployment guide, step 4).
   */
  public static KmsException notFresh(String host) {
    return new KmsException(409, "node " + host + " is not a fresh node: stop it, delete its"
        + " store (DIR/kms.db), restart it and add it again");
  }

  /** 409 {@code kms: another node is being added; try again later}. */
  public static KmsException joinInProgress() {
    return new KmsException(409, "kms: another node is being added; try again later");
  }

  /** 503 {@code cannot add node <host>: <reason>}. */
  public static KmsException joinFailed(String host, String reason) {
    return new KmsException(503, "cannot add node " + host + ": " + reason);
  }

  /** {@code 1 (127.0.0.2:7373), 2 (127.0.0.3:7373)}, in id order. */
  public static String names(Set<Integer> ids, Map<Integer, String> hosts) {
    StringJoiner out = new StringJoiner(", ");
    for (int id : new TreeSet<>(ids)) {
      String host = hosts.get(id);
      out.add(host == null ? String.valueOf(id) : id + " (" + host + ")");
    }
    return out.toString();
  }
}
