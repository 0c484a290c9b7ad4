package io.openkms.http.server;

/**
 * Who may call an endpoint or run a command: the privilege column of the edge table ({@link
 * Edge.Route}, {@link CommandTable}), checked by the edge, never by a handler (docs/PROTOCOL.md
 * §2.4, docs/REFERENCE.md §5.2).
 */
enum Access {
  /** Anyone, without a client certificate ({@code /version}, {@code /v1/health/*}). */
  ANYONE,
  /**
   * SysAdmins only: a root identity, an API-created SysAdmin or a service account of one. 403
   * {@code access denied: insufficient permissions} otherwise.
   */
  SYSADMIN,
  /**
   * A command's policy action: a SysAdmin (inside an existing enclave), an Admin of the enclave, or
   * a User whose policy allows the command on the resource ({@code Authorizer#authorize}).
   */
  POLICY,
  /**
   * The other nodes of the cluster: the caller's certificate holds this node's internode key
   * (derived from the HSM key), else 403; a node outside a cluster has no such endpoint (404).
   */
  INTERNODE,
  /**
   * Per command: each frame's command has its own row in the {@link CommandTable}. A caller that
   * holds no privilege in the URL's enclave (not a SysAdmin, not an identity of the enclave) is
   * refused with 403 by the edge before its body is read.
   */
  COMMAND
}
