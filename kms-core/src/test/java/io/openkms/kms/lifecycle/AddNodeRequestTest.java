package io.openkms.kms.lifecycle;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;

import io.openkms.kms.domain.ApiError;
import io.openkms.kms.domain.KmsException;
import io.openkms.kms.lifecycle.AddNodeRequest.Attach;
import io.openkms.kms.lifecycle.AddNodeRequest.Probe;
import io.openkms.kms.lifecycle.AddNodeRequest.Refuse;
import io.openkms.kms.lifecycle.AddNodeRequest.Start;
import io.openkms.kms.lifecycle.AddNodeRequest.Verdict;
import java.util.Map;
import java.util.OptionalInt;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** {@link AddNodeRequest}: the leader's answer to {@code minkms add HOST}, rule by rule. */
class AddNodeRequestTest {

  static final String C = "c:7373";
  static final Map<Integer, String> HOSTS = Map.of(0, "a:7373", 1, "b:7373", 2, C);
  static final OptionalInt NONE = OptionalInt.empty();

  static KmsException refused(Verdict v) {
    return assertInstanceOf(Refuse.class, v).error();
  }

  @Test
  void aFreshHostIsAddedWhenEveryMemberIsReachable() {
    assertInstanceOf(
        Start.class, AddNodeRequest.decide(C, false, null, NONE, Set.of(), HOSTS, true));
  }

  @Test
  void aRemovedNodeAddsNobody() {
    assertEquals(
        ApiError.NOT_PART_OF_CLUSTER.exception().message(),
        refused(AddNodeRequest.decide(C, true, null, NONE, Set.of(), HOSTS, true)).message());
  }

  @Test
  void anAddOfTheHostBeingAddedWaitsForThatJoinEvenWhenNotServing() {
    assertInstanceOf(
        Attach.class, AddNodeRequest.decide(C, false, C, NONE, Set.of(1), HOSTS, false));
  }

  @Test
  void anUnreachableOtherMemberRefusesWith503NamingIt() {
    KmsException e = refused(AddNodeRequest.decide(C, false, null, NONE, Set.of(1), HOSTS, true));
    assertEquals(503, e.status());
    assertEquals(ApiError.unreachable(Set.of(1), HOSTS).message(), e.message());
  }

  @Test
  void aLeaderThatDoesNotServeRefusesAsGone() {
    assertEquals(
        ApiError.LEADER_GONE.exception().message(),
        refused(AddNodeRequest.decide(C, false, null, NONE, Set.of(), HOSTS, false)).message());
  }

  @Test
  void aSecondJoinIsRefusedAsInProgress() {
    assertEquals(
        ApiError.JOIN_IN_PROGRESS.exception().message(),
        refused(AddNodeRequest.decide(C, false, "d:7373", NONE, Set.of(), HOSTS, true)).message());
  }

  @Test
  void aReachableMemberIsRefusedAsExisting() {
    KmsException e =
        refused(AddNodeRequest.decide(C, false, null, OptionalInt.of(2), Set.of(), HOSTS, true));
    assertEquals(ApiError.nodeExists(C).message(), e.message());
    assertEquals(ApiError.nodeExists(C).status(), e.status());
  }

  @Test
  void anUnreachableMemberDoesNotBlockItsOwnAddButIsProbed() {
    assertInstanceOf(
        Probe.class,
        AddNodeRequest.decide(C, false, null, OptionalInt.of(2), Set.of(2), HOSTS, true));
    // with another member down as well, the other one blocks
    KmsException e =
        refused(
            AddNodeRequest.decide(C, false, null, OptionalInt.of(2), Set.of(1, 2), HOSTS, true));
    assertEquals(ApiError.unreachable(Set.of(1), HOSTS).message(), e.message());
  }
}
