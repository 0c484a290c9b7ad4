package io.openkms.kms.domain;

import java.util.Map;
import java.util.Set;
import java.util.StringJoiner;
import java.util.TreeSet;

/**
 * The error catalogue: every error the server answers with, in one place (docs/PROTOCOL.md §6). The
 * first eight are the errors clients match exactly (docs/PROTOCOL.md §6.2, docs/REFERENCE.md §7.5);
 * the others are ours. Errors that name a value (a bad name, a key type, a host, a limit) are made
 * by the static factories. A {@link KmsException} is made here only (its constructor with a status
 * and message is package-private), and the HTTP layer turns it into the error body (§6.1).
 */
public enum ApiError {
  /** 403, kms-go {@code ErrPermission}. */
  PERMISSION_DENIED(403, "access denied: insufficient permissions"),
  /** 409, kms-go {@code ErrEnclaveExists}. */
  ENCLAVE_EXISTS(409, "enclave already exists"),
  /** 404, kms-go {@code ErrEnclaveNotFound}. */
  ENCLAVE_NOT_FOUND(404, "enclave does not exist"),
  /** 409, kms-go {@code ErrKeyExists}. */
  KEY_EXISTS(409, "key already exists"),
  /** 404, kms-go {@code ErrKeyNotFound}; also a missing key version. */
  KEY_NOT_FOUND(404, "key does not exist"),
  /** 404, kms-go {@code ErrPolicyNotFound}. */
  POLICY_NOT_FOUND(404, "policy does not exist"),
  /** 404, kms-go {@code ErrIdentityNotFound}. */
  IDENTITY_NOT_FOUND(404, "identity does not exist"),
  /** 400, kms-go {@code ErrDecrypt}. */
  INVALID_CIPHERTEXT(400, "invalid ciphertext"),

  /** 409: an identity belongs to one enclave, or is a cluster SysAdmin, never both or twice. */
  IDENTITY_EXISTS(409, "identity already exists"),
  /** 400: {@code DeleteKeyRequest} with AllVersions and Version > 0 (docs/REFERENCE.md §6). */
  DELETE_KEY_ALL_VERSIONS_AND_VERSION(
      400, "kms: invalid DeleteKeyRequest: all versions and non-zero version are incompatible"),
  /** 400: {@code CreateIdentity} / {@code AssignPolicy} with the zero identity. */
  EMPTY_IDENTITY(400, "kms: identity must not be empty"),
  /** 400: a policy for an Admin or SysAdmin identity. */
  POLICY_FOR_NON_USER(400, "kms: policies can only be assigned to User identities"),
  /** 400: a policy for a service account, which is evaluated as its parent. */
  POLICY_FOR_SERVICE_ACCOUNT(400, "kms: policies cannot be assigned to service accounts"),
  /** 400: a SysAdmin identity inside an enclave. */
  SYSADMIN_IN_ENCLAVE(400, "kms: SysAdmin identities do not belong to an enclave"),
  /** 400: a non-SysAdmin identity without an enclave. */
  IDENTITY_WITHOUT_ENCLAVE(400, "kms: only SysAdmin identities can be created without an enclave"),
  /** 400: a service account without a parent. */
  SERVICE_ACCOUNT_WITHOUT_PARENT(400, "kms: a service account needs a parent identity"),
  /** 400: a parent for an identity that is not a service account. */
  PARENT_WITHOUT_SERVICE_ACCOUNT(400, "kms: only service accounts have a parent identity"),
  /** 400: a service account whose parent is itself. */
  SERVICE_ACCOUNT_OWN_PARENT(400, "kms: a service account cannot be its own parent"),
  /** 409: {@code InitCluster} on a node that already has a cluster. */
  CLUSTER_INITIALIZED(409, "kms: cluster already initialized"),
  /** 400: a membership change before {@code InitCluster}. */
  CLUSTER_NOT_INITIALIZED(400, "kms: cluster is not initialized"),
  /** 400: removing the only node. */
  REMOVE_LAST_NODE(400, "kms: cannot remove the last node of the cluster"),
  /** 400: {@code InitCluster} without a cluster ID. */
  EMPTY_CLUSTER_ID(400, "kms: cluster ID must not be empty"),
  /** 400: {@code CLUSTER:EDIT} without ids. */
  NO_NODE_TO_REMOVE(400, "kms: no node id to remove"),

