package io.openkms.kms.cluster;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.openkms.persistence.HsmKey;
import io.openkms.persistence.SoftHsm;
import java.util.Arrays;
import org.junit.jupiter.api.Test;

/** The proof that a node holds the cluster's HSM key (issue 5, point 4). */
class InternodeProofTest {

  private static final byte[] NONCE = {1, 2, 3, 4, 5, 6, 7, 8};

  @Test
  void pinnedVector() {
    byte[] key = new byte[32];
    Arrays.fill(key, (byte) 0x42);
    // HMAC-SHA256(0x42 * 32, 01..08 || "h:7373"), base64url without padding (Python hmac)
    assertEquals(
        "0As591vavh1875mvPnchX8i4J1IF_ZxeZcielGj1ZRY",
        new InternodeProof(key).prove(NONCE, "h:7373"));
  }

  @Test
  void sameHsmKeyProvesOtherHsmKeyDoesNot() {
    HsmKey hsm = HsmKey.generate();
    InternodeProof a = new InternodeProof(new SoftHsm(hsm).deriveSeed(InternodeProof.LABEL));
    InternodeProof b = new InternodeProof(new SoftHsm(hsm).deriveSeed(InternodeProof.LABEL));
    InternodeProof other =
        new InternodeProof(new SoftHsm(HsmKey.generate()).deriveSeed(InternodeProof.LABEL));
    String proof = a.prove(NONCE, "10.0.0.2:7373");
    assertTrue(b.verify(NONCE, "10.0.0.2:7373", proof));
    assertFalse(other.verify(NONCE, "10.0.0.2:7373", proof));
    assertFalse(b.verify(NONCE, "10.0.0.3:7373", proof), "bound to the host");
    assertFalse(b.verify(new byte[] {9}, "10.0.0.2:7373", proof), "bound to the nonce");
    assertFalse(b.verify(NONCE, "10.0.0.2:7373", null));
    assertEquals("InternodeProof", a.toString());
  }

  @Test
  void keyMustBe32Bytes() {
    IllegalArgumentException e =
        assertThrows(IllegalArgumentException.class, () -> new InternodeProof(new byte[31]));
    assertEquals("proof key must be 32 bytes, was 31", e.getMessage());
  }
}
