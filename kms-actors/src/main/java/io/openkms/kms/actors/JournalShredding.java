package io.openkms.kms.actors;

import io.openkms.kms.domain.Change;

/**
 * Which journaled events destroy something (issue 13, crypto-shredding): after one, the replica log
 * takes a snapshot, so that the events before it — which may hold the destroyed key material — can
 * be deleted from the store ({@code io.openkms.persistence.JournalShredder}).
 */
final class JournalShredding {
  private JournalShredding() {}

  /**
   * True for an entry that deletes a key, key version, enclave, policy, identity or node, or that
   * replaces the whole state with a backup's ({@code RestoreState}: what it replaces is gone).
   */
  static boolean destroys(ReplicaEvent event) {
    if (!(event instanceof ReplicaEvent.EntryAppended e)) {
      return event instanceof ReplicaEvent.MembersEdited;
    }
    Change c = e.change();
    return c instanceof Change.DeleteKey
        || c instanceof Change.DeleteKeyVersion
        || c instanceof Change.DeleteEnclave
        || c instanceof Change.DeleteIdentity
        || c instanceof Change.DeletePolicy
        || c instanceof Change.RemoveNode
        || c instanceof Change.RestoreState;
  }
}
