package io.openkms.http.server;

import com.google.protobuf.InvalidProtocolBufferException;
import io.openkms.http.proto.AddClusterNodeRequest;
import io.openkms.http.proto.AssignPolicyRequest;
import io.openkms.http.proto.CreateEnclaveRequest;
import io.openkms.http.proto.CreateIdentityRequest;
import io.openkms.http.proto.CreateKeyRequest;
import io.openkms.http.proto.CreatePolicyRequest;
import io.openkms.http.proto.DecryptRequest;
import io.openkms.http.proto.DeleteEnclaveRequest;
import io.openkms.http.proto.DeleteIdentityRequest;
import io.openkms.http.proto.DeleteKeyRequest;
import io.openkms.http.proto.DeletePolicyRequest;
import io.openkms.http.proto.EditClusterRequest;
import io.openkms.http.proto.EnclaveStatusRequest;
import io.openkms.http.proto.EncryptRequest;
import io.openkms.http.proto.GenerateKeyRequest;
import io.openkms.http.proto.IdentityRequest;
import io.openkms.http.proto.ImportKeyRequest;
import io.openkms.http.proto.KeyStatusRequest;
import io.openkms.http.proto.ListRequest;
import io.openkms.http.proto.MACRequest;
import io.openkms.http.proto.PolicyRequest;
import io.openkms.http.proto.RemoveClusterNodeRequest;
import io.openkms.kms.domain.ApiError;
import io.openkms.kms.domain.Command;
import io.openkms.kms.domain.KmsException;
import io.openkms.kms.domain.Privilege;
import java.util.Collections;
import java.util.EnumMap;
import java.util.Map;
import java.util.concurrent.CompletionStage;

/**
 * The command half of the edge table (the route half is {@link Edge.Route}): for every command of
 * docs/PROTOCOL.md §4.2 this server runs, the privilege it needs ({@link Access}), the largest
 * request body that may carry it, how its payload is read, what it acts on and its handler. {@link
 * Row#read} and {@link Row#write} apply a row; handlers never check rights themselves.
 *
 * <p>For each frame, in this order: a row without a {@link Subject} is authorized, then its payload
 * parsed (the membership and status commands: a stranger's garbage is 403); a row with one is
 * parsed, its subject taken from the request (which may itself be 400, e.g. a bad identity), then
 * authorized; then the privilege the request grants or removes, if any, is checked against the
 * caller's ({@link Subject#stake}); then the handler runs. A payload that is not the command's
 * protobuf message is 400 {@code invalid request: payload is not a valid <COMMAND> message}.
 */
final class CommandTable {

  /** Largest request body of every command: 1 MiB ({@link KmsApi#MAX_BODY_BYTES}). */
  private static final int BODY = KmsApi.MAX_BODY_BYTES;

