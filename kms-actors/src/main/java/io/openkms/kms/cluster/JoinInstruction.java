package io.openkms.kms.cluster;

import java.util.List;

/**
 * The body of {@code POST /v1/rpc/join} (internode): the leader tells a fresh node to leave its own
 * single-node Pekko cluster and join the leader's (docs/ARCHITECTURE.md §3 "Joining").
 *
 * @param clusterId the joining cluster's id
 * @param leader the leader's {@code host:port}
 * @param nodeId the node id the joining node will get
 * @param seeds Pekko addresses of the cluster's current members
 */
public record JoinInstruction(String clusterId, String leader, int nodeId, List<String> seeds) {}
