package io.openkms.kms.domain;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * The write failures of the catalogue ({@link ApiError}) name the nodes in the right number and the
 * remedy (issue 16, item 13).
 */
class ClusterErrorsTest {

  private static final Map<Integer, String> HOSTS = Map.of(1, "10.0.0.2:7373", 2, "10.0.0.3:7373");

  @Test
  void oneUnreachableNodeIsSingular() {
    var e = ApiError.unreachable(Set.of(1), HOSTS);
    assertEquals(503, e.status());
    assertEquals(
        "cannot commit write: node 1 (10.0.0.2:7373) is unreachable; writes need every"
            + " member: start it again or remove it with 'minkms rm HOST'",
        e.message());
  }

  @Test
  void severalUnreachableNodesArePlural() {
    assertEquals(
        "cannot commit write: nodes 1 (10.0.0.2:7373), 2 (10.0.0.3:7373) are unreachable;"
            + " writes need every member: start them again or remove them with 'minkms rm HOST'",
        ApiError.unreachable(Set.of(2, 1), HOSTS).message());
  }

  @Test
  void notAcknowledgedNamesTheTimeoutAndTheRemedy() {
    assertEquals(
        "cannot commit write: node 2 (10.0.0.3:7373) did not acknowledge within 10000 ms;"
            + " writes need every member: start it again or remove it with 'minkms rm HOST'",
        ApiError.notAcknowledged(Set.of(2), HOSTS, 10_000).message());
    assertEquals(
        "cannot commit write: node 2 (10.0.0.3:7373) did not acknowledge within 10000 ms (the"
            + " write is in doubt: it commits if they acknowledge it later); writes need every"
            + " member: start it again or remove it with 'minkms rm HOST'",
        ApiError.notAcknowledged(Set.of(2), HOSTS, 10_000, true).message());
  }

  /**
   * Operator trial: a write forwarded to the leader failed with "no leader answered within 11000
   * ms" and was committed. Sent and unanswered, it is in doubt as a not-acknowledged one is; sent
   * nowhere, it failed.
   */
  @Test
  void aWriteSentToALeaderThatDidNotAnswerIsInDoubt() {
    var e = ApiError.leaderInDoubt(11_000);
    assertEquals(503, e.status());
    assertEquals(
        "cannot commit write: no leader answered within 11000 ms (the write is in doubt: it"
            + " commits if the leader took it)",
        e.message());
    assertEquals(
        "cannot commit write: no leader is known on this node", ApiError.noLeaderKnown().message());
    assertEquals(
        "cannot commit write: no leader answered within 10000 ms",
        ApiError.noLeader(10_000).message());
  }
}
