package io.openkms.cli.node;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.openkms.persistence.HsmKey;
import java.util.Base64;
import java.util.Map;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * {@code minkms --soft-hsm} with standard output piped (not a terminal): exactly the key, one line,
 * as {@code export MINIO_KMS_HSM_KEY=$(minkms --soft-hsm)} needs (docs/REFERENCE.md §2.3,
 * docs/REFERENCE.md §14 step 1).
 */
@Tag("process")
class SoftHsmProcessTest {

  @Test
  void printsOneFreshKeyLineWhenPiped() throws Exception {
    MinkmsProcess.Result first =
        MinkmsProcess.run(MinkmsProcess.SHORT_TIMEOUT, Map.of(), "--soft-hsm");
    MinkmsProcess.Result second =
        MinkmsProcess.run(MinkmsProcess.SHORT_TIMEOUT, Map.of(), "--soft-hsm");
    for (MinkmsProcess.Result r : new MinkmsProcess.Result[] {first, second}) {
      assertEquals(0, r.exitCode(), r.stderr());
      assertEquals("", r.stderr());
      assertTrue(r.stdout().matches("hsm:aes256:[A-Za-z0-9+/]{43}=\n"), r.stdout());
      String key = r.stdout().strip();
      assertEquals(32, Base64.getDecoder().decode(key.substring("hsm:aes256:".length())).length);
      assertEquals(key, HsmKey.parse(key).toString());
    }
    assertNotEquals(first.stdout(), second.stdout());
  }
}
