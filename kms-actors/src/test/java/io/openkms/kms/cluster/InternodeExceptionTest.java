package io.openkms.kms.cluster;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/**
 * Which failures of an internode call are worth retrying until the join's bound: a timeout (a
 * loaded peer may answer later), not a refused connection or a refusal.
 */
class InternodeExceptionTest {

  private static InternodeException unreachable(String reason) {
    return new InternodeException(InternodeException.Kind.UNREACHABLE, 0, reason);
  }

  @Test
  void timeoutsAreTimedOut() {
    assertTrue(unreachable("timed out after 5000 ms").timedOut());
    assertTrue(unreachable("connection timed out").timedOut());
  }

  @Test
  void refusalsAreNot() {
    assertFalse(unreachable("connection refused").timedOut());
    assertFalse(unreachable("TLS handshake failed: bad record").timedOut());
    assertFalse(
        new InternodeException(InternodeException.Kind.FAILED, 500, "timed out after 5000 ms")
            .timedOut());
  }
}
