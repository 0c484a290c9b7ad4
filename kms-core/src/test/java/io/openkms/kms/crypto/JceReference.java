package io.openkms.kms.crypto;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import javax.crypto.Cipher;
import javax.crypto.Mac;
import javax.crypto.spec.ChaCha20ParameterSpec;
import javax.crypto.spec.GCMParameterSpec;
import javax.crypto.spec.IvParameterSpec;
import javax.crypto.spec.SecretKeySpec;

/**
 * Straightforward, independent JCE computations of the published KES layout (docs/PROTOCOL.md §8),
 * HChaCha20 and HKDF, written directly from their specifications and sharing no code with the main
 * sources. Tests compare our implementation against these.
 */
final class JceReference {
  private JceReference() {}

  static byte[] hmacSha256(byte[] key, byte[]... parts) throws Exception {
    Mac mac = Mac.getInstance("HmacSHA256");
    mac.init(new SecretKeySpec(key, "HmacSHA256"));
    for (byte[] p : parts) {
      mac.update(p);
    }
    return mac.doFinal();
  }

  /** AES256: AES-256-GCM(key = HMAC-SHA256(masterKey, iv), nonce) ‖ iv ‖ nonce. */
  static byte[] kesAes256(byte[] masterKey, byte[] iv, byte[] nonce, byte[] plaintext, byte[] ad)
      throws Exception {
    byte[] sealingKey = hmacSha256(masterKey, iv);
    Cipher c = Cipher.getInstance("AES/GCM/NoPadding");
    c.init(
        Cipher.ENCRYPT_MODE,
        new SecretKeySpec(sealingKey, "AES"),
        new GCMParameterSpec(128, nonce));
    c.updateAAD(ad);
    return concat(c.doFinal(plaintext), iv, nonce);
  }

  /** ChaCha20: ChaCha20-Poly1305(key = HChaCha20(masterKey, iv), nonce) ‖ iv ‖ nonce. */
  static byte[] kesChaCha20(byte[] masterKey, byte[] iv, byte[] nonce, byte[] plaintext, byte[] ad)
      throws Exception {
    byte[] sealingKey = hchacha20(masterKey, iv);
    Cipher c = Cipher.getInstance("ChaCha20-Poly1305");
    c.init(
        Cipher.ENCRYPT_MODE, new SecretKeySpec(sealingKey, "ChaCha20"), new IvParameterSpec(nonce));
    c.updateAAD(ad);
    return concat(c.doFinal(plaintext), iv, nonce);
  }

  /**
   * HChaCha20 from the JDK's ChaCha20 (RFC 8439) block function: with counter = nonce word 0 and
   * the 12-byte nonce = nonce words 1..3, the first keystream block is rounds(state) + state;
   * HChaCha20 is rounds(state) words 0..3 and 12..15, so subtract the known state words.
   */
  static byte[] hchacha20(byte[] key, byte[] nonce16) throws Exception {
    ByteBuffer n = ByteBuffer.wrap(nonce16).order(ByteOrder.LITTLE_ENDIAN);
    int counter = n.getInt(0);
    byte[] nonce12 = java.util.Arrays.copyOfRange(nonce16, 4, 16);
    Cipher c = Cipher.getInstance("ChaCha20");
    c.init(
        Cipher.ENCRYPT_MODE,
        new SecretKeySpec(key, "ChaCha20"),
        new ChaCha20ParameterSpec(nonce12, counter));
    ByteBuffer ks = ByteBuffer.wrap(c.doFinal(new byte[64])).order(ByteOrder.LITTLE_ENDIAN);
    int[] sigma = {0x61707865, 0x3320646e, 0x79622d32, 0x6b206574};
    ByteBuffer out = ByteBuffer.allocate(32).order(ByteOrder.LITTLE_ENDIAN);
    for (int i = 0; i < 4; i++) {
      out.putInt(ks.getInt(4 * i) - sigma[i]);
    }
    for (int i = 0; i < 4; i++) {
      out.putInt(ks.getInt(4 * (12 + i)) - n.getInt(4 * i));
    }
    return out.array();
  }

  /** RFC 5869 HKDF-SHA256 with an empty salt, one output block (32 bytes). */
  static byte[] hkdfSha256(byte[] ikm, byte[] info) throws Exception {
    byte[] prk = hmacSha256(new byte[32], ikm);
    return hmacSha256(prk, info, new byte[] {1});
  }

  static byte[] concat(byte[]... parts) {
    int n = 0;
    for (byte[] p : parts) {
      n += p.length;
    }
    byte[] out = new byte[n];
    int off = 0;
    for (byte[] p : parts) {
      System.arraycopy(p, 0, out, off, p.length);
      off += p.length;
    }
    return out;
  }
}