  // ---- the edge (docs/PROTOCOL.md §2.4, §3, §4.1) -----------------------------------------

  /** 401: a request to an endpoint that needs a client certificate, on a connection without. */
  NO_CERTIFICATE(401, "not authenticated: no TLS client certificate"),
  /** 408: the request body did not arrive within the endpoint's time. */
  BODY_TIMEOUT(408, "request body not received in time"),
  /** 400: the connection or stream failed while the body was read (the client went away). */
  BODY_NOT_READ(400, "request body could not be read"),
  /** 500: a bug; the server logs it. */
  INTERNAL(500, "internal error"),
  /** 400: two write frames in one request. */
  ONE_WRITE(400, "a request may carry only one write command"),
  /** 400: read and write frames in one request. */
  MIXED_READ_WRITE(400, "a request must not mix read and write commands"),
  /** 400: frames of different commands in one request (a batch carries one command, §4.1). */
  MIXED_COMMANDS(400, "a request must not mix different commands"),
  /** 503: a fail-closed node whose audit queue is full answers nothing else. */
  AUDIT_UNAVAILABLE(503, "audit log unavailable: the audit queue is full"),

  // ---- operations and internode endpoints ---------------------------------------------------

  /** 400: {@code POST /v1/debug/log} with a body that is not a {@code LogRequest}. */
  INVALID_LOG_REQUEST(400, "invalid log request: not a protobuf LogRequest"),
  /** 400: {@code POST /v1/debug/pprof} with every setting off. */
  NOTHING_TO_PROFILE(400, "invalid profile request: nothing to profile"),
  /** 404: {@code DELETE /v1/debug/pprof} while no profile runs. */
  PROFILING_NOT_RUNNING(404, "profiling is not running"),
  /** 400: {@code GET /v1/rpc/status} without a nonce of 1 to 64 bytes. */
  INVALID_NONCE(400, "invalid nonce"),
  /** 400: {@code POST /v1/rpc/join} with a body that is not a join instruction. */
  INVALID_JOIN(400, "invalid join request"),

  // ---- the cluster (docs/ARCHITECTURE.md §3 "Write path", docs/REFERENCE.md §4) ------------

  /** 503: every answer of a node that is not (or no longer) a member (invariant 5). */
  NOT_PART_OF_CLUSTER(503, "server not part of cluster"),
  /** 503: a fresh node waits for the state of the cluster it was told to join. */
  JOINING(503, "node is joining the cluster"),
  /** 503: a write on a node that is not (yet) a member of its cluster's system. */
  REJOINING(503, "cannot commit write: this node is (re)joining its cluster; try again"),
  /** 503: the leader stepped down while a write was under way. */
  LEADER_GONE(503, "cannot commit write: the leader stepped down; try again"),
  /** 409: {@code CLUSTER:ADDNODE} while another node is being added. */
  JOIN_IN_PROGRESS(409, "kms: another node is being added; try again later");

  /**
   * Default data key length in bytes ({@code GenerateKeyRequest.Length} 0, docs/PROTOCOL.md §5.1).
   */
  public static final int DEFAULT_DATA_KEY_BYTES = 32;

  /** Maximum data key length in bytes (docs/PROTOCOL.md §5.1). */
  public static final int MAX_DATA_KEY_BYTES = 1024;

  private final int status;
  private final String message;

  ApiError(int status, String message) {
    this.status = status;
    this.message = message;
  }

  /** The HTTP status. */
  public int status() {
    return status;
  }

  /** The exact message. */
  public String message() {
    return message;
  }

  /** A new exception carrying this error. */
  public KmsException exception() {
    return new KmsException(this);
  }

  /**
   * 400 {@code invalid <kind> name '<name>': <reason>} (long names are shortened to 80 chars +
   * "...").
   */
  public static KmsException invalidName(String kind, String name, String reason) {
    String shown =
        name.length() > Names.MAX_LENGTH ? name.substring(0, Names.MAX_LENGTH) + "..." : name;
    return new KmsException(400, "invalid " + kind + " name '" + shown + "': " + reason);
  }

