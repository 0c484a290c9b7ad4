package io.openkms.kms.cluster;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;

import io.openkms.kms.crypto.Identity;
import io.openkms.kms.domain.Change;
import io.openkms.kms.domain.KmsState;
import java.time.Instant;
import org.junit.jupiter.api.Test;

/** The state digest behind docs/ARCHITECTURE.md §3 invariant 1 checks. */
class StateDigestTest {

  private static final Instant T0 = Instant.parse("2026-01-01T00:00:00Z");

  @Test
  void equalStatesEqualDigestsAnyChangeAnotherDigest() {
    KmsState a =
        KmsState.empty()
            .apply(new Change.InitCluster("c", "h:1"))
            .apply(new Change.CreateEnclave("b", T0, Identity.ZERO))
            .apply(new Change.CreateEnclave("a", T0, Identity.ZERO));
    KmsState b =
        KmsState.empty()
            .apply(new Change.InitCluster("c", "h:1"))
            .apply(new Change.CreateEnclave("a", T0, Identity.ZERO))
            .apply(new Change.CreateEnclave("b", T0, Identity.ZERO));
    assertEquals(64, StateDigest.of(a).length());
    assertEquals(StateDigest.of(a), StateDigest.of(b), "maps are sorted: order of creation");
    assertNotEquals(StateDigest.of(a), StateDigest.of(a.apply(new Change.AddNode("h:2"))));
    assertNotEquals(StateDigest.of(a), StateDigest.of(KmsState.empty()));
  }
}
