package io.openkms.kms.lifecycle;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.openkms.kms.lifecycle.Readmission.Answer;
import io.openkms.kms.lifecycle.Readmission.Refuse;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * {@link Readmission}: whom a leader probes and which answers re-admit a member that came back with
 * an empty store under its old {@code --host}.
 */
class ReadmissionTest {

  static final String CLUSTER = "c1d5f6a2-0000-4000-8000-000000000000";
  static final String HOST = "10.0.0.3:7373";
  static final Map<Integer, String> DOWN = Map.of(2, HOST);
  static final Set<String> MEMBERS = Set.of("10.0.0.1:7373", "10.0.0.2:7373", HOST);

  static Answer fresh() {
    return new Answer(HOST, true, "0e6b9a3c-0000-4000-8000-000000000000", true, false, 1);
  }

  @Test
  void anUnreachableMemberIsProbedAfterAWhileThenAtIntervalsOneProbeAtATime() {
    Readmission r = new Readmission(LifecycleTimeouts.DEFAULTS);
    assertEquals(List.of(), r.due(1_000, DOWN, MEMBERS));
    assertEquals(List.of(), r.due(1_000 + 2_000 - 1, DOWN, MEMBERS));
    assertEquals(List.of(HOST), r.due(1_000 + 2_000, DOWN, MEMBERS));
    assertTrue(r.probing(HOST));
    assertEquals(List.of(), r.due(100_000, DOWN, MEMBERS), "one probe in flight");
    r.judge(HOST, 2, CLUSTER, null);
    assertEquals(List.of(HOST), r.due(100_000, DOWN, MEMBERS));
    r.judge(HOST, 2, CLUSTER, null);
    assertEquals(List.of(), r.due(100_000 + 3_000 - 1, DOWN, MEMBERS));
    assertEquals(List.of(HOST), r.due(100_000 + 3_000, DOWN, MEMBERS));
  }

  @Test
  void aMemberThatIsReachableAgainIsForgotten() {
    Readmission r = new Readmission(LifecycleTimeouts.DEFAULTS);
    r.due(0, DOWN, MEMBERS);
    r.due(1_000, Map.of(), MEMBERS);
    assertEquals(
        List.of(), r.due(1_000 + 2_000 - 1, DOWN, MEMBERS), "the unreachable time starts again");
  }

  @Test
  void aFreshNodeUnderAMembersHostReplacesIt() {
    assertEquals(
        new Readmission.Replace(2),
        new Readmission(LifecycleTimeouts.DEFAULTS).judge(HOST, 2, CLUSTER, fresh()));
  }

  @Test
  void aHostWhoseOldEntryWasRemovedIsProbedUntilItIsAMemberAgainAndThenAdded() {
    Readmission r = new Readmission(LifecycleTimeouts.DEFAULTS);
    r.replacing(HOST);
    Set<String> without = Set.of("10.0.0.1:7373", "10.0.0.2:7373");
    assertEquals(List.of(HOST), r.due(0, Map.of(), without));
    assertEquals(new Readmission.Add(), r.judge(HOST, -1, CLUSTER, fresh()));
    assertEquals(List.of(), r.due(1_000, Map.of(), MEMBERS));
    assertEquals(Set.of(), r.replacing(), "a member again");
  }

  @Test
  void theMemberItselfOnItsOwnStoreIsLeftToRejoin() {
    Answer own = new Answer(HOST, true, CLUSTER, false, false, 57);
    assertInstanceOf(
        Readmission.Wait.class,
        new Readmission(LifecycleTimeouts.DEFAULTS).judge(HOST, 2, CLUSTER, own));
  }

  /**
   * Clients wrote to a reset member before the leader probed it (operator trial, issue 12): it is
   * not admitted (that would drop its writes), but its old entry is evicted, since the store behind
   * it is gone and every write of the cluster would wait for it for ever.
   */
  @Test
  void aMemberWithWritesOfItsOwnIsEvictedNamingItsEntriesAndLoggedOnce() {
    Readmission r = new Readmission(LifecycleTimeouts.DEFAULTS);
    Answer own = new Answer(HOST, true, "another", false, false, 21);
    Readmission.Evict first =
        assertInstanceOf(Readmission.Evict.class, r.judge(HOST, 2, CLUSTER, own));
    assertEquals(2, first.oldId());
    assertEquals(409, first.error().status());
    assertEquals(
        "node "
            + HOST
            + " is not a fresh node: it holds 21 log entries of its own;"
            + " stop it, delete its store (DIR/kms.db), restart it and add it again",
        first.error().message());
    assertTrue(first.log());
    assertFalse(((Readmission.Evict) r.judge(HOST, 2, CLUSTER, own)).log(), "logged once");
    Answer more = new Answer(HOST, true, "another", false, false, 22);
    assertTrue(((Readmission.Evict) r.judge(HOST, 2, CLUSTER, more)).log(), "a new count");
    Answer removed = new Answer(HOST, true, "another", true, true, 3);
    assertInstanceOf(Readmission.Evict.class, r.judge(HOST, 2, CLUSTER, removed));
  }

  /** Once its entry is gone, the same node is refused (and probed until wiped: then added). */
  @Test
  void aNonMemberWithWritesOfItsOwnIsRefusedUntilWipedAgain() {
    Readmission r = new Readmission(LifecycleTimeouts.DEFAULTS);
    r.replacing(HOST);
    Answer own = new Answer(HOST, true, "another", false, false, 21);
    Refuse refused = assertInstanceOf(Refuse.class, r.judge(HOST, -1, CLUSTER, own));
    assertEquals(409, refused.error().status());
    assertTrue(refused.log());
    assertFalse(((Refuse) r.judge(HOST, -1, CLUSTER, own)).log(), "logged once");
    Set<String> without = Set.of("10.0.0.1:7373", "10.0.0.2:7373");
    assertEquals(List.of(HOST), r.due(0, Map.of(), without), "still probed");
    assertEquals(new Readmission.Add(), r.judge(HOST, -1, CLUSTER, fresh()));
  }

  @Test
  void aNodeWithAnotherHsmKeyOrAnotherNameIsRefused() {
    Readmission r = new Readmission(LifecycleTimeouts.DEFAULTS);
    Refuse key = assertInstanceOf(Refuse.class, r.judge(HOST, 2, CLUSTER, Answer.unproven(HOST)));
    assertEquals("node " + HOST + " was started with a different HSM key", key.error().message());
    Answer renamed = new Answer("other:7373", true, "x", true, false, 1);
    Refuse name = assertInstanceOf(Refuse.class, r.judge(HOST, 2, CLUSTER, renamed));
    assertEquals(400, name.error().status());
  }
}
