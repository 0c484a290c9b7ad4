package io.openkms.kms.cluster;

import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.util.Base64;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * Proof that a node holds the cluster's HSM key: HMAC-SHA256 (JDK) under a 32-byte key derived from
 * the HSM key with the label {@value #LABEL} (HKDF-SHA256, like every derived key,
 * docs/ARCHITECTURE.md §2), over {@code nonce ‖ UTF-8(host)}; base64url without padding on the
 * wire.
 */
public final class InternodeProof {

  /** The HKDF label of the proof key. Never change it: nodes of one cluster must agree. */
  public static final String LABEL = "minkms/v1/internode-proof";

  private final byte[] key;

  /**
   * @param key the 32-byte proof key ({@code hsm.deriveSeed(LABEL)})
   * @throws IllegalArgumentException if the key is not 32 bytes
   */
  public InternodeProof(byte[] key) {
    if (key.length != 32) {
      throw new IllegalArgumentException("proof key must be 32 bytes, was " + key.length);
    }
    this.key = key.clone();
  }

  /** The proof of {@code nonce} for the node {@code host}. */
  public String prove(byte[] nonce, String host) {
    try {
      Mac mac = Mac.getInstance("HmacSHA256");
      mac.init(new SecretKeySpec(key, "HmacSHA256"));
      mac.update(nonce);
      mac.update(host.getBytes(StandardCharsets.UTF_8));
      return Base64.getUrlEncoder().withoutPadding().encodeToString(mac.doFinal());
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("HmacSHA256 unavailable", e);
    }
  }

  /** True if {@code proof} is the proof of {@code nonce} for {@code host} (constant time). */
  public boolean verify(byte[] nonce, String host, String proof) {
    if (proof == null) {
      return false;
    }
    return MessageDigest.isEqual(
        prove(nonce, host).getBytes(StandardCharsets.US_ASCII),
        proof.getBytes(StandardCharsets.US_ASCII));
  }

  @Override
  public String toString() {
    return "InternodeProof"; // never the key
  }
}