  /** 400 {@code kms: key type '<type>' is not supported} (docs/REFERENCE.md §6). */
  public static KmsException unsupportedKeyType(String type) {
    return new KmsException(400, "kms: key type '" + type + "' is not supported");
  }

  /** 400 {@code kms: invalid cmd '<s>'} (kms-go {@code cmds.Parse}). */
  public static KmsException invalidCommand(String s) {
    return new KmsException(400, "kms: invalid cmd '" + s + "'");
  }

  /** 400 {@code kms: invalid privilege '<s>'} (kms-go {@code ParsePrivilege}). */
  public static KmsException invalidPrivilege(String s) {
    return new KmsException(400, "kms: invalid privilege '" + s + "'");
  }

  /** 400 {@code kms: invalid data key length <n>: at most 1024 bytes}. */
  public static KmsException dataKeyTooLong(long lengthBytes) {
    return new KmsException(
        400,
        "kms: invalid data key length "
            + Long.toUnsignedString(lengthBytes)
            + ": at most "
            + MAX_DATA_KEY_BYTES
            + " bytes");
  }

  /** 400 {@code kms: invalid key length <n>: imported keys must be 32 bytes}. */
  public static KmsException invalidImportKeyLength(int lengthBytes) {
    return new KmsException(
        400, "kms: invalid key length " + lengthBytes + ": imported keys must be 32 bytes");
  }

  /** 400 {@code kms: invalid key version <v>: the next version is <next>}. */
  public static KmsException invalidKeyVersion(int version, int next) {
    return new KmsException(
        400, "kms: invalid key version " + version + ": the next version is " + next);
  }

  /** 409 {@code kms: node '<host>' is already part of the cluster}. */
  public static KmsException nodeExists(String host) {
    return new KmsException(409, "kms: node '" + host + "' is already part of the cluster");
  }

  /** 404 {@code kms: node <id> is not part of the cluster}. */
  public static KmsException nodeNotFound(int nodeId) {
    return new KmsException(404, "kms: node " + nodeId + " is not part of the cluster");
  }

  // ---- factories of the edge ----------------------------------------------------------------

  /** 404 {@code not found: <path>}: a path the edge table does not name. */
  public static KmsException notFound(String path) {
    return new KmsException(404, "not found: " + path);
  }

  /** 405 {@code method not allowed: use <methods>}. */
  public static KmsException methodNotAllowed(String methods) {
    return new KmsException(405, "method not allowed: use " + methods);
  }

  /** 413 {@code request body too large: at most <n> bytes}. */
  public static KmsException bodyTooLarge(long maxBytes) {
    return new KmsException(413, "request body too large: at most " + maxBytes + " bytes");
  }

  /**
   * 414 {@code URI length exceeds the configured limit of <n> characters
   * (pekko.http.server.parsing.max-uri-length)}: an HTTP/2 request target longer than the HTTP
   * parser's bound, which Pekko HTTP applies to HTTP/1.1 only (the same summary as its HTTP/1.1
   * 414, plus the key).
   */
  public static KmsException uriTooLong(long maxChars) {
    return new KmsException(
        414,
        "URI length exceeds the configured limit of "
            + maxChars
            + " characters (pekko.http.server.parsing.max-uri-length)");
  }

  /**
   * An error the HTTP server answers before the request reaches the API (414, 431, 400, 501, 505),
   * with the server's one-line summary.
   */
  public static KmsException rejected(int status, String summary) {
    return new KmsException(status, summary);
  }

  /** 400 with the framing error of a command request (docs/PROTOCOL.md §4.1). */
  public static KmsException badFrames(String reason) {
    return new KmsException(400, reason);
  }

  /** 400 {@code invalid path '<path>': expected /v1/kms/<enclave>}. */
  public static KmsException invalidCommandPath(String path) {
    return new KmsException(400, "invalid path '" + path + "': expected /v1/kms/<enclave>");
  }

