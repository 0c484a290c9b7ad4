package io.openkms.kms.replication;

import static io.openkms.kms.replication.Expected.RULE;
import static io.openkms.kms.replication.Expected.entry;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.openkms.kms.replication.LeaderInput.AppendAck;
import io.openkms.kms.replication.LeaderInput.PromiseGranted;
import io.openkms.kms.replication.ReplicaInput.Append;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * The byte bound of internode messages ({@link MessageBudget}): how many entries fit, the size
 * rule, and the leader's batches bounded by bytes as well as entries. Commands are strings whose
 * size is their length.
 */
class MessageBudgetTest {

  static final MessageBudget<String> TEN = new MessageBudget<>(6, 10, command -> command.length());

  @Test
  void aMessageCarriesTheLongestPrefixWithinTheBoundAndAtLeastOneEntry() {
    assertEquals(0, TEN.fitting(List.of()));
    assertEquals(2, TEN.fitting(List.of(4L, 6L, 1L)));
    assertEquals(3, TEN.fitting(List.of(4L, 3L, 3L)));
    assertEquals(1, TEN.fitting(List.of(11L, 1L)), "one larger entry still goes, alone");
    assertEquals(1, TEN.fitting(List.of(10L, 1L)));
    assertEquals(
        List.of(entry(1, 1, "aaaa"), entry(1, 2, "bbbb")),
        TEN.prefix(List.of(entry(1, 1, "aaaa"), entry(1, 2, "bbbb"), entry(1, 3, "cccc"))));
  }

  @Test
  void aChangeLargerThanTheBoundIsNotAdmitted() {
    assertTrue(TEN.admits(6));
    assertFalse(TEN.admits(7));
    assertTrue(MessageBudget.unbounded().admits(Long.MAX_VALUE));
    assertEquals(3, MessageBudget.<String>unbounded().fitting(List.of(1L << 40, 1L << 40, 5L)));
  }

  @Test
  void boundsAreValidated() {
    assertThrows(IllegalArgumentException.class, () -> new MessageBudget<String>(11, 10, c -> 0));
    assertThrows(IllegalArgumentException.class, () -> new MessageBudget<String>(0, 10, c -> 0));
    assertThrows(IllegalArgumentException.class, () -> new MessageBudget<String>(1, 0, c -> 0));
    assertTrue(MessageBudget.DEFAULT_MAX_CHANGE_BYTES <= MessageBudget.MAX_MESSAGE_BYTES);
    assertTrue(
        MessageBudget.MAX_MESSAGE_BYTES <= (256 << 10) - (32 << 10),
        "room for the envelope in Artery's 256 KiB frame");
  }

  /**
   * A member that reports it holds nothing (GAP at 0) gets its catch-up in batches of at most 10
   * bytes, although three entries would fit by count; each batch follows the previous one's
   * acknowledgement.
   */
  @Test
  void catchUpBatchesAreBoundedByBytes() {
    LeaderConfig config = new LeaderConfig(10_000, 500, 2, 3, 1);
    LeaderStateMachine<String> leader =
        new LeaderStateMachine<>(0, 2, Set.of(0, 1), RULE, config, TEN);
    leader.start(1_000);
    leader.step(granted(0));
    leader.step(granted(1));
    assertEquals(LeaderRole.SERVING, leader.role());
    for (String command : List.of("aaaa", "bbbb", "cccc", "dd", "eeeeee")) {
      leader.step(new LeaderInput.ClientWrite<>(leader.lastIndex() + 1, command));
      leader.step(new AppendAck<>(0, 2, leader.lastIndex()));
    }
    List<List<String>> batches = new ArrayList<>();
    Output<String> out =
        leader.step(
            new LeaderInput.AppendRejected<>(1, 2, LeaderInput.AppendRejected.Reason.GAP, 2, 0, 0));
    for (int round = 0; round < 10 && leader.commitIndex() < 5; round++) {
      long held = -1;
      for (Send<String> send : out.send()) {
        if (send.to() == 1
            && send.message() instanceof Append<String> append
            && !append.entries().isEmpty()) {
          batches.add(append.entries().stream().map(Entry::command).toList());
          held = append.entries().get(append.entries().size() - 1).index();
        }
      }
      assertTrue(held > 0, "a batch after round " + round + ": " + out);
      out = leader.step(new AppendAck<>(1, 2, held));
    }
    assertEquals(
        List.of(List.of("aaaa", "bbbb"), List.of("cccc", "dd"), List.of("eeeeee")), batches);
    assertEquals(5, leader.commitIndex());
  }

  private static PromiseGranted<String> granted(int from) {
    return new PromiseGranted<>(from, 2, 0, 0, Set.of(0, 1), false, Set.of(), Map.of());
  }
}
