package io.openkms.kms.lifecycle;

import static io.openkms.kms.lifecycle.LocalAnswerTest.T0;
import static io.openkms.kms.lifecycle.LocalAnswerTest.state;
import static io.openkms.kms.lifecycle.LocalAnswerTest.version;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.openkms.kms.crypto.Identity;
import io.openkms.kms.domain.Change;
import io.openkms.kms.domain.KmsException;
import io.openkms.kms.domain.KmsState;
import io.openkms.kms.domain.Quotas;
import io.openkms.kms.replication.WriteOutcome;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;

/**
 * {@link LeaderWrites}: the leader's takeover queue, its admission of writes against the projected
 * state and its undo of a write the replication machine refused at once.
 */
class LeaderWritesTest {

  static final Map<Integer, String> HOSTS = Map.of(0, "a:7373", 1, "b:7373");
  static final LeaderWrites.Encoder<Change> AS_IS = (change, before) -> change;

  static LeaderWrites<String> writes() {
    return new LeaderWrites<>(Quotas.DEFAULT, 10_000);
  }

  static Change enclave(String name) {
    return new Change.CreateEnclave(name, T0, Identity.ZERO);
  }

  @Test
  void whileTakingOverAWriteWaitsUntilTheWriteTimeoutThenTheLeaderServesItInArrivalOrder() {
    LeaderWrites<String> w = writes();
    assertFalse(w.serving());
    assertNull(w.hold("w1", 1_000, w.blockers(Set.of(0, 1), Set.of()), HOSTS));
    assertNull(w.hold("w2", 2_000, w.blockers(Set.of(0, 1), Set.of()), HOSTS));
    assertEquals(List.of(), w.expired(10_999));
    assertEquals(List.of("w1"), w.expired(11_000));
    assertEquals(1, w.waitingCount());
    assertEquals(List.of("w2"), w.serve(state()));
    assertEquals(0, w.waitingCount());
    assertTrue(w.serving());
  }

  @Test
  void whileTakingOverAWriteFailsAtOnceWhenAMemberIsUnreachable() {
    LeaderWrites<String> w = writes();
    KmsException e = w.hold("w", 0, w.blockers(Set.of(0, 1), Set.of(1, 7)), HOSTS);
    assertEquals(503, e.status());
    assertTrue(
        e.message().startsWith("cannot commit write: node 1 (b:7373) is unreachable"), e.message());
    assertEquals(0, w.waitingCount());
  }

  @Test
  void theRemovalOfTheOnlyUnreachableMemberReleasesItFromTheTakeoverAndWaits() {
    LeaderWrites<String> w = writes();
    TreeSet<Integer> blockers = new TreeSet<>(w.blockers(Set.of(0, 1, 2), Set.of(1)));
    // any other write, and a removal the member acknowledges, release nothing
    assertEquals(Set.of(), w.release(enclave("e"), blockers));
    assertEquals(Set.of(), w.release(Change.RemoveNode.of(1), blockers));
    assertEquals(Set.of(), w.release(new Change.RemoveNode(2, true), blockers));
    // the dead leader's removal (rm of a member that did not answer) releases it
    assertEquals(Set.of(1), w.release(new Change.RemoveNode(1, true), blockers));
    assertEquals(Set.of(), w.blockers(Set.of(0, 1, 2), Set.of(1)));
    assertNull(w.hold("rm", 0, w.blockers(Set.of(0, 1, 2), Set.of(1)), HOSTS));
    assertEquals(List.of("rm"), w.serve(state()));
  }

  @Test
  void aRemovalReleasesNothingWhileAnotherMemberIsUnreachableToo() {
    LeaderWrites<String> w = writes();
    TreeSet<Integer> blockers = new TreeSet<>(w.blockers(Set.of(0, 1, 2), Set.of(1, 2)));
    assertEquals(Set.of(), w.release(new Change.RemoveNode(1, true), blockers));
    assertEquals(503, w.hold("rm", 0, w.blockers(Set.of(0, 1, 2), Set.of(1, 2)), HOSTS).status());
  }

  @Test
  void blockersAreTheUnreachableMembersOfTheProjectedStateOnceServing() {
    LeaderWrites<String> w = writes();
    assertEquals(new TreeSet<>(Set.of(5)), w.blockers(Set.of(0, 5), Set.of(5)));
    w.serve(state()); // members 0 and 1: 5 is not a member of the projected state
    assertEquals(new TreeSet<>(), w.blockers(Set.of(0, 5), Set.of(5)));
    assertEquals(new TreeSet<>(Set.of(1)), w.blockers(Set.of(0), Set.of(1)));
  }

