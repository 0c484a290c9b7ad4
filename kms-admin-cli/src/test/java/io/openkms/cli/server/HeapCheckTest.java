package io.openkms.cli.server;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.openkms.kms.crypto.Identity;
import io.openkms.kms.domain.Change;
import io.openkms.kms.domain.KmsState;
import io.openkms.kms.domain.Policy;
import io.openkms.kms.domain.StateSize;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** {@link HeapCheck}: a node whose recovered state is too large for its heap says so at start. */
class HeapCheckTest {

  @Test
  void aStateAboveAQuarterOfTheHeapNamesTheFlagToRaise() {
    List<String> patterns = new ArrayList<>();
    for (int i = 0; i < 1000; i++) {
      patterns.add(String.format("%080d", i));
    }
    KmsState s =
        KmsState.empty().apply(new Change.CreateEnclave("e", Instant.EPOCH, Identity.ZERO));
    for (int i = 0; i < 10; i++) {
      s =
          s.apply(
              new Change.CreatePolicy(
                  "e",
                  Policy.of(
                      "p" + i,
                      Map.of("KEY:ENCRYPT", patterns),
                      null,
                      Instant.EPOCH,
                      Identity.ZERO)));
    }
    long bytes = StateSize.of(s); // about 2.4 MiB
    assertEquals(Optional.empty(), HeapCheck.warnIfStateTooLarge(s, 64L << 20));
    assertEquals(Optional.empty(), HeapCheck.warnIfStateTooLarge(s, Long.MAX_VALUE));
    assertEquals(
        Optional.of(
            "the state holds about "
                + ((bytes >> 20) + 1)
                + " MiB, more than a"
                + " quarter of the maximum heap of 8 MiB: raise the heap, e.g. MINKMS_JAVA_OPTS=\"-Xss512k"
                + " -XX:+UseSerialGC -Xmx16m\" (the launcher's default is -Xmx256m; see limits: state_size"
                + " in the README)"),
        HeapCheck.warnIfStateTooLarge(s, 8L << 20));
  }
}
