package io.openkms.http.server;

import com.google.protobuf.InvalidProtocolBufferException;
import io.openkms.kms.domain.Command;
import io.openkms.kms.domain.KmsException;
import java.util.concurrent.CompletionStage;

/**
 * CLUSTER:ADDNODE (1), CLUSTER:REMOVENODE (2) and CLUSTER:EDIT (4): membership changes.
 */
final class ClusterMembershipHandlers {

  private ClusterMembershipHandlers() {}

  /**
   * Runs a membership command.
   *
   * @throws KmsException 403 for non-SysAdmins; 501 until this node runs clustered
   */
  static CompletionStage<byte[]> handle(Command cmd, Call call, byte[] payload)
      throws InvalidProtocolBufferException {
    call.authorize(cmd, "");
    throw new KmsException(501, "kms: " + cmd.text() + " is not available: clustering is not"
        + " enabled on this node");
  }
}
