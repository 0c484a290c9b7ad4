package io.openkms.kms.cluster;

import java.util.Map;
import java.util.Set;

/**
 * A node's answer to {@code GET /v1/rpc/status?nonce=…} (internode, mTLS with the internode key):
 * what a leader needs to add it and what a restarting member needs to rejoin.
 *
 * @param host the node's {@code host:port} ({@code --host})
 * @param clusterId its cluster's id ({@code ""} before bootstrap)
 * @param nodeId its node id
 * @param commit its commit index (entries applied)
 * @param fresh true if it holds nothing but its own bootstrap entry
 * @param removed true if it was removed from its cluster
 * @param inCluster true if its clustered actor system is an Up member of a Pekko cluster
 * @param clusterAddress its Pekko address, e.g. {@code pekko://minkms-cluster@10.0.0.2:7374}
 * @param members its cluster definition: node id → {@code host:port}
 * @param upHosts the KMS hosts its clustered system sees as Up and reachable members (itself
 *     included; empty when it is not in a cluster; null from a node that does not report it)
 * @param digest hex SHA-256 of its state ({@link StateDigest})
 * @param proof base64url HMAC-SHA256 of the nonce and host under the HSM-derived proof key ({@link
 *     InternodeProof})
 */
public record ProbeResult(
    String host,
    String clusterId,
    int nodeId,
    long commit,
    boolean fresh,
    boolean removed,
    boolean inCluster,
    String clusterAddress,
    Map<Integer, String> members,
    Set<String> upHosts,
    String digest,
    String proof) {}
