package io.openkms.kms.lifecycle;

import io.openkms.kms.domain.Change;
import io.openkms.kms.domain.KmsException;
import io.openkms.kms.domain.KmsState;
import java.util.Optional;

/**
 * Which writes a node answers from its own applied state, without asking the leader or any other
 * member: those that this state already refuses with 409 (the enclave, key, policy or identity
 * exists) or 404 (what the write deletes, rotates or assigns is missing). MinIO's boot sends {@code
 * CreateKey} for a key that exists and expects {@code 409 key already exists} even while a KMS
 * member is down (docs/DESIGN-DECISIONS.md "Answering from local state").
 *
 * <p>Why the answer is right: a replica applies an entry once and never un-applies it (the log is
 * never overwritten), and under write quorum N of N no write is acknowledged before every member,
 * this node included, applied it. So every write acknowledged before this request arrived is in
 * this state, and every write not in it is still unacknowledged and may be ordered after this
 * refusal. The refusal is ordered where a read of the same state would be: after the entries this
 * node applied, before the ones it has not. Membership changes ({@code InitCluster}, {@code
 * AddNode}, {@code RemoveNode}) always go to the leader, as does every write the state accepts or
 * refuses for another reason.
 */
public final class LocalAnswer {

  private LocalAnswer() {}

  /**
   * The refusal that {@code applied} proves for {@code change}.
   *
   * @param applied the node's applied state
   * @param change the write as the handler built it
   * @return the 409 or 404 error the leader would answer; empty if the write must go to the leader
   */
  public static Optional<KmsException> refusal(KmsState applied, Change change) {
    if (change instanceof Change.InitCluster
        || change instanceof Change.AddNode
        || change instanceof Change.RemoveNode) {
      return Optional.empty();
    }
    try {
      applied.apply(Writes.rebase(applied, change));
      return Optional.empty();
    } catch (KmsException refused) {
      return refused.status() == 409 || refused.status() == 404
          ? Optional.of(refused)
          : Optional.empty();
    }
  }
}