  private static final Map<Command, Row<?>> ROWS =
      rows(
          // cluster (docs/PROTOCOL.md §4.2 ids 1-6): SysAdmin, nothing named
          Row.write(
              Command.CLUSTER_ADD_NODE,
              Access.SYSADMIN,
              BODY,
              AddClusterNodeRequest::parseFrom,
              null,
              ClusterMembershipHandlers::addNode),
          Row.write(
              Command.CLUSTER_REMOVE_NODE,
              Access.SYSADMIN,
              BODY,
              RemoveClusterNodeRequest::parseFrom,
              null,
              ClusterMembershipHandlers::removeNode),
          Row.once(Command.CLUSTER_STATUS, Access.SYSADMIN, BODY, ClusterHandlers::status),
          Row.write(
              Command.CLUSTER_EDIT,
              Access.SYSADMIN,
              BODY,
              EditClusterRequest::parseFrom,
              null,
              ClusterMembershipHandlers::edit),
          Row.write(
              Command.CLUSTER_ADD_HSM,
              Access.SYSADMIN,
              BODY,
              Row.RAW,
              null,
              ClusterHandlers::addHsm),
          Row.write(
              Command.CLUSTER_REMOVE_HSM,
              Access.SYSADMIN,
              BODY,
              Row.RAW,
              null,
              ClusterHandlers::removeHsm),
          // enclaves (101-104): SysAdmin, the enclave named
          Row.write(
              Command.ENCLAVE_CREATE,
              Access.SYSADMIN,
              BODY,
              CreateEnclaveRequest::parseFrom,
              (call, r) -> Subject.of(r.getName()),
              EnclaveHandlers::create),
          Row.write(
              Command.ENCLAVE_DELETE,
              Access.SYSADMIN,
              BODY,
              DeleteEnclaveRequest::parseFrom,
              (call, r) -> Subject.of(r.getName()),
              EnclaveHandlers::delete),
          Row.read(
              Command.ENCLAVE_STATUS,
              Access.SYSADMIN,
              BODY,
              EnclaveStatusRequest::parseFrom,
              (call, r) -> Subject.of(r.getName()),
              EnclaveHandlers::status),
          Row.read(
              Command.ENCLAVE_LIST,
              Access.SYSADMIN,
              BODY,
              ListRequest::parseFrom,
              (call, r) -> Subject.of(r.getPrefix()),
              EnclaveHandlers::list),
          // keys (201-210): the key named, the prefix for LIST
          Row.write(
              Command.KEY_CREATE,
              Access.POLICY,
              BODY,
              CreateKeyRequest::parseFrom,
              (call, r) -> Subject.of(r.getName()),
              KeyHandlers::create),
          Row.write(
              Command.KEY_DELETE,
              Access.POLICY,
              BODY,
              DeleteKeyRequest::parseFrom,
              (call, r) -> Subject.of(r.getName()),
              KeyHandlers::delete),
          Row.write(
              Command.KEY_IMPORT,
              Access.POLICY,
              BODY,
              ImportKeyRequest::parseFrom,
              (call, r) -> Subject.of(r.getName()),
              KeyHandlers::importKey),
          Row.read(
              Command.KEY_STATUS,
              Access.POLICY,
              BODY,
              KeyStatusRequest::parseFrom,
              (call, r) -> Subject.of(r.getName()),
              KeyHandlers::status),
          Row.read(
              Command.KEY_ENCRYPT,
              Access.POLICY,
              BODY,
              EncryptRequest::parseFrom,
              (call, r) -> Subject.of(r.getName()),
              KeyHandlers::encrypt),
          Row.read(
              Command.KEY_DECRYPT,
              Access.POLICY,
              BODY,
              DecryptRequest::parseFrom,
              (call, r) -> Subject.of(r.getName()),
              KeyHandlers::decrypt),
          Row.read(
              Command.KEY_GENERATE,
              Access.POLICY,
              BODY,
              GenerateKeyRequest::parseFrom,
              (call, r) -> Subject.of(r.getName()),
              KeyHandlers::generate),
          Row.read(
              Command.KEY_LIST,
              Access.POLICY,
              BODY,
              ListRequest::parseFrom,
              (call, r) -> Subject.of(r.getPrefix()),
              KeyHandlers::list),
          Row.read(
              Command.KEY_MAC,
              Access.POLICY,
              BODY,
              MACRequest::parseFrom,
              (call, r) -> Subject.of(r.getName()),
              KeyHandlers::mac),
          // policies (301-306): the policy named (ASSIGN: the policy assigned)
          Row.write(
              Command.POLICY_CREATE,
              Access.POLICY,
              BODY,
              CreatePolicyRequest::parseFrom,
              (call, r) -> Subject.of(r.getName()),
              PolicyHandlers::create),
          Row.write(
              Command.POLICY_DELETE,
              Access.POLICY,
              BODY,
              DeletePolicyRequest::parseFrom,
              (call, r) -> Subject.of(r.getName()),
              PolicyHandlers::delete),
          Row.write(
              Command.POLICY_ASSIGN,
              Access.POLICY,
              BODY,
              AssignPolicyRequest::parseFrom,
              (call, r) -> Subject.of(r.getPolicy()),
              PolicyHandlers::assign),
          Row.read(
              Command.POLICY_GET,
              Access.POLICY,
              BODY,
              PolicyRequest::parseFrom,
              (call, r) -> Subject.of(r.getName()),
              PolicyHandlers::get),
          Row.read(
              Command.POLICY_STATUS,
              Access.POLICY,
              BODY,
              PolicyRequest::parseFrom,
              (call, r) -> Subject.of(r.getName()),
              PolicyHandlers::status),
          Row.read(
              Command.POLICY_LIST,
              Access.POLICY,
              BODY,
              ListRequest::parseFrom,
              (call, r) -> Subject.of(r.getPrefix()),
              PolicyHandlers::list),
          // identities (401-404): the identity named; CREATE and DELETE never beyond one's own
          // rights
          Row.write(
              Command.IDENTITY_CREATE,
              Access.POLICY,
              BODY,
              CreateIdentityRequest::parseFrom,
              IdentityHandlers::created,
              IdentityHandlers::create),
          Row.write(
              Command.IDENTITY_DELETE,
              Access.POLICY,
              BODY,
              DeleteIdentityRequest::parseFrom,
              IdentityHandlers::deleted,
              IdentityHandlers::delete),
          Row.read(
              Command.IDENTITY_STATUS,
              Access.POLICY,
              BODY,
              IdentityRequest::parseFrom,
              (call, r) -> Subject.of(IdentityHandlers.named(call, r).toString()),
              IdentityHandlers::status),
          Row.read(
              Command.IDENTITY_LIST,
              Access.POLICY,
              BODY,
              ListRequest::parseFrom,
              (call, r) -> Subject.of(r.getPrefix()),
              IdentityHandlers::list));

  private CommandTable() {}

  /** The rows, by command. */
  static Map<Command, Row<?>> rows() {
    return ROWS;
  }

