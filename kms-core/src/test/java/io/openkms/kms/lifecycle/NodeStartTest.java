package io.openkms.kms.lifecycle;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.openkms.kms.lifecycle.NodeStart.Decision;
import io.openkms.kms.replication.HardState;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** {@link NodeStart}: each rule by which a node starts on its recovered store, or refuses to. */
class NodeStartTest {

  private static final int SELF = 2;
  private static final HardState MEMBER = new HardState(3, 0, false, Set.of());

  @Test
  void aFreshStoreStartsAndBootstraps() {
    assertEquals(Decision.MEMBER, NodeStart.decide(false, false, HardState.INITIAL, SELF));
  }

  @Test
  void aListedMemberStartsAndServes() {
    assertEquals(Decision.MEMBER, NodeStart.decide(true, true, MEMBER, SELF));
  }

  @Test
  void aNodeWhoseHostIsNotAMemberRefuses() {
    assertEquals(Decision.REFUSE, NodeStart.decide(true, false, MEMBER, SELF));
  }

  /**
   * Issue 12: it applied its own removal (entry 7) and crashed before learning it committed; it is
   * no longer listed (it applied the removal) but starts as a non-serving replica.
   */
  @Test
  void aNodeWhoseOwnRemovalIsInDoubtStartsAsANonServingReplica() {
    HardState inDoubt = new HardState(3, 0, true, Set.of(), Map.of(SELF, 7L));
    assertTrue(inDoubt.removalInDoubt(SELF));
    assertFalse(inDoubt.mayLeave(SELF));
    assertEquals(Decision.IN_DOUBT, NodeStart.decide(true, false, inDoubt, SELF));
  }

  /** Another member's removal still to confirm does not make this node's own removal in doubt. */
  @Test
  void anotherMembersUnconfirmedRemovalIsNotThisNodesDoubt() {
    HardState removedOthersPending = new HardState(3, 0, true, Set.of(), Map.of(1, 5L));
    assertFalse(removedOthersPending.removalInDoubt(SELF));
    assertEquals(Decision.REFUSE, NodeStart.decide(true, false, removedOthersPending, SELF));
    HardState memberOthersPending = new HardState(3, 0, false, Set.of(), Map.of(1, 5L));
    assertFalse(memberOthersPending.removalInDoubt(SELF));
    assertEquals(Decision.MEMBER, NodeStart.decide(true, true, memberOthersPending, SELF));
  }

  /**
   * A removal known committed, or made out of band ({@code edit --rm}, which keeps no own entry to
   * confirm), is final: the node refuses to start, as before issue 12.
   */
  @Test
  void aNodeWhoseRemovalIsFinalRefuses() {
    HardState committed = new HardState(3, 0, true, Set.of());
    assertTrue(committed.mayLeave(SELF));
    assertFalse(committed.removalInDoubt(SELF));
    assertEquals(Decision.REFUSE, NodeStart.decide(true, false, committed, SELF));
    HardState evicted = new HardState(3, 0, true, Set.of(SELF));
    assertEquals(Decision.REFUSE, NodeStart.decide(true, false, evicted, SELF));
  }
}
