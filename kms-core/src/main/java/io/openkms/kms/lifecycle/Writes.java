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
