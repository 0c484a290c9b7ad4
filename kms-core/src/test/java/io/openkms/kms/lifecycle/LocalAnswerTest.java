package io.openkms.kms.lifecycle;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.openkms.kms.crypto.Identity;
import io.openkms.kms.crypto.KeyType;
import io.openkms.kms.crypto.KeyVersion;
import io.openkms.kms.domain.Change;
import io.openkms.kms.domain.KmsException;
import io.openkms.kms.domain.KmsState;
import java.time.Instant;
import java.util.Optional;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * {@link LocalAnswer}: the writes a node's applied state already refuses (MinIO's boot: {@code
 * CreateKey} of an existing key) and the ones that must go to the leader; {@link Writes}: how the
 * leader prepares a write.
 */
class LocalAnswerTest {

  static final Instant T0 = Instant.parse("2025-01-01T00:00:00Z");

  static KeyVersion version(int n) {
    return new KeyVersion(n, KeyType.AES256, new byte[32], T0, Identity.ZERO);
  }

  /** Members 0 and 1; enclave "e" with key "k" (versions 1, 2). */
  static KmsState state() {
    return KmsState.empty()
        .apply(new Change.InitCluster("c1d5f6a2-0000-4000-8000-000000000000", "a:7373"))
        .apply(new Change.AddNode("b:7373"))
        .apply(new Change.CreateEnclave("e", T0, Identity.ZERO))
        .apply(new Change.CreateKey("e", "k", version(1)))
        .apply(new Change.AddKeyVersion("e", "k", version(2)));
  }

  static void assertRefused(int status, String message, Change change) {
    Optional<KmsException> refused = LocalAnswer.refusal(state(), change);
    assertTrue(refused.isPresent(), change + " is refused locally");
    assertEquals(status, refused.get().status());
    assertEquals(message, refused.get().message());
  }

  @Test
  void aCreateOfWhatExistsIsRefusedWith409() {
    assertRefused(409, "key already exists", new Change.CreateKey("e", "k", version(1)));
    assertRefused(409, "enclave already exists", new Change.CreateEnclave("e", T0, Identity.ZERO));
  }

  @Test
  void aDeleteOrRotationOfWhatIsMissingIsRefusedWith404() {
    assertRefused(404, "key does not exist", new Change.DeleteKey("e", "missing"));
    assertRefused(404, "enclave does not exist", new Change.DeleteEnclave("missing"));
    assertRefused(404, "key does not exist", new Change.AddKeyVersion("e", "missing", version(1)));
  }

  @Test
  void writesTheStateAcceptsGoToTheLeader() {
    KmsState s = state();
    assertEquals(
        Optional.empty(), LocalAnswer.refusal(s, new Change.CreateKey("e", "new", version(1))));
    assertEquals(Optional.empty(), LocalAnswer.refusal(s, new Change.DeleteKey("e", "k")));
    // a rotation built on an older snapshot is renumbered, not refused as a duplicate version
    assertEquals(
        Optional.empty(), LocalAnswer.refusal(s, new Change.AddKeyVersion("e", "k", version(2))));
  }

  @Test
  void membershipChangesAlwaysGoToTheLeader() {
    KmsState s = state();
    assertEquals(Optional.empty(), LocalAnswer.refusal(s, new Change.AddNode("b:7373")));
    assertEquals(Optional.empty(), LocalAnswer.refusal(s, Change.RemoveNode.of(7)));
  }

  @Test
  void theRemovalOfAnUnreachableMemberDoesNotNeedItsAcknowledgement() {
    KmsState s = state();
    assertEquals(
        new Change.RemoveNode(1, true), Writes.prepare(s, Change.RemoveNode.of(1), Set.of(1)));
    assertEquals(Change.RemoveNode.of(1), Writes.prepare(s, Change.RemoveNode.of(1), Set.of()));
    assertEquals(Change.RemoveNode.of(0), Writes.prepare(s, Change.RemoveNode.of(0), Set.of(1)));
  }

  /**
   * {@code minkms rm} of a member that does not answer a direct probe is a removal without its
   * acknowledgement, also before the failure detector marked it unreachable; the leader keeps it
   * so.
   */
  @Test
  void theRemovalOfAMemberThatDidNotAnswerAProbeDoesNotNeedItsAcknowledgement() {
    assertEquals(new Change.RemoveNode(2, true), Writes.removal(2, false));
    assertEquals(Change.RemoveNode.of(2), Writes.removal(2, true));
    assertEquals(
        new Change.RemoveNode(2, true),
        Writes.prepare(state(), Writes.removal(2, false), Set.of()),
        "the leader still sees it reachable");
  }

  @Test
  void aNewKeyVersionGetsTheNumberTheProjectedStateExpects() {
    Change rotated =
        Writes.prepare(state(), new Change.AddKeyVersion("e", "k", version(2)), Set.of());
    assertEquals(3, ((Change.AddKeyVersion) rotated).version().version());
  }
}