  /** 400 {@code unknown command id <id>}. */
  public static KmsException unknownCommandId(int id) {
    return new KmsException(400, "unknown command id " + id);
  }

  /** 400 {@code <COMMAND> takes exactly one frame per request} (list commands). */
  public static KmsException oneFrameOnly(String command) {
    return new KmsException(400, command + " takes exactly one frame per request");
  }

  /** 400 {@code invalid request: payload is not a valid <COMMAND> message}. */
  public static KmsException invalidPayload(String command) {
    return new KmsException(400, "invalid request: payload is not a valid " + command + " message");
  }

  /** 503 {@code not ready: this node cannot commit writes[: <problem>]}. */
  public static KmsException notReadyForWrites(String problem) {
    return new KmsException(
        503,
        "not ready: this node cannot commit writes" + (problem.isEmpty() ? "" : ": " + problem));
  }

  /**
   * 400 {@code limit exceeded: at most <limit> <what> (limits: <key>)}: a bound of the {@code
   * limits} configuration, e.g. {@code at most 10 trial decryptions per request (limits:
   * decrypt_trials)}.
   */
  public static KmsException limitExceeded(long limit, String what, String key) {
    return new KmsException(
        400, "limit exceeded: at most " + limit + " " + what + " (limits: " + key + ")");
  }

  /**
   * 429 {@code server busy: too many decrypt batches waiting (at most <n>, limits: decrypt_queue);
   * retry later}.
   */
  public static KmsException decryptQueueFull(int queue) {
    return new KmsException(
        429,
        "server busy: too many decrypt batches waiting (at most "
            + queue
            + ", limits: decrypt_queue); retry later");
  }

  /**
   * 503 {@code server busy: responses not yet read by clients exceed <key> (<limit> bytes); try
   * again}: the response was built but the bytes the node holds for clients that do not read their
   * answers (in all, or on this connection) would pass the bound {@code key} (the HTTP edge's
   * response budget, {@code minkms.http.max-response-bytes-in-flight} or {@code
   * minkms.http.max-response-bytes-per-connection}).
   */
  public static KmsException responsesUnread(String key, long limitBytes) {
    return new KmsException(
        503,
        "server busy: responses not yet read by clients exceed "
            + key
            + " ("
            + limitBytes
            + " bytes); try again");
  }

  /** 400 {@code kms: <COMMAND> is not supported: this server uses one software HSM key}. */
  public static KmsException hsmNotSupported(String command) {
    return new KmsException(
        400, "kms: " + command + " is not supported: this server uses one software HSM key");
  }

  /** 400 {@code kms: <reason>}: an identity that is not {@code h1:} and 64 hex digits. */
  public static KmsException invalidIdentity(String reason) {
    return new KmsException(400, "kms: " + reason);
  }

  /** 400 {@code kms: invalid node id <id>: out of range}. */
  public static KmsException invalidNodeId(long id) {
    return new KmsException(
        400, "kms: invalid node id " + Long.toUnsignedString(id) + ": out of range");
  }

  /** 400 {@code invalid host '<host>'}. */
  public static KmsException invalidHost(String host) {
    return new KmsException(400, "invalid host '" + host + "'");
  }

  // ---- factories of the operations endpoints -----------------------------------------------

  /** 501 {@code kms: <what> is not available on this node}. */
  public static KmsException notAvailable(String what) {
    return new KmsException(501, "kms: " + what + " is not available on this node");
  }

  /** 413 {@code backup too large: at most <n> bytes (minkms.ops.backup-max-bytes)}. */
  public static KmsException backupTooLarge(long maxBytes) {
    return new KmsException(
        413, "backup too large: at most " + maxBytes + " bytes (minkms.ops.backup-max-bytes)");
  }

  /** 400 {@code invalid backup: <reason>}. */
  public static KmsException invalidBackup(String reason) {
    return new KmsException(400, "invalid backup: " + reason);
  }

  /** 400: a backup sealed under another HSM key than this node's. */
  public static KmsException backupOfAnotherKey(String backupKeyId, String nodeKeyId) {
    return new KmsException(
        400,
        "cannot restore backup: it was sealed under another HSM key"
            + " (backup key "
            + backupKeyId
            + ", this node's "
            + nodeKeyId
            + "): restore it into a node started with the HSM key of the cluster it was taken"
            + " from");
  }

