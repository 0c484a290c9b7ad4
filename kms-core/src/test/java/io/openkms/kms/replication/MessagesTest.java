package io.openkms.kms.replication;

import static io.openkms.kms.replication.Expected.entry;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.openkms.kms.replication.LeaderInput.EntriesFetched;
import io.openkms.kms.replication.LeaderInput.MemberReachable;
import io.openkms.kms.replication.LeaderInput.MemberUnreachable;
import io.openkms.kms.replication.LeaderInput.PromiseGranted;
import io.openkms.kms.replication.ReplicaInput.Append;
import io.openkms.kms.replication.ReplicaInput.FetchEntries;
import io.openkms.kms.replication.ReplicaInput.Promise;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;

/** Every value type refuses inconsistent input with an exact message, and copies what it holds. */
class MessagesTest {

  static void refused(String message, Executable construction) {
    assertEquals(message, assertThrows(IllegalArgumentException.class, construction).getMessage());
  }

  @Test
  void entries() {
    refused("entry term must be >= 1, was 0", () -> entry(0, 1, "a"));
    refused("entry index must be >= 1, was 0", () -> entry(1, 0, "a"));
    assertEquals(
        "command", assertThrows(NullPointerException.class, () -> entry(1, 1, null)).getMessage());
  }

  @Test
  void appends() {
    refused("leaderId must be >= 0, was -1", () -> new Append<>(-1, 1, 0, 0, List.of(), 0));
    refused("term must be >= 1, was 0", () -> new Append<>(0, 0, 0, 0, List.of(), 0));
    refused("commitIndex must be >= 0, was -1", () -> new Append<>(0, 1, 0, 0, List.of(), -1));
    refused("inconsistent prevIndex 0 / prevTerm 1", () -> new Append<>(0, 1, 0, 1, List.of(), 0));
    refused("inconsistent prevIndex 2 / prevTerm 0", () -> new Append<>(0, 1, 2, 0, List.of(), 0));
    refused("prevTerm 3 above term 2", () -> new Append<>(0, 2, 2, 3, List.of(), 0));
    refused(
        "entries must be contiguous: expected index 3, got 4",
        () -> new Append<>(0, 2, 2, 1, List.of(entry(1, 4, "a")), 0));
    refused(
        "entry 3 has term 1 outside [2, 2]",
        () -> new Append<>(0, 2, 2, 2, List.of(entry(1, 3, "a")), 0));
    refused(
        "entry 3 has term 3 outside [1, 2]",
        () -> new Append<>(0, 2, 2, 1, List.of(entry(3, 3, "a")), 0));
    List<Entry<String>> source = new ArrayList<>(List.of(entry(1, 1, "a")));
    Append<String> append = new Append<>(0, 1, 0, 0, source, 0);
    source.clear();
    assertEquals(List.of(entry(1, 1, "a")), append.entries());
  }

  @Test
  void promisesAndFetches() {
    refused("candidateId must be >= 0, was -1", () -> new Promise<>(-1, 1));
    refused("term must be >= 1, was 0", () -> new Promise<>(0, 0));
    refused("leaderId must be >= 0, was -2", () -> new FetchEntries<>(-2, 1, 1, 1));
    refused("term must be >= 1, was 0", () -> new FetchEntries<>(0, 0, 1, 1));
    refused("bad range [0, 1]", () -> new FetchEntries<>(0, 1, 0, 1));
    refused("bad range [3, 2]", () -> new FetchEntries<>(0, 1, 3, 2));
    refused(
        "entries must be contiguous: expected index 2, got 3",
        () -> new EntriesFetched<>(0, 1, 2, List.of(entry(1, 3, "a"))));
    refused(
        "inconsistent lastIndex 2 / lastTerm 0",
        () -> new PromiseGranted<>(0, 1, 0, 2, Set.of(0), false, Set.of(), Map.of()));
    refused(
        "node id must be >= 0, was -1",
        () -> new PromiseGranted<>(0, 1, 0, 0, Set.of(-1), false, Set.of(), Map.of()));
    refused(
        "bad node id / index 1=0",
        () -> new PromiseGranted<>(0, 1, 0, 0, Set.of(0), false, Set.of(), Map.of(1, 0L)));
  }

  @Test
  void failureDetectorAndEdits() {
    refused("memberId must be >= 0, was -1", () -> new MemberUnreachable<>(-1));
    refused("memberId must be >= 0, was -1", () -> new MemberReachable<>(-1));
    refused("removedIds must not be empty", () -> new MembershipChanged<>(Set.of()));
    refused("node id must be >= 0, was -3", () -> new MembershipChanged<>(Set.of(-3)));
    assertEquals(List.of(1, 4), List.copyOf(new MembershipChanged<>(Set.of(4, 1)).removedIds()));
  }

  @Test
  void hardStates() {
    refused("promisedTerm must be >= 0, was -1", () -> new HardState(-1, 0, false, Set.of()));
    refused(
        "promisedTo must be a node id or -1, was -2", () -> new HardState(1, -2, false, Set.of()));
    refused("promisedTerm 0 and promisedTo 3 disagree", () -> new HardState(0, 3, false, Set.of()));
    refused(
        "promisedTerm 2 and promisedTo -1 disagree", () -> new HardState(2, -1, false, Set.of()));
    refused("bad node id / index 2=0", () -> new HardState(1, 0, false, Set.of(), Map.of(2, 0L)));
    assertEquals(new HardState(0, -1, false, Set.of(), Map.of()), HardState.INITIAL);
  }

  @Test
  void leaderConfigs() {
    refused("writeTimeoutMillis must be >= 1, was 0", () -> new LeaderConfig(0, 1, 0, 1, 1));
    refused("resendIntervalMillis must be >= 1, was 0", () -> new LeaderConfig(1, 0, 0, 1, 1));
    refused("maxQueuedWrites must be >= 0, was -1", () -> new LeaderConfig(1, 1, -1, 1, 1));
    refused("maxEntriesPerMessage must be >= 1, was 0", () -> new LeaderConfig(1, 1, 0, 0, 1));
    refused("maxAppendsInFlight must be >= 1, was 0", () -> new LeaderConfig(1, 1, 0, 1, 0));
    assertEquals(new LeaderConfig(10_000, 500, 1_000, 64, 2), LeaderConfig.defaults());
  }

  @Test
  void outputs() {
    refused(
        "unreachableMemberIds must not be empty", () -> new WriteOutcome.Unavailable(Set.of(), 0));
    refused(
        "assignedIndex must be >= 0, was -1", () -> new WriteOutcome.Unavailable(Set.of(1), -1));
    refused("assignedIndex must be >= 0, was -1", () -> new WriteOutcome.NoLeader(-1));
    refused("to must be >= 0, was -1", () -> new Send<>(-1, new Promise<String>(0, 1)));
    refused("bad range [2, 1]", () -> new SendEntries(0, 1, 2, 1));
    refused("entries must not be empty", () -> new Persist.AppendEntries<String>(List.of()));
    assertTrue(Output.empty().isEmpty());
    assertFalse(
        new Output<String>(
                List.of(),
                List.of(),
                List.of(),
                List.of(),
                List.of(new Reply(1, new WriteOutcome.NoLeader(0))),
                List.of())
            .isEmpty());
  }
}
