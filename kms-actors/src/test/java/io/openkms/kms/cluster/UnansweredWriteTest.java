package io.openkms.kms.cluster;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.openkms.kms.lifecycle.CommitWatch;
import java.time.Duration;
import java.util.Map;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;

/**
 * A write forwarded to the leader whose answer timed out is in doubt (operator trial on 3 nodes at
 * load 9-27: {@code no leader answered within 11000 ms} for a write that committed, and a client
 * retry got 409).
 */
class UnansweredWriteTest {
  private static final Map<Integer, String> HOSTS = Map.of(1, "10.0.0.2:7373", 2, "10.0.0.3:7373");

  @Test
  void aForwardedWriteWithoutAnswerIsInDoubt() {
    var e =
        ClusterNode.unanswered(
            new TreeSet<>(), HOSTS, Duration.ofMillis(11_000), Duration.ofSeconds(10));
    assertEquals(503, e.status());
    assertEquals(
        "cannot commit write: no leader answered within 11000 ms (the write is in doubt: it"
            + " commits if the leader took it)",
        e.message());
    assertEquals(true, CommitWatch.isInDoubt(e.message()));
    assertEquals(true, CommitWatch.isCommitFailure(e.status(), e.message()));
  }

  @Test
  void withAnUnreachableMemberItNamesIt() {
    var e =
        ClusterNode.unanswered(
            new TreeSet<>(java.util.Set.of(2)),
            HOSTS,
            Duration.ofMillis(11_000),
            Duration.ofSeconds(10));
    assertEquals(
        "cannot commit write: node 2 (10.0.0.3:7373) did not acknowledge within 10000 ms (the"
            + " write is in doubt: it commits if they acknowledge it later); writes need every"
            + " member: start it again or remove it with 'minkms rm HOST'",
        e.message());
  }
}
