package io.openkms.kms.replication;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * The leader's per-index member sets: the ack set of an entry is {@code before ∪ after}, minus
 * out-of-band evictions (docs/ARCHITECTURE.md §3 "Write path" with membership carried by the log).
 */
class MembershipHistoryTest {

  /** Members {0, 1, 2} after index 10; entry 12 removes 2; entry 15 adds 3. */
  static MembershipHistory history() {
    MembershipHistory history = new MembershipHistory();
    history.reset(10, Set.of(0, 1, 2));
    history.record(11, Set.of(0, 1, 2));
    history.record(12, Set.of(0, 1));
    history.record(13, Set.of(0, 1));
    history.record(15, Set.of(0, 1, 3));
    return history;
  }

  @Test
  void theMemberSetAtAnIndexIsTheOneAfterTheLatestChange() {
    MembershipHistory history = history();
    assertEquals(Set.of(0, 1, 2), history.at(5));
    assertEquals(Set.of(0, 1, 2), history.at(11));
    assertEquals(Set.of(0, 1), history.at(14));
    assertEquals(Set.of(0, 1, 3), history.at(20));
  }

  @Test
  void theAckSetOfAChangeIsTheUnionOfBeforeAndAfter() {
    MembershipHistory history = history();
    assertEquals(Set.of(0, 1, 2), history.ackSet(12));
    assertEquals(Set.of(0, 1), history.ackSet(13));
    assertEquals(Set.of(0, 1, 3), history.ackSet(15));
  }

  @Test
  void aMemberMustHoldTheLogUpToTheLastEntryItAcknowledges() {
    MembershipHistory history = history();
    assertEquals(16, history.target(0, 16));
    assertEquals(12, history.target(2, 16));
    assertEquals(16, history.target(3, 16));
    assertEquals(0, history.target(7, 16));
  }

  @Test
  void aJoinerIsRecognisedByTheEntryThatAddsIt() {
    MembershipHistory history = history();
    assertEquals(15, history.joinIndex(3, 0));
    assertEquals(0, history.joinIndex(3, 15));
    assertEquals(0, history.joinIndex(0, 0));
  }

  @Test
  void everyoneIsEachIdThatIsAMemberSomewhereInTheRange() {
    assertEquals(Set.of(0, 1, 2, 3), history().everyone(10, 16));
    assertEquals(Set.of(0, 1), history().everyone(13, 14));
  }

  @Test
  void anEvictionFreesTheIdUpToItsIndexOnly() {
    MembershipHistory history = history();
    history.evict(2, 14);
    assertEquals(Set.of(0, 1), history.ackSet(12));
    assertEquals(0, history.target(2, 16));
    history.evict(3, 14);
    assertEquals(Set.of(0, 1, 3), history.ackSet(15)); // re-added after the eviction
  }

  @Test
  void aReleasingEntryFreesTheRemovedIdFromItAndEveryEarlierEntry() {
    MembershipHistory history = new MembershipHistory();
    history.reset(10, Set.of(0, 1, 2));
    history.record(11, Set.of(0, 1, 2));
    history.record(12, Set.of(0, 1), Set.of(2));
    assertEquals(Set.of(0, 1), history.ackSet(11));
    assertEquals(Set.of(0, 1), history.ackSet(12));
    assertEquals(0, history.target(2, 12));
    assertTrue(history.released(2));
    assertFalse(history.released(1));
    history.reset(12, Set.of(0, 1));
    assertFalse(history.released(2), "a reset forgets releases");
  }

  @Test
  void onlyLogEntriesCountAsChangesNotOverrides() {
    MembershipHistory history = history();
    assertTrue(history.changesIn(11, 12));
    assertFalse(history.changesIn(12, 14));
    history.override(16, Set.of(0, 1));
    assertFalse(history.changesIn(15, 16));
    assertEquals(Set.of(0, 1), history.at(16));
  }
}