  @Test
  void aTakeoverTimeoutNamesTheMembersThatDidNotPromise() {
    LeaderWrites<String> w = writes();
    assertEquals(
        "cannot commit write: node 1 (b:7373) did not acknowledge within 10000 ms; writes need"
            + " every member: start it again or remove it with 'minkms rm HOST'",
        w.takeoverTimeout(Set.of(0, 1), 0, Set.of(0), HOSTS).message());
    // every member promised (the write still timed out): the others are named
    assertEquals(503, w.takeoverTimeout(Set.of(0, 1), 0, Set.of(0, 1), HOSTS).status());
    assertTrue(
        w.takeoverTimeout(Set.of(0, 1), 0, Set.of(0, 1), HOSTS).message().contains("node 1 "));
    assertEquals(
        "cannot commit write: no leader answered within 10000 ms",
        w.takeoverTimeout(Set.of(0), 0, Set.of(0), HOSTS).message());
  }

  @Test
  void anAdmittedWriteIsInTheProjectedStateSoTheNextOneSeesIt() {
    LeaderWrites<String> w = writes();
    w.serve(state());
    w.admit(enclave("e2"), Set.of(), AS_IS);
    KmsException dup =
        assertThrows(KmsException.class, () -> w.admit(enclave("e2"), Set.of(), AS_IS));
    assertEquals(409, dup.status());
    // a rotation gets the version number the projected state expects (3 after 1, 2)
    LeaderWrites.Admitted<Change> rot =
        w.admit(new Change.AddKeyVersion("e", "k", version(2)), Set.of(), AS_IS);
    assertEquals(3, ((Change.AddKeyVersion) rot.change()).version().version());
    assertEquals(3, ((Change.AddKeyVersion) rot.command()).version().version());
  }

  @Test
  void aRemovalOfAnUnreachableMemberIsMarkedAsNotNeedingItsAcknowledgement() {
    LeaderWrites<String> w = writes();
    w.serve(state());
    LeaderWrites.Admitted<Change> rm = w.admit(new Change.RemoveNode(1, false), Set.of(1), AS_IS);
    assertTrue(((Change.RemoveNode) rm.change()).withoutAck());
  }

  @Test
  void aWriteOverAQuotaIsRefusedWith400AndLeavesTheProjectedStateAsItWas() {
    LeaderWrites<String> w =
        new LeaderWrites<>(
            new Quotas(1, 10, 10, 10, 10, 10, 256, 10, 256, 1L << 20, 10, 10), 10_000);
    KmsState start = state(); // one enclave already
    w.serve(start);
    KmsException e =
        assertThrows(KmsException.class, () -> w.admit(enclave("e2"), Set.of(), AS_IS));
    assertEquals(400, e.status());
    assertTrue(e.message().contains("limits: enclaves"), e.message());
    assertSame(start, w.projected());
  }

  @Test
  void anEncoderRefusalLeavesTheProjectedStateAsItWas() {
    LeaderWrites<String> w = writes();
    KmsState start = state();
    w.serve(start);
    KmsException tooLarge = io.openkms.kms.domain.ApiError.relayed(400, "change too large");
    assertSame(
        tooLarge,
        assertThrows(
            KmsException.class,
            () ->
                w.admit(
                    enclave("e2"),
                    Set.of(),
                    (change, before) -> {
                      throw tooLarge;
                    })));
    assertSame(start, w.projected());
  }

  @Test
  void aWriteRefusedAtOnceWithoutAnIndexIsUndoneButOneWithAnIndexStays() {
    LeaderWrites<String> w = writes();
    KmsState start = state();
    w.serve(start);
    LeaderWrites.Admitted<Change> a = w.admit(enclave("e2"), Set.of(), AS_IS);
    assertTrue(w.refusedAtOnce(a, new WriteOutcome.Unavailable(Set.of(1), 0)));
    assertSame(start, w.projected());
    LeaderWrites.Admitted<Change> b = w.admit(enclave("e2"), Set.of(), AS_IS);
    assertFalse(w.refusedAtOnce(b, new WriteOutcome.Unavailable(Set.of(1), 7)));
    assertFalse(w.refusedAtOnce(b, new WriteOutcome.Committed(7)));
    assertTrue(w.projected().enclaves().containsKey("e2"));
    // the same write can be admitted again after its undo: the quotas' size estimate followed
    assertTrue(w.refusedAtOnce(b, new WriteOutcome.NoLeader(0)));
    w.admit(enclave("e2"), Set.of(), AS_IS);
  }

  @Test
  void aStoppedLeaderHasNoProjectedStateAndRefusesToAdmit() {
    LeaderWrites<String> w = writes();
    w.serve(state());
    w.stop();
    assertFalse(w.serving());
    assertThrows(IllegalStateException.class, () -> w.admit(enclave("x"), Set.of(), AS_IS));
  }

  @Test
  void membersRemovedOutOfBandLeaveTheProjectedStateWithTheirIdsNotReused() {
    LeaderWrites<String> w = writes();
    w.serve(state());
    int next = w.projected().membership().nextNodeId();
    w.membersRemoved(Set.of(1));
    assertEquals(Set.of(0), w.projected().membership().nodes().keySet());
    assertEquals(next, w.projected().membership().nextNodeId());
    assertTrue(w.projected().enclaves().containsKey("e"));
  }
}
