package io.openkms.http.server;

import com.google.protobuf.InvalidProtocolBufferException;
import io.openkms.kms.domain.Command;
import io.openkms.kms.domain.KmsException;
import java.util.concurrent.CompletionStage;

/**
 * Command id → handler (docs/PROTOCOL.md §4.2). Reads run synchronously on the request's state
 * snapshot; writes return a stage that completes when the change is committed. A payload that
 * is not the command's protobuf message is 400 naming the command.
 */
final class CommandTable {

  private CommandTable() {}

  /** True for the commands this server implements ({@code KEY:LISTVERSIONS} is never sent). */
  static boolean supports(Command cmd) {
    return cmd != Command.KEY_LIST_VERSIONS;
  }

  /** Runs one read frame. */
  static byte[] read(Command cmd, Call call, byte[] payload) {
    try {
      return switch (cmd) {
        case ENCLAVE_STATUS -> EnclaveHandlers.status(call, payload);
        case ENCLAVE_LIST -> EnclaveHandlers.list(call, payload);
        case KEY_STATUS -> KeyHandlers.status(call, payload);
        case KEY_ENCRYPT -> KeyHandlers.encrypt(call, payload);
        case KEY_DECRYPT -> KeyHandlers.decrypt(call, payload);
        case KEY_GENERATE -> KeyHandlers.generate(call, payload);
        case KEY_LIST -> KeyHandlers.list(call, payload);
        case KEY_MAC -> KeyHandlers.mac(call, payload);
        case POLICY_GET -> PolicyHandlers.get(call, payload);
        case POLICY_STATUS -> PolicyHandlers.status(call, payload);
        case POLICY_LIST -> PolicyHandlers.list(call, payload);
        case IDENTITY_STATUS -> IdentityHandlers.status(call, payload);
        case IDENTITY_LIST -> IdentityHandlers.list(call, payload);
        default -> throw new KmsException(400, "unknown command id " + cmd.id());
      };
    } catch (InvalidProtocolBufferException e) {
      throw invalid(cmd);
    }
  }

  /** Runs one write frame. */
  static CompletionStage<byte[]> write(Command cmd, Call call, byte[] payload) {
    try {
      return switch (cmd) {
        case ENCLAVE_CREATE -> EnclaveHandlers.create(call, payload);
        case ENCLAVE_DELETE -> EnclaveHandlers.delete(call, payload);
        case KEY_CREATE -> KeyHandlers.create(call, payload);
        case KEY_DELETE -> KeyHandlers.delete(call, payload);
        case KEY_IMPORT -> KeyHandlers.importKey(call, payload);
        case POLICY_CREATE -> PolicyHandlers.create(call, payload);
        case POLICY_DELETE -> PolicyHandlers.delete(call, payload);
        case POLICY_ASSIGN -> PolicyHandlers.assign(call, payload);
        case IDENTITY_CREATE -> IdentityHandlers.create(call, payload);
        case IDENTITY_DELETE -> IdentityHandlers.delete(call, payload);
        case CLUSTER_ADD_NODE, CLUSTER_REMOVE_NODE, CLUSTER_EDIT ->
            ClusterMembershipHandlers.handle(cmd, call, payload);
        case CLUSTER_ADD_HSM, CLUSTER_REMOVE_HSM -> ClusterHandlers.hsm(call, cmd);
        default -> throw new KmsException(400, "unknown command id " + cmd.id());
      };
    } catch (InvalidProtocolBufferException e) {
      throw invalid(cmd);
    }
  }

  /** CLUSTER:STATUS. */
  static CompletionStage<byte[]> clusterStatus(Call call) {
    return ClusterHandlers.status(call);
  }

  private static KmsException invalid(Command cmd) {
    return new KmsException(400, "invalid request: payload is not a valid " + cmd.text()
        + " message");
  }
}
