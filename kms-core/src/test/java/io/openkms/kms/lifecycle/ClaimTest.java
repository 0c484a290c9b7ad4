package io.openkms.kms.lifecycle;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class ClaimTest {

  private static final String HOST = "127.0.0.3:7373";

  @Test
  void aClaimByTheOwnClusterOrNoClaimChangesNothing() {
    for (String claimant : new String[] {"own", "", null}) {
      Claim.Step step = Claim.NONE.claimed(1_000, claimant, "own", false, 7, HOST);
      assertSame(Claim.NONE, step.next());
      assertFalse(step.renewJoining());
      assertFalse(step.entered());
      assertFalse(step.next().notAdmitted(1_000));
      assertEquals("", step.next().problem(1_000));
    }
  }

  @Test
  void aFreshNodeClaimedByAnotherClusterIsJoining() {
    Claim.Step step = Claim.NONE.claimed(1_000, "theirs", "own", true, 1, HOST);
    assertTrue(step.renewJoining());
    assertFalse(step.entered());
    assertFalse(step.next().notAdmitted(1_000), "a fresh node answers 'joining' instead");
  }

  @Test
  void aNodeWithWritesOfItsOwnIsNotAdmittedForTheWindow() {
    Claim.Step step = Claim.NONE.claimed(1_000, "theirs", "own", false, 2, HOST);
    assertFalse(step.renewJoining());
    assertTrue(step.entered(), "log once");
    Claim c = step.next();
    assertTrue(c.notAdmitted(1_000));
    assertTrue(c.notAdmitted(1_000 + Claim.WINDOW_MILLIS - 1));
    assertFalse(c.notAdmitted(1_000 + Claim.WINDOW_MILLIS), "the window ends without claims");
    assertEquals(
        "this node was reset and holds 2 log entries of its own: the cluster of this HSM key"
            + " (cluster theirs) claims 127.0.0.3:7373 but does not admit it again; stop it,"
            + " delete its store (DIR/kms.db) and start it again (its 2 entries are lost)",
        c.message());
    assertEquals(c.message(), c.problem(2_000));
    assertEquals("", c.problem(1_000 + Claim.WINDOW_MILLIS));
  }

  @Test
  void everyClaimRenewsTheWindowAndOnlyTheFirstIsLogged() {
    Claim c = Claim.NONE.claimed(1_000, "theirs", "own", false, 2, HOST).next();
    Claim.Step again = c.claimed(4_000, "theirs", "own", false, 3, HOST);
    assertFalse(again.entered(), "not logged on every probe");
    assertTrue(again.next().notAdmitted(4_000 + Claim.WINDOW_MILLIS - 1));
    assertTrue(again.next().message().contains("holds 3 log entries"));
    // after the window lapsed, a new claim is logged again
    Claim.Step later =
        again.next().claimed(4_000 + Claim.WINDOW_MILLIS + 5, "theirs", "own", false, 3, HOST);
    assertTrue(later.entered());
  }

  @Test
  void aRemovedNodeIsNotAdmittedEitherAndAnOwnClaimKeepsTheWindow() {
    // removed: not fresh, whatever it holds
    Claim c = Claim.NONE.claimed(0, "theirs", "own", false, 1, HOST).next();
    assertTrue(c.notAdmitted(10));
    Claim.Step own = c.claimed(20, "own", "own", false, 1, HOST);
    assertSame(c, own.next());
  }
}
