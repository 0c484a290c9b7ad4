package io.openkms.http.server;

import io.openkms.kms.actors.KmsNode;
import io.openkms.kms.cluster.InternodeService;
import io.openkms.kms.crypto.Identity;

/**
 * Whether the API port closes a client's TLS connection now, before any HTTP response ({@link
 * HeaderBlockLimitEngine}): while the node refuses clients ({@link KmsNode#refusesClients()}: it is
 * joining, or a reset node its cluster does not admit). A 503 does not make clients fail over:
 * MinIO's Go client (kms-go {@code internal/https/retry.go}) tries another server only when the
 * round trip fails with a transport error, never on an HTTP status. Exempt: the node's internode
 * identity (the leader's probes and joins come over the API port), the root identities (so {@code
 * minkms stat} still tells why), and connections without a certificate (they reach only {@code
 * /version} and the health endpoints, e.g. an orchestrator's liveness probe; ready answers 503).
 */
interface ConnectionGate {

  /** Never closes. */
  ConnectionGate OPEN =
      new ConnectionGate() {
        @Override
        public boolean closed() {
          return false;
        }

        @Override
        public boolean exempt(String identity) {
          return true;
        }
      };

  /** True while client connections are to be closed (called per TLS record: cheap). */
  boolean closed();

  /**
   * True if a connection of the peer {@code identity} ({@code h1:…}; null without a certificate) is
   * served even while {@link #closed()}. Asked once per connection.
   */
  boolean exempt(String identity);

  /** The gate of {@code context}'s node, its roots and (a cluster node) its internode identity. */
  static ConnectionGate of(ApiContext context) {
    KmsNode node = context.node();
    return new ConnectionGate() {
      @Override
      public boolean closed() {
        return node.refusesClients();
      }

      @Override
      public boolean exempt(String identity) {
        if (identity == null) {
          return true;
        }
        Identity id;
        try {
          id = Identity.parse(identity);
        } catch (RuntimeException e) {
          return false;
        }
        return context.roots().contains(id)
            || (node instanceof InternodeService s && id.equals(s.internodeIdentity()));
      }
    };
  }
}