  /** 409 {@code cannot restore: the cluster has <n> nodes: …}. */
  public static KmsException restoreIntoCluster(int nodes) {
    return new KmsException(
        409,
        "cannot restore: the cluster has "
            + nodes
            + " nodes:"
            + " restore into a fresh single node, then add the others");
  }

  /** 400 {@code invalid profile request: <reason>}. */
  public static KmsException invalidProfile(String reason) {
    return new KmsException(400, "invalid profile request: " + reason);
  }

  /** 409 {@code profiling is already running since <t>: stop it first (…)}. */
  public static KmsException profilingRunning(Object since) {
    return new KmsException(
        409,
        "profiling is already running since "
            + since
            + ": stop it first (DELETE /v1/debug/pprof, minkms pprof HOST -o DIR)");
  }

  /** 500 {@code cannot write the profile: <reason>}. */
  public static KmsException profileNotWritten(String reason) {
    return new KmsException(500, "cannot write the profile: " + reason);
  }

  /** 429 {@code too many log streams: at most <n> (minkms.ops.log-streams)}. */
  public static KmsException tooManyLogStreams(int max) {
    return new KmsException(
        429, "too many log streams: at most " + max + " (minkms.ops.log-streams)");
  }

  /** 502 {@code restarting this node; the other members could not be asked: <reason>}. */
  public static KmsException peersNotAsked(String reason) {
    return new KmsException(
        502, "restarting this node; the other members could not be" + " asked: " + reason);
  }

  /** 502 {@code restarting this node; nodes did not confirm the restart: 1 (h) 2 (h)}. */
  public static KmsException restartNotConfirmed(Map<Integer, String> failed) {
    StringBuilder b =
        new StringBuilder("restarting this node; nodes did not confirm the" + " restart:");
    for (Map.Entry<Integer, String> f : failed.entrySet()) {
      b.append(' ').append(f.getKey()).append(" (").append(f.getValue()).append(')');
    }
    return new KmsException(502, b.toString());
  }

  // ---- factories of the cluster ------------------------------------------------------------

  /** 501 {@code kms: <COMMAND> is not available: clustering is not enabled on this node}. */
  public static KmsException notClustered(String command) {
    return new KmsException(
        501, "kms: " + command + " is not available: clustering is not enabled on this node");
  }

  /**
   * 503 {@code cannot commit write: node 1 (127.0.0.2:7373) did not acknowledge within 10000 ms}
   * ({@code nodes 1 (…), 2 (…) did not}) for a write that never got an index (it waited for a
   * takeover): nothing was written.
   */
  public static KmsException notAcknowledged(
      Set<Integer> ids, Map<Integer, String> hosts, long timeoutMillis) {
    return notAcknowledged(ids, hosts, timeoutMillis, false);
  }

  /**
   * As {@link #notAcknowledged(Set, Map, long)}; with {@code inDoubt} (the write has an index, or
   * the leader's answer did not arrive) the message adds {@code (the write is in doubt: it commits
   * if they acknowledge it later)}: the leader completes it when the nodes come back, so a client
   * that writes again may get 409 (operator trial: 7 of 304 such writes were present afterwards).
   */
  public static KmsException notAcknowledged(
      Set<Integer> ids, Map<Integer, String> hosts, long timeoutMillis, boolean inDoubt) {
    return new KmsException(
        503,
        "cannot commit write: "
            + nodes(ids, hosts)
            + " did not acknowledge within "
            + timeoutMillis
            + " ms"
            + (inDoubt ? IN_DOUBT + "it commits if they acknowledge it later)" : "")
            + remedy(ids));
  }

  /**
   * 503 {@code cannot commit write: node 1 (127.0.0.2:7373) is unreachable; writes need every
   * member: start it again or remove it with 'minkms rm HOST'} ({@code nodes 1 (…), 2 (…) are
   * unreachable} for several): refused at once, nothing written (invariant 4).
   */
  public static KmsException unreachable(Set<Integer> ids, Map<Integer, String> hosts) {
    return new KmsException(
        503,
        "cannot commit write: "
            + nodes(ids, hosts)
            + (ids.size() == 1 ? " is" : " are")
            + " unreachable"
            + remedy(ids));
  }