  /**
   * The row of {@code cmd}, or null for the commands this server does not run ({@code
   * KEY:LISTVERSIONS} is never sent).
   */
  static Row<?> row(Command cmd) {
    return ROWS.get(cmd);
  }

  private static Map<Command, Row<?>> rows(Row<?>... rows) {
    Map<Command, Row<?>> out = new EnumMap<>(Command.class);
    for (Row<?> r : rows) {
      if (out.put(r.command(), r) != null) {
        throw new IllegalStateException("two rows for " + r.command());
      }
    }
    return Collections.unmodifiableMap(out);
  }

  /** Reads a command's payload. */
  interface Parser<Q> {
    Q parse(byte[] payload) throws InvalidProtocolBufferException;
  }

  /** What a request acts on (read from it before it is authorized). */
  interface Target<Q> {
    Subject of(Call call, Q request);
  }

  /** A read: answers one frame from the request's state snapshot. */
  interface Read<Q> {
    byte[] run(Call call, Q request);
  }

  /** A write (or an asynchronous read): completes with the answer. */
  interface Write<Q> {
    CompletionStage<byte[]> run(Call call, Q request);
  }

  /**
   * What a request acts on.
   *
   * @param resource the name its policy action is checked against ({@code Authorizer#authorize}):
   *     the key, policy or identity named, the prefix of a list
   * @param stake the privilege the request grants or removes, looked up only once the command is
   *     allowed (it may be 404); the caller must hold at least that much (nobody grants or removes
   *     more than they hold). Null if none.
   */
  record Subject(String resource, Stake stake) {
    static Subject of(String resource) {
      return new Subject(resource, null);
    }
  }

  /** The privilege at stake in a request, looked up after the command is allowed. */
  interface Stake {
    Privilege of(Call call);
  }

  /**
   * One row of the command table.
   *
   * @param command the command
   * @param access who may run it: {@link Access#SYSADMIN} or {@link Access#POLICY}
   * @param maxBodyBytes the largest request body that may carry it (413 {@code request body too
   *     large: at most N bytes} beyond)
   * @param parser reads its payload; {@link #RAW} keeps the bytes
   * @param target what it acts on; null for commands that name nothing (authorized before their
   *     payload is read)
   * @param read the handler of a read, else null
   * @param write the handler of a write or of a read answered once for all its frames ({@code
   *     CLUSTER:STATUS}), else null
   */
  record Row<Q>(
      Command command,
      Access access,
      int maxBodyBytes,
      Parser<Q> parser,
      Target<Q> target,
      Read<Q> read,
      Write<Q> write) {

    /** The payload as it is. */
    static final Parser<byte[]> RAW = payload -> payload;

    static <Q> Row<Q> read(
        Command command,
        Access access,
        int maxBodyBytes,
        Parser<Q> parser,
        Target<Q> target,
        Read<Q> read) {
      return new Row<>(command, access, maxBodyBytes, parser, target, read, null);
    }

    static <Q> Row<Q> write(
        Command command,
        Access access,
        int maxBodyBytes,
        Parser<Q> parser,
        Target<Q> target,
        Write<Q> write) {
      return new Row<>(command, access, maxBodyBytes, parser, target, null, write);
    }

    /** A read that names nothing, answered once (asynchronously) for all its frames. */
    static Row<byte[]> once(
        Command command,
        Access access,
        int maxBodyBytes,
        java.util.function.Function<Call, CompletionStage<byte[]>> handler) {
      return new Row<>(
          command, access, maxBodyBytes, RAW, null, null, (call, payload) -> handler.apply(call));
    }

    /** True if the answer is computed once and sent for every frame ({@code CLUSTER:STATUS}). */
    boolean once() {
      return write != null && !command.isWrite();
    }

    /** Authorizes and runs one read frame. */
    byte[] read(Call call, byte[] payload) {
      return read.run(call, admit(call, payload));
    }

    /** Authorizes and runs a write frame (or the frames of a {@link #once} read). */
    CompletionStage<byte[]> write(Call call, byte[] payload) {
      return write.run(call, admit(call, payload));
    }

    /**
     * The parsed payload, once the caller may run it.
     *
     * @throws KmsException 400 for a payload that is not the command's message, 403 / 404 as {@link
     *     Call#authorize}
     */
    private Q admit(Call call, byte[] payload) {
      if (target == null) {
        authorize(call, Subject.of(""));
        return parse(payload);
      }
      Q request = parse(payload);
      authorize(call, target.of(call, request));
      return request;
    }

    private Q parse(byte[] payload) {
      try {
        return parser.parse(payload);
      } catch (InvalidProtocolBufferException e) {
        throw ApiError.invalidPayload(command.text());
      }
    }

    private void authorize(Call call, Subject subject) {
      switch (access) {
        case SYSADMIN -> call.requireSysAdmin();
        case POLICY -> call.authorize(command, subject.resource());
        default -> throw new IllegalStateException(command + " has access " + access);
      }
      if (subject.stake() != null) {
        call.requireAtLeast(subject.stake().of(call));
      }
    }
  }
}
