package io.openkms.http.server;

import io.openkms.http.proto.AddClusterNodeRequest;
import io.openkms.http.proto.EditClusterRequest;
import io.openkms.http.proto.RemoveClusterNodeRequest;
import io.openkms.kms.domain.ApiError;
import io.openkms.kms.domain.KmsException;
import java.net.URI;
import java.net.URISyntaxException;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.CompletionStage;

/**
 * CLUSTER:ADDNODE (1), CLUSTER:REMOVENODE (2) and CLUSTER:EDIT (4): membership changes
 * (docs/PROTOCOL.md §4.2, docs/REFERENCE.md §2.4, §4). All need SysAdmin (403 otherwise).
 *
 * <ul>
 *   <li>ADDNODE {@code host} ({@code host} or {@code host:port}, port 7373 by default): the leader
 *       checks the node and adds it; 200 once the addition committed on every member, the new one
 *       included. Errors say what is wrong and what to do, e.g. 503 {@code node H:7373 is not
 *       reachable: <reason>}, 400 {@code node H:7373 was started with a different HSM key}, 409
 *       {@code node H:7373 is not a fresh node: stop it, delete its store (DIR/kms.db), restart it
 *       and add it again}, 409 {@code kms: node 'H:7373' is already part of the cluster}.
 *   <li>REMOVENODE {@code host}: a normal write (every member must acknowledge); 404 {@code kms:
 *       node 'H:7373' is not part of the cluster}.
 *   <li>EDIT {@code remove} ids: drops dead members from this node's definition only, without write
 *       quorum; 404 {@code kms: node <id> is not part of the cluster}, 400 for this node's own id.
 * </ul>
 *
 * A host that cannot be parsed is 400 {@code invalid host '<host>'}.
 */
final class ClusterMembershipHandlers {

  /** The port of a host given without one (docs/REFERENCE.md §2.4). */
  static final int DEFAULT_PORT = 7373;

  private ClusterMembershipHandlers() {}

  /** CLUSTER:ADDNODE (1). */
  static CompletionStage<byte[]> addNode(Call call, AddClusterNodeRequest req) {
    return call.api().node().addNode(hostPort(req.getHost())).thenApply(index -> Call.NOTHING);
  }

  /** CLUSTER:REMOVENODE (2). */
  static CompletionStage<byte[]> removeNode(Call call, RemoveClusterNodeRequest req) {
    return call.api().node().removeNode(hostPort(req.getHost())).thenApply(index -> Call.NOTHING);
  }

  /**
   * CLUSTER:EDIT (4).
   *
   * @throws KmsException 400 {@code kms: invalid node id N: out of range} for an id beyond int
   */
  static CompletionStage<byte[]> edit(Call call, EditClusterRequest req) {
    Set<Integer> ids = new TreeSet<>();
    for (long id : req.getRemoveIDsList()) {
      if (id < 0 || id > Integer.MAX_VALUE) { // uint64 on our side: never wrapped
        throw ApiError.invalidNodeId(id);
      }
      ids.add((int) id);
    }
    return call.api().node().editCluster(ids).thenApply(v -> Call.NOTHING);
  }

  /**
   * {@code host} as {@code host:port} ({@code [v6]:port}): an optional {@code https://} is dropped,
   * the port defaults to {@value #DEFAULT_PORT}.
   *
   * @throws KmsException 400 {@code invalid host '<host>'}
   */
  static String hostPort(String host) {
    String text = host.strip();
    if (text.startsWith("https://")) {
      text = text.substring("https://".length());
    }
    while (text.endsWith("/")) {
      text = text.substring(0, text.length() - 1);
    }
    URI uri;
    try {
      uri = new URI("https://" + text);
    } catch (URISyntaxException e) {
      throw invalid(host);
    }
    if (text.isEmpty()
        || uri.getHost() == null
        || uri.getRawPath() == null
        || !uri.getRawPath().isEmpty()
        || uri.getRawQuery() != null
        || uri.getRawUserInfo() != null) {
      throw invalid(host);
    }
    int port = uri.getPort() == -1 ? DEFAULT_PORT : uri.getPort();
    if (port < 1 || port > 65535) {
      throw invalid(host);
    }
    return uri.getHost() + ":" + port;
  }

  private static KmsException invalid(String host) {
    return ApiError.invalidHost(host);
  }
}