  /** The remedy named after a write that members did not take: writes need every member. */
  private static String remedy(Set<Integer> ids) {
    String them = ids.size() == 1 ? "it" : "them";
    return "; writes need every member: start "
        + them
        + " again or remove "
        + them
        + " with 'minkms rm HOST'";
  }

  /** {@code node 1 (h:7373)} or {@code nodes 1 (h:7373), 2 (h2:7373)}. */
  private static String nodes(Set<Integer> ids, Map<Integer, String> hosts) {
    return (ids.size() == 1 ? "node " : "nodes ") + names(ids, hosts);
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

  /**
   * 503: the edge's bound on one request ({@code minkms.http.request-timeout}, or the longer bound
   * of {@code CLUSTER:ADD_NODE}) passed before the handler answered.
   */
  public static KmsException requestTimeout(long boundMillis, String key) {
    return new KmsException(
        503, "request not answered within " + boundMillis + " ms (" + key + ")");
  }

  /**
   * 503 {@code cannot commit write: no leader answered within <n> ms}: the write was never handed
   * to a leader (a leader that waited for its takeover longer than the write timeout refuses it
   * unwritten), so it failed.
   */
  public static KmsException noLeader(long timeoutMillis) {
    return new KmsException(
        503, "cannot commit write: no leader answered within " + timeoutMillis + " ms");
  }

  /**
   * 503 {@code cannot commit write: no leader is known on this node}: the write was sent nowhere
   * (no leader serves on a single node yet), so it failed.
   */
  public static KmsException noLeaderKnown() {
    return new KmsException(503, "cannot commit write: no leader is known on this node");
  }

  /**
   * The note of a write failure that may still commit ({@value}…): {@link #notAcknowledged(Set,
   * Map, long, boolean)} with {@code inDoubt}, {@link #leaderInDoubt}. {@code CommitWatch} tells
   * such failures apart by it.
   */
  public static final String IN_DOUBT = " (the write is in doubt: ";

  /**
   * 503 {@code cannot commit write: no leader answered within <n> ms (the write is in doubt: it
   * commits if the leader took it)}: the write was sent (forwarded to the leader, or in its
   * mailbox) and the answer did not come within {@code timeoutMillis}; the leader may have
   * committed it, so a client that writes again may get 409 (operator trial on 3 nodes at load
   * 9-27: a forwarded write failed after ~12 s and was present on every node afterwards).
   */
  public static KmsException leaderInDoubt(long timeoutMillis) {
    return new KmsException(
        503,
        "cannot commit write: no leader answered within "
            + timeoutMillis
            + " ms"
            + IN_DOUBT
            + "it commits if the leader took it)");
  }

  /** 503 {@code cannot commit write: <reason>}: the leader could not be asked. */
  public static KmsException writeFailed(String reason) {
    return new KmsException(503, "cannot commit write: " + reason);
  }

  /**
   * 503 {@code cannot commit write: node <id> (<host>) cannot journal writes: <problem>}: this
   * node's replica log is unhealthy.
   */
  public static KmsException cannotJournal(int id, String host, String problem) {
    return new KmsException(
        503,
        "cannot commit write: node " + id + " (" + host + ") cannot journal writes: " + problem);
  }

  /**
   * 400 {@code change cannot be replicated: <reason>}: the change does not survive its internode
   * encoding.
   */
  public static KmsException notReplicable(String reason) {
    return new KmsException(400, "change cannot be replicated: " + reason);
  }

  /** 400 {@code change too large: <n> bytes, the limit is <max> bytes (<key>)}. */
  public static KmsException changeTooLarge(long bytes, long maxBytes, String key) {
    return new KmsException(
        400,
        "change too large: " + bytes + " bytes, the limit is " + maxBytes + " bytes (" + key + ")");
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
   * 400 {@code node <host> was started with --host <other>: add it as <other>, or restart it with
   * --host <host>}.
   */
  public static KmsException otherHost(String host, String other) {
    return new KmsException(
        400,
        "node "
            + host
            + " was started with --host "
            + other
            + ": add it as "
            + other
            + ", or restart it with --host "
            + host);
  }

  /**
   * 409 {@code node <host> is not a fresh node: stop it, delete its store (DIR/kms.db), restart it
   * and add it again} (docs/REFERENCE.md §4).
   */
  public static KmsException notFresh(String host) {
    return new KmsException(
        409,
        "node "
            + host
            + " is not a fresh node: stop it, delete its"
            + " store (DIR/kms.db), restart it and add it again");
  }

  /**
   * 503 with {@code message} ({@code lifecycle.Claim#message()}): a node reset under its old {@code
   * --host} that took writes of its own, claimed by the cluster of its HSM key, which does not
   * admit it again; it refuses client requests instead of serving a one-node cluster of its own.
   */
  public static KmsException notAdmitted(String message) {
    return new KmsException(503, message);
  }

  /**
   * 409 {@code node <host> is not a fresh node: it holds <n> log entries of its own; stop it,
   * delete its store (DIR/kms.db), restart it and add it again}.
   */
  public static KmsException notFresh(String host, long entries) {
    return new KmsException(
        409,
        "node "
            + host
            + " is not a fresh node: it holds "
            + entries
            + " log entries of its own; stop it, delete its store (DIR/kms.db), restart it and"
            + " add it again");
  }

  /** 503 {@code cannot add node <host>: <reason>}. */
  public static KmsException joinFailed(String host, String reason) {
    return new KmsException(503, "cannot add node " + host + ": " + reason);
  }

  /** 404 {@code kms: node '<host>' is not part of the cluster}. */
  public static KmsException hostNotFound(String host) {
    return new KmsException(404, "kms: node '" + host + "' is not part of the cluster");
  }

  /** 400 {@code kms: cannot remove node <id>: it is the node being edited}. */
  public static KmsException cannotRemoveSelf(int id) {
    return new KmsException(400, "kms: cannot remove node " + id + ": it is the node being edited");
  }

  /**
   * An error as another node answered it (a write the leader refused): its status and message came
   * from this catalogue there.
   */
  public static KmsException relayed(int status, String message) {
    return new KmsException(status, message);
  }

  /** Largest value of a uint32 field of the wire protocol (kms-go), {@code 2^32 - 1}. */
  public static final long MAX_UINT32 = 0xFFFF_FFFFL;

  /**
   * A request's key version (a uint32 in kms-go, read as uint64 so that larger values are seen, not
   * wrapped): 0 = latest.
   *
   * @param requested the request's value, unsigned
   * @return the version as an int; values from 2^31 to 2^32-1 are valid uint32s no key can have
   *     (versions are ints and bounded by {@code limits.versions_per_key}): they give {@link
   *     Integer#MAX_VALUE}, which never exists
   * @throws KmsException 400 {@code kms: invalid key version N: out of range (0 to 4294967295)}
   *     above 2^32-1 (issue 13, "version numbers wrap": {@code DeleteKey{version: 2^32+2}} must not
   *     delete version 2)
   */
  public static int keyVersion(long requested) {
    if (requested < 0 || requested > MAX_UINT32) {
      throw new KmsException(
          400,
          "kms: invalid key version "
              + Long.toUnsignedString(requested)
              + ": out of range (0 to "
              + MAX_UINT32
              + ")");
    }
    return (int) Math.min(requested, Integer.MAX_VALUE);
  }

  /**
   * The data key length for a {@code GenerateKeyRequest.Length}: 0 means 32 bytes; more than 1024
   * is rejected (docs/PROTOCOL.md §5.1, §8).
   *
   * @param requested the request's value (a uint32 on the wire, so pass it unsigned)
   * @throws KmsException 400 {@link #dataKeyTooLong}
   */
  public static int dataKeyLength(long requested) {
    if (requested == 0) {
      return DEFAULT_DATA_KEY_BYTES;
    }
    if (requested < 0 || requested > MAX_DATA_KEY_BYTES) {
      throw dataKeyTooLong(requested);
    }
    return (int) requested;
  }
}
