package io.openkms.kms.crypto;

import org.bouncycastle.crypto.engines.ChaChaEngine;
import org.bouncycastle.util.Pack;

/**
 * HChaCha20 (draft-irtf-cfrg-xchacha-03 §2.2): a 32-byte subkey from a 32-byte key and a 16-byte
 * nonce, as Go's {@code chacha20.HChaCha20}, used by KES/MinIO for ChaCha20 key versions.
 *
 * <p>The rounds are Bouncy Castle's {@link ChaChaEngine#chachaCore}; it ends with the ChaCha20
 * block function's feed-forward (adding the input state), which HChaCha20 omits, so that addition
 * is undone for the output words 0..3 and 12..15.
 */
final class HChaCha20 {
  static final int KEY_BYTES = 32;
  static final int NONCE_BYTES = 16;

  // "expand 32-byte k" as four little-endian words (RFC 8439 §2.3).
  private static final int[] SIGMA = {0x61707865, 0x3320646e, 0x79622d32, 0x6b206574};

  private HChaCha20() {}

  /**
   * Derives the subkey.
   *
   * @param key 32 bytes
   * @param nonce array holding the 16-byte nonce at {@code nonceOffset}
   * @return 32 bytes
   */
  static byte[] subkey(byte[] key, byte[] nonce, int nonceOffset) {
    byte[] subkey = new byte[KEY_BYTES];
    subkey(key, nonce, nonceOffset, subkey, new int[STATE_INTS], new int[STATE_INTS]);
    return subkey;
  }

  /** Length of each scratch array of {@link #subkey(byte[], byte[], int, byte[], int[], int[])}. */
  static final int STATE_INTS = 16;

  /**
   * Derives the subkey into {@code out} without allocating (trial decryption, {@link KesOpen}).
   *
   * @param key 32 bytes
   * @param nonce array holding the 16-byte nonce at {@code nonceOffset}
   * @param out receives the 32-byte subkey at offset 0
   * @param state scratch of {@link #STATE_INTS} ints, zeroed before return
   * @param x scratch of {@link #STATE_INTS} ints, zeroed before return
   */
  static void subkey(byte[] key, byte[] nonce, int nonceOffset, byte[] out, int[] state, int[] x) {
    if (key.length != KEY_BYTES || nonce.length - nonceOffset < NONCE_BYTES || nonceOffset < 0) {
      throw new IllegalArgumentException("HChaCha20 needs a 32-byte key and a 16-byte nonce");
    }
    if (out.length < KEY_BYTES) {
      throw new IllegalArgumentException("HChaCha20 needs 32 output bytes");
    }
    System.arraycopy(SIGMA, 0, state, 0, 4);
    Pack.littleEndianToInt(key, 0, state, 4, 8);
    Pack.littleEndianToInt(nonce, nonceOffset, state, 12, 4);
    ChaChaEngine.chachaCore(20, state, x);
    for (int i = 0; i < 4; i++) {
      Pack.intToLittleEndian(x[i] - state[i], out, 4 * i);
      Pack.intToLittleEndian(x[12 + i] - state[12 + i], out, 16 + 4 * i);
    }
    java.util.Arrays.fill(state, 0);
    java.util.Arrays.fill(x, 0);
  }
}
