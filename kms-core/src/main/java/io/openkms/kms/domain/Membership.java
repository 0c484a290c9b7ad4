package io.openkms.kms.domain;

import java.util.Collections;
import java.util.Map;
import java.util.Objects;
import java.util.OptionalInt;
import java.util.SortedMap;
import java.util.TreeMap;

/**
 * The KMS cluster membership (docs/ARCHITECTURE.md §3, docs/REFERENCE.md §4): the cluster ID and
 * node id → {@code host:port}. Replicated state, changed only by {@link Change.InitCluster}, {@link
 * Change.AddNode} and {@link Change.RemoveNode}. Node ids are never reused.
 *
 * @param clusterId the cluster's UUID text, {@code ""} before {@link Change.InitCluster}
 * @param nodes node id → {@code host:port}
 * @param nextNodeId the id the next added node gets
 */
public record Membership(String clusterId, SortedMap<Integer, String> nodes, int nextNodeId) {

  /** Copies the node map. */
  public Membership {
    Objects.requireNonNull(clusterId, "clusterId");
    nodes =
        Collections.unmodifiableSortedMap(nodes == null ? new TreeMap<>() : new TreeMap<>(nodes));
  }

  /** No cluster yet. */
  public static Membership empty() {
    return new Membership("", null, 0);
  }

  /** True once {@link Change.InitCluster} has been applied. */
  public boolean initialized() {
    return !clusterId.isEmpty();
  }

  /** The id of the node named {@code host}, if it is a member. */
  public OptionalInt nodeId(String host) {
    for (Map.Entry<Integer, String> e : nodes.entrySet()) {
      if (e.getValue().equals(host)) {
        return OptionalInt.of(e.getKey());
      }
    }
    return OptionalInt.empty();
  }
}
