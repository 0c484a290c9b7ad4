package io.openkms.http.server;

import io.openkms.http.observe.Observability;
import io.openkms.kms.actors.KmsNode;
import io.openkms.kms.crypto.Identity;
import java.time.Clock;
import java.util.Set;

/**
 * What every handler may use: the node, facts about this server, the identities that are SysAdmin
 * by configuration (the HSM-derived root identity, or {@code admin.identity}), the clock that
 * stamps {@code created_at}, where requests are counted and audited, and the node's operations side
 * ({@link NodeOps}: backup, log stream, profiling, restart).
 */
public record ApiContext(
    KmsNode node,
    ServerInfo info,
    Set<Identity> roots,
    Clock clock,
    Observability observability,
    NodeOps ops) {

  /** With the default observability (metrics for SysAdmins, no audit log) and no operations. */
  public ApiContext(KmsNode node, ServerInfo info, Set<Identity> roots, Clock clock) {
    this(node, info, roots, clock, Observability.defaults(), NodeOps.NONE);
  }

  /** With no operations ({@link NodeOps#NONE}). */
  public ApiContext(
      KmsNode node,
      ServerInfo info,
      Set<Identity> roots,
      Clock clock,
      Observability observability) {
    this(node, info, roots, clock, observability, NodeOps.NONE);
  }

  /**
   * Registers the node's replication and state gauges; a null {@code ops} is {@link NodeOps#NONE}.
   */
  public ApiContext {
    ops = ops == null ? NodeOps.NONE : ops;
    observability.metrics().bindNode(node);
  }

  /**
   * Facts for {@code /version} and status (docs/PROTOCOL.md §5.2 VersionResponse).
   *
   * @param version release, e.g. {@code 2026-11-29T00-00-00Z}
   * @param commit source commit
   * @param apiVersion {@code v1}
   * @param host this node's {@code host:port}
   */
  public record ServerInfo(String version, String commit, String apiVersion, String host) {}
}
