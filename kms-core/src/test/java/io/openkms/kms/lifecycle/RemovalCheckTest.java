package io.openkms.kms.lifecycle;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.openkms.kms.lifecycle.RemovalCheck.Answer;
import io.openkms.kms.lifecycle.RemovalCheck.Verdict;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** Issue 12: node 2, whose removal is in doubt, asks its members whether it may leave. */
class RemovalCheckTest {

  private static Answer member(Set<Integer> members, Set<Integer> unconfirmed) {
    return new Answer(true, false, members, unconfirmed, Set.of());
  }

  @Test
  void itLeavesOnceEveryMemberAppliedAndConfirmedItsRemoval() {
    Verdict v =
        RemovalCheck.decide(
            2, Map.of(0, member(Set.of(0, 1), Set.of()), 1, member(Set.of(0, 1), Set.of())));
    assertTrue(v.leave(), v.toString());
    assertEquals(Set.of(), v.waitingFor());
  }

  @Test
  void itWaitsWhileAMemberStillListsItsRemovalAsUnconfirmed() {
    // the new leader's takeover would need its promise: it must stay
    Verdict v =
        RemovalCheck.decide(
            2, Map.of(0, member(Set.of(0, 1), Set.of()), 1, member(Set.of(0, 1), Set.of(2))));
    assertFalse(v.leave());
    assertEquals(Set.of(1), v.waitingFor());
  }

  @Test
  void itWaitsForEveryMemberNamedByAnAnswer() {
    // node 1 is down: it may still list the removal as unconfirmed
    Verdict v = RemovalCheck.decide(2, Map.of(0, member(Set.of(0, 1), Set.of())));
    assertFalse(v.leave());
    assertEquals(Set.of(1), v.waitingFor());
  }

  @Test
  void itWaitsWhileAMemberHasNotAppliedTheRemoval() {
    Verdict v =
        RemovalCheck.decide(
            2, Map.of(0, member(Set.of(0, 1, 2), Set.of()), 1, member(Set.of(0, 1), Set.of())));
    assertFalse(v.leave());
    assertEquals(Set.of(0), v.waitingFor());
  }

  @Test
  void withoutAnyAnswerItWaitsAndSaysSo() {
    Verdict v = RemovalCheck.decide(2, Map.of());
    assertFalse(v.leave());
    assertEquals("no member answered", v.reason());
  }

  @Test
  void anAnswerOfAnOlderVersionCountsAsNone() {
    Answer old = new Answer(false, false, Set.of(0), Set.of(), Set.of());
    assertFalse(RemovalCheck.decide(2, Map.of(0, old)).leave());
    assertFalse(
        RemovalCheck.decide(2, Map.of(0, member(Set.of(0, 1), Set.of()), 1, old)).leave(),
        "node 1's removal state is unknown");
  }

  @Test
  void anotherRemovedNodeThatListsItMustAnswerToo() {
    // node 3 was removed after node 2; node 0 still lists node 3's removal: node 3 is asked by a
    // takeover, and node 3 lists node 2's removal
    Answer three = new Answer(true, true, Set.of(0), Set.of(2, 3), Set.of());
    assertFalse(RemovalCheck.decide(2, Map.of(0, member(Set.of(0), Set.of(3)))).leave());
    Verdict v = RemovalCheck.decide(2, Map.of(0, member(Set.of(0), Set.of(3)), 3, three));
    assertFalse(v.leave());
    assertEquals(Set.of(3), v.waitingFor());
    Answer threeConfirmed = new Answer(true, true, Set.of(0), Set.of(3), Set.of());
    assertTrue(
        RemovalCheck.decide(2, Map.of(0, member(Set.of(0), Set.of(3)), 3, threeConfirmed)).leave());
  }

  @Test
  void aMemberRemovedOutOfBandIsNotWaitedFor() {
    // node 1 died for good and was edited out on node 0
    Answer zero = new Answer(true, false, Set.of(0), Set.of(), Set.of(1));
    assertTrue(RemovalCheck.decide(2, Map.of(0, zero)).leave());
  }

  @Test
  void anEvictionOfItselfLetsItLeaveAtOnce() {
    Answer zero = new Answer(true, false, Set.of(0, 1), Set.of(2), Set.of(2));
    assertTrue(RemovalCheck.decide(2, Map.of(0, zero)).leave());
  }

  @Test
  void aLeaderAddressesANodeThatSaysItsOwnRemovalIsInDoubt() {
    Map<Integer, String> members = Map.of(0, "a:7373", 1, "b:7373");
    assertEquals(
        java.util.OptionalInt.of(2),
        RemovalCheck.inDoubtEndpoint("c:7373", 2, "c:7373", true, Set.of(2), members));
    // its removal is final, it is not removed, it answers under another host, or it is a member
    assertTrue(
        RemovalCheck.inDoubtEndpoint("c:7373", 2, "c:7373", true, Set.of(), members).isEmpty());
    assertTrue(
        RemovalCheck.inDoubtEndpoint("c:7373", 2, "c:7373", false, Set.of(2), members).isEmpty());
    assertTrue(
        RemovalCheck.inDoubtEndpoint("c:7373", 2, "d:7373", true, Set.of(2), members).isEmpty());
    assertTrue(
        RemovalCheck.inDoubtEndpoint("b:7373", 1, "b:7373", true, Set.of(1), members).isEmpty());
    assertTrue(
        RemovalCheck.inDoubtEndpoint("b:7373", 2, "b:7373", true, Set.of(2), members).isEmpty());
  }

  @Test
  void onlyRemovedNodesAnsweringIsNotEnough() {
    Answer three = new Answer(true, true, Set.of(0), Set.of(), Set.of());
    assertFalse(RemovalCheck.decide(2, Map.of(3, three)).leave());
  }

  @Test
  void aStatusCountsOnlyFromANodeItsOwnStateNamesAndAnIdAnsweredTwiceCountsAsNone() {
    Answer state = new Answer(true, false, Set.of(), Set.of(2), Set.of());
    Map<Integer, String> members = Map.of(0, "a:7373", 1, "b:7373");
    Map<Integer, Answer> answers =
        RemovalCheck.answers(
            List.of(
                new RemovalCheck.Reported(0, "a:7373", members, state),
                // a fresh joiner: id 0 in its own one-node state under another host
                new RemovalCheck.Reported(1, "c:7373", Map.of(0, "c:7373"), state),
                // an older node: no removal state
                new RemovalCheck.Reported(3, "d:7373", members, null)));
    assertEquals(new Answer(true, false, Set.of(0, 1), Set.of(2), Set.of()), answers.get(0));
    assertEquals(RemovalCheck.UNKNOWN, answers.get(1), "not named by its own state");
    assertEquals(RemovalCheck.UNKNOWN, answers.get(3), "no removal state");

    Answer removed = new Answer(true, true, Set.of(), Set.of(), Set.of());
    Map<Integer, Answer> removedAnswer =
        RemovalCheck.answers(
            List.of(new RemovalCheck.Reported(4, "e:7373", Map.of(0, "a:7373"), removed)));
    assertTrue(removedAnswer.get(4).removed(), "a removed node counts though no state names it");

    Map<Integer, Answer> twice =
        RemovalCheck.answers(
            List.of(
                new RemovalCheck.Reported(0, "a:7373", members, state),
                new RemovalCheck.Reported(0, "a:7373", members, state)));
    assertEquals(Map.of(0, RemovalCheck.UNKNOWN), twice);
  }
}
