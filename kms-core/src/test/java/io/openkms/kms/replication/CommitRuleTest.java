package io.openkms.kms.replication;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.HashMap;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.LongFunction;
import org.junit.jupiter.api.Test;

/**
 * The N-of-N commit rule (docs/ARCHITECTURE.md §3 "Write path"; docs/REFERENCE.md §1 "Write
 * quorum").
 */
class CommitRuleTest {

  @Test
  void theHighestIndexAckedByAllIsTheLowestAcknowledgement() {
    assertEquals(3, CommitRule.highestAckedByAll(Set.of(0, 1, 2), Map.of(0, 5L, 1, 3L, 2, 7L)));
  }

  @Test
  void aMemberThatNeverAcknowledgedCountsAsZero() {
    assertEquals(0, CommitRule.highestAckedByAll(Set.of(0, 1), Map.of(0, 5L)));
  }

  @Test
  void acknowledgementsOfNonMembersDoNotCount() {
    assertEquals(4, CommitRule.highestAckedByAll(Set.of(1), Map.of(0, 0L, 1, 4L, 9, 1L)));
  }

  @Test
  void anEmptyMemberSetIsRefused() {
    assertEquals(
        "members must not be empty",
        assertThrows(
                IllegalArgumentException.class,
                () -> CommitRule.highestAckedByAll(Set.of(), Map.of()))
            .getMessage());
  }

  @Test
  void theCommitIndexAdvancesWhileEveryMemberAcknowledged() {
    assertEquals(4, CommitRule.advance(2, 6, index -> Set.of(0, 1), Map.of(0, 5L, 1, 4L)));
  }

  @Test
  void aRemovalNeedsTheRemovedMemberButLaterEntriesDoNot() {
    // member 2 is removed by entry 3: entries 1..3 need {0, 1, 2}, later ones {0, 1}
    LongFunction<Set<Integer>> ackSets = index -> index <= 3 ? Set.of(0, 1, 2) : Set.of(0, 1);
    assertEquals(2, CommitRule.advance(0, 6, ackSets, Map.of(0, 6L, 1, 6L, 2, 2L)));
    assertEquals(6, CommitRule.advance(0, 6, ackSets, Map.of(0, 6L, 1, 6L, 2, 3L)));
  }

  @Test
  void theCommitIndexNeverSkipsAnUnacknowledgedEntry() {
    LongFunction<Set<Integer>> ackSets = index -> index == 2 ? Set.of(0, 1) : Set.of(0);
    assertEquals(1, CommitRule.advance(0, 3, ackSets, Map.of(0, 3L, 1, 1L)));
  }

  @Test
  void anEntryNobodyMustAcknowledgeIsCommitted() {
    assertEquals(3, CommitRule.advance(1, 3, index -> Set.of(), Map.of()));
  }

  @Test
  void aCommitIndexOutsideTheLogIsRefused() {
    assertEquals(
        "commitIndex 4 outside [0, 3]",
        assertThrows(
                IllegalArgumentException.class,
                () -> CommitRule.advance(4, 3, index -> Set.of(0), Map.of()))
            .getMessage());
    assertEquals(
        "commitIndex -1 outside [0, 3]",
        assertThrows(
                IllegalArgumentException.class,
                () -> CommitRule.advance(-1, 3, index -> Set.of(0), Map.of()))
            .getMessage());
  }

  /** Like etcd's raft tests: the rule against a naive oracle on random inputs. */
  @Test
  void agreesWithANaiveOracleOnRandomInputs() {
    Random random = new Random(42);
    for (int round = 0; round < 20_000; round++) {
      int nodes = 1 + random.nextInt(5);
      long last = random.nextInt(12);
      long commit = last == 0 ? 0 : random.nextInt((int) last + 1);
      Map<Long, Set<Integer>> sets = new HashMap<>();
      for (long index = 1; index <= last; index++) {
        Set<Integer> ids = new TreeSet<>();
        for (int id = 0; id < nodes; id++) {
          if (random.nextInt(4) > 0) {
            ids.add(id);
          }
        }
        sets.put(index, ids);
      }
      Map<Integer, Long> acked = new HashMap<>();
      for (int id = 0; id < nodes; id++) {
        acked.put(id, (long) random.nextInt((int) last + 2));
      }
      assertEquals(
          naive(commit, last, sets, acked),
          CommitRule.advance(commit, last, sets::get, acked),
          "round " + round);
    }
  }

  /** The largest c with every entry in (commit, c] acknowledged by each id of its ack set. */
  private static long naive(
      long commit, long last, Map<Long, Set<Integer>> sets, Map<Integer, Long> acked) {
    for (long candidate = last; candidate > commit; candidate--) {
      boolean all = true;
      for (long index = commit + 1; index <= candidate; index++) {
        for (int id : sets.get(index)) {
          all &= acked.getOrDefault(id, 0L) >= index;
        }
      }
      if (all) {
        return candidate;
      }
    }
    return commit;
  }
}
