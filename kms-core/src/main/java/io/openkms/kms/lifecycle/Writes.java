package io.openkms.kms.lifecycle;

import io.openkms.kms.crypto.KeyVersion;
import io.openkms.kms.domain.Change;
import io.openkms.kms.domain.KmsException;
import io.openkms.kms.domain.KmsState;
import java.util.Set;

/**
 * How the leader prepares a client write for the log, on top of its projected state (the state
 * after every entry assigned so far).
 */
public final class Writes {

  private Writes() {}

  /**
   * The change the leader assigns for {@code change}: a new key version gets the number the
   * projected state expects ({@link #rebase}); a removal of a member that the leader cannot reach
   * is marked {@link Change.RemoveNode#withoutAck()}, so that it commits with the other members'
   * acknowledgements ({@code minkms rm} of a dead member).
   *
   * @param projected the leader's projected state
   * @param change the client's write
   * @param unreachable the member ids the leader cannot reach now
   * @return the change to assign
   */
  public static Change prepare(KmsState projected, Change change, Set<Integer> unreachable) {
    if (change instanceof Change.RemoveNode remove
        && !remove.withoutAck()
        && unreachable.contains(remove.nodeId())) {
      return new Change.RemoveNode(remove.nodeId(), true);
    }
    return rebase(projected, change);
  }

  /**
   * The removal {@code minkms rm} asks for, by what a direct probe of the member found just before:
   * a member that did not answer (connection refused, no answer in time) is removed without its
   * acknowledgement, as the leader does for a member it cannot reach ({@link #prepare}). The probe
   * closes the window between a member's death and the failure detector noticing it (several
   * seconds): a removal assigned in that window needed the dead member's acknowledgement, never got
   * it, and blocked every later write (found by an operator trial: {@code kill -9}, then {@code
   * minkms rm} within a second).
   *
   * @param nodeId the member to remove
   * @param answered true if the member answered the probe
   */
  public static Change.RemoveNode removal(int nodeId, boolean answered) {
    return answered ? Change.RemoveNode.of(nodeId) : new Change.RemoveNode(nodeId, true);
  }

  /**
   * Gives a new key version the number {@code state} expects: the handler that built the change
   * read an older snapshot, and concurrent rotations must not collide. Other changes are returned
   * as they are; so is a rotation of a key {@code state} does not hold (applying it refuses it).
   */
  public static Change rebase(KmsState state, Change change) {
    if (change instanceof Change.AddKeyVersion add) {
      int next;
      try {
        next = state.key(add.enclave(), add.name()).ring().nextVersion();
      } catch (KmsException missing) {
        return change;
      }
      KeyVersion v = add.version();
      if (v.version() != next) {
        return new Change.AddKeyVersion(
            add.enclave(),
            add.name(),
            new KeyVersion(next, v.type(), v.key(), v.createdAt(), v.createdBy()));
      }
    }
    return change;
  }
}
