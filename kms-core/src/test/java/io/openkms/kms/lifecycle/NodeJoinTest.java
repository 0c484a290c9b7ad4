package io.openkms.kms.lifecycle;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.openkms.kms.lifecycle.NodeJoin.Phase;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** {@link NodeJoin}: the steps of adding a node and their timeouts, at each boundary. */
class NodeJoinTest {

  static final String HOST = "10.0.0.4:7373";
  static final long T0 = 5_000;
  static final LifecycleTimeouts T = LifecycleTimeouts.DEFAULTS;
  static final long JOIN_TIMEOUT_MILLIS = 30_000;
  static final long INSTALL_TIMEOUT_MILLIS = 30_000;
  static final Optional<String> JOIN_LATE =
      Optional.of("it did not join the cluster within 30000 ms");
  static final Optional<String> INSTALL_LATE =
      Optional.of("it did not take the cluster's state: no progress within 30000 ms");

  @Test
  void aNewNodeIsCheckedThenAwaitedThenInstalledWhenReachable() {
    NodeJoin join = NodeJoin.add(HOST, 3, T, T0);
    assertTrue(join.in(Phase.CHECKING));
    assertEquals(3, join.id());
    assertFalse(join.tracked(), "not told to join yet");
    assertFalse(join.install(true, T0), "not before it was checked");
    join.checked();
    assertTrue(join.in(Phase.WAITING_UP));
    assertTrue(join.tracked());
    assertFalse(join.install(false, T0 + 1), "not while unreachable");
    assertTrue(join.install(true, T0 + 2));
    assertTrue(join.in(Phase.INSTALLING));
    assertTrue(join.tracked());
    assertFalse(join.install(true, T0 + 3), "one install");
  }

  @Test
  void theFirstStepsAreBoundedFromTheRequest() {
    NodeJoin join = NodeJoin.add(HOST, 3, T, T0);
    join.checked();
    assertEquals(Optional.empty(), join.timedOut(T0 + JOIN_TIMEOUT_MILLIS - 1));
    assertEquals(JOIN_LATE, join.timedOut(T0 + JOIN_TIMEOUT_MILLIS));
  }

  @Test
  void theInstallIsBoundedFromItsStart() {
    NodeJoin join = NodeJoin.add(HOST, 3, T, T0);
    join.checked();
    long start = T0 + JOIN_TIMEOUT_MILLIS - 1;
    assertTrue(join.install(true, start));
    assertEquals(Optional.empty(), join.timedOut(T0 + JOIN_TIMEOUT_MILLIS), "a new deadline");
    assertEquals(Optional.empty(), join.timedOut(start + INSTALL_TIMEOUT_MILLIS - 1));
    assertEquals(INSTALL_LATE, join.timedOut(start + INSTALL_TIMEOUT_MILLIS));
  }

  /** The bounds come from the join's {@link LifecycleTimeouts} and its message names them. */
  @Test
  void theTimeoutsGivenAreTheOnesUsed() {
    NodeJoin join = NodeJoin.add(HOST, 3, T.withJoin(700, 900), T0);
    join.checked();
    assertEquals(Optional.empty(), join.timedOut(T0 + 699));
    assertEquals(Optional.of("it did not join the cluster within 700 ms"), join.timedOut(T0 + 700));
    assertTrue(join.install(true, T0 + 100));
    assertEquals(Optional.empty(), join.timedOut(T0 + 999));
    assertEquals(
        Optional.of("it did not take the cluster's state: no progress within 900 ms"),
        join.timedOut(T0 + 1_000));
  }

  /**
   * A state that keeps moving is installed whatever its size: each part taken restarts the bound,
   * the last part doubles it (the node decodes and journals the state); a stalled transfer ends.
   */
  @Test
  void progressRestartsTheInstallBound() {
    NodeJoin join = NodeJoin.add(HOST, 3, T.withJoin(700, 900), T0);
    join.progress(false, T0 + 50); // not installing yet: ignored
    join.checked();
    assertTrue(join.install(true, T0 + 100));
    for (long t = T0 + 100; t <= T0 + 5_000; t += 800) {
      join.progress(false, t);
      assertEquals(Optional.empty(), join.timedOut(t + 899));
    }
    join.progress(true, T0 + 5_000);
    assertEquals(Optional.empty(), join.timedOut(T0 + 6_799));
    assertEquals(
        Optional.of("it did not take the cluster's state: no progress within 900 ms"),
        join.timedOut(T0 + 6_800));
    join.progress(false, T0 + 5_100); // a late report never shortens the bound
    assertEquals(Optional.empty(), join.timedOut(T0 + 6_799));
  }

  @Test
  void aReadmissionRemovesTheOldEntryFirstThenTakesANewId() {
    NodeJoin join = NodeJoin.replace(HOST, T, T0);
    assertTrue(join.in(Phase.REMOVING_OLD));
    assertEquals(-1, join.id());
    assertFalse(join.tracked());
    join.oldEntryRemoved(5);
    assertTrue(join.in(Phase.CHECKING));
    assertEquals(5, join.id());
    assertEquals(
        JOIN_LATE,
        join.timedOut(T0 + JOIN_TIMEOUT_MILLIS),
        "the removal counts against the join's bound");
  }

  @Test
  void aLeaderInstallsNoStateWithAnEntryOfANewerTerm() {
    assertTrue(NodeJoin.installable(3, 3));
    assertTrue(NodeJoin.installable(2, 3));
    assertFalse(NodeJoin.installable(4, 3), "a newer leader wrote to this node: this one is stale");
  }

  @Test
  void anOutcomeOfAnotherStepIsRefused() {
    NodeJoin join = NodeJoin.add(HOST, 3, T, T0);
    assertThrows(IllegalStateException.class, () -> join.oldEntryRemoved(4));
    join.checked();
    assertThrows(IllegalStateException.class, join::checked);
  }
}
