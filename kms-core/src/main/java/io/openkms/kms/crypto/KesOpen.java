package io.openkms.kms.crypto;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteOrder;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.util.Arrays;
import javax.crypto.Cipher;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import org.bouncycastle.crypto.engines.ChaCha7539Engine;
import org.bouncycastle.crypto.macs.Poly1305;
import org.bouncycastle.crypto.modes.gcm.GCMUtil;
import org.bouncycastle.crypto.params.KeyParameter;
import org.bouncycastle.crypto.params.ParametersWithIV;

/**
 * The open of {@link KesAead}'s layout for trial decryption (issue 13, "CPU amplification"): a
 * version that does not match costs no exception and allocates a few hundred bytes instead of about
 * 4 KB, because a Decrypt with version 0 tries up to {@code decrypt_trials} versions and the bytes
 * each failed trial allocates are what couples such requests to every other request (young
 * collections, docs/PERFORMANCE.md).
 *
 * <ul>
 *   <li>{@link KeyType#AES256}: AES-256-GCM open (NIST SP 800-38D §7.2, 96-bit nonce) composed of
 *       the JDK's AES block function ({@code AES/ECB/NoPadding}, the CPU's AES instructions,
 *       constant time) for H = E(0¹²⁸), E(J0) and the counter blocks from inc32(J0), and GHASH with
 *       Bouncy Castle's constant-time {@link GCMUtil#multiply(long[], long[])}. The keystream is
 *       made only once the tag matched. Sealed parts above {@link #AES_MAX_SEALED_BYTES} go to the
 *       JDK's {@code AES/GCM/NoPadding} instead (its GHASH is a CPU intrinsic).
 *   <li>{@link KeyType#CHACHA20}: ChaCha20-Poly1305 open (RFC 8439 §2.8) with Bouncy Castle's
 *       {@link ChaCha7539Engine} and {@link Poly1305}: the one-time Poly1305 key is keystream block
 *       0, the plaintext is decrypted from block 1 once the tag matched. (The JDK's
 *       ChaCha20-Poly1305 needs a new Cipher per call, see {@link KesAead}.)
 * </ul>
 *
 * <p>The expected tag is compared with {@link MessageDigest#isEqual} (constant time). A failure of
 * any kind (tag, length) returns {@code null}: no exception is made.
 *
 * <p>Where key material lives: nothing is cached per key or version: the AES or ChaCha20 key is the
 * per-ciphertext sealing key HMAC-SHA256(versionKey, iv) or HChaCha20(versionKey, iv), so no
 * schedule could be reused across ciphertexts. Each thread keeps one {@link Scratch}; its byte
 * buffers holding the sealing key, the Poly1305 key, keystream and GHASH state are zeroed before
 * {@link #open} returns, and its HMAC is keyed with zeros after each use ({@link
 * KesAead#forgetKey}), so no version key stays in it. The JDK's AES object keeps the round keys of
 * the last sealing key used on that thread and the ChaCha20 engine and Poly1305 the state of the
 * last ciphertext's keys, until the thread's next open replaces them, as the JDK's per-thread GCM
 * Cipher did before; those keys open only that one ciphertext, never another of the version.
 */
final class KesOpen {
  /**
   * Largest sealed part (ciphertext ‖ tag) opened here under AES256, bytes: 512 (a data key's is
   * 48). This GHASH costs about 70 ns per 16-byte block against about 5 for the JDK's intrinsic, so
   * larger ones go to the JDK's AES-GCM, which allocates about their size more per trial and throws
   * for a tag that does not match (docs/PERFORMANCE.md, "Trial decryption").
   */
  static final int AES_MAX_SEALED_BYTES = 512;

  private static final int BLOCK = 16;
  private static final int CHUNK = 256;
  private static final byte[] ZERO_BLOCK64 = new byte[64];
  private static final VarHandle BE_LONG =
      MethodHandles.byteArrayViewVarHandle(long[].class, ByteOrder.BIG_ENDIAN);
  private static final VarHandle BE_INT =
      MethodHandles.byteArrayViewVarHandle(int[].class, ByteOrder.BIG_ENDIAN);
  private static final VarHandle LE_LONG =
      MethodHandles.byteArrayViewVarHandle(long[].class, ByteOrder.LITTLE_ENDIAN);

  private static final ThreadLocal<Scratch> SCRATCH = ThreadLocal.withInitial(Scratch::new);

  private KesOpen() {}

  /**
   * Opens {@code ciphertext} (KES layout, at least 44 bytes, see {@link KesAead}) under version key
   * {@code key} with associated data {@code ad} (non-null).
   *
   * @return the plaintext, or {@code null} if it does not authenticate
   */
  static byte[] open(KeyType type, byte[] key, byte[] ciphertext, byte[] ad) {
    int sealedLength = ciphertext.length - KesAead.RANDOM_BYTES;
    Scratch s = SCRATCH.get();
    try {
      switch (type) {
        case AES256:
          return openAes(s, key, ciphertext, sealedLength, ad);
        case CHACHA20:
          return openChaCha(s, key, ciphertext, sealedLength, ad);
        default:
          throw new IllegalArgumentException("unknown key type " + type);
      }
    } finally {
      s.wipe();
    }
  }

  /** This thread's cached Mac of the AES256 open (tests: what key it holds afterwards). */
  static Mac threadMac() {
    return SCRATCH.get().hmac;
  }

  private static byte[] openAes(Scratch s, byte[] key, byte[] ct, int sealedLength, byte[] ad) {
    int ivOffset = sealedLength;
    int nonceOffset = sealedLength + KesAead.IV_BYTES;
    int textLength = sealedLength - KesAead.TAG_BYTES;
    byte[] sealingKey = s.sealingKey;
    try {
      Mac hmac = s.hmac;
      try {
        hmac.init(new SecretKeySpec(key, "HmacSHA256"));
        hmac.update(ct, ivOffset, KesAead.IV_BYTES);
        hmac.doFinal(sealingKey, 0);
      } finally {
        KesAead.forgetKey(hmac);
      }
      s.aes.init(Cipher.ENCRYPT_MODE, new SecretKeySpec(sealingKey, "AES"));
      // counters = 0^128 ‖ J0 (nonce ‖ 00000001) -> keystream = H ‖ E(J0)
      byte[] counters = s.counters;
      Arrays.fill(counters, 0, BLOCK, (byte) 0);
      counterBlock(counters, BLOCK, ct, nonceOffset, 1);
      s.aes.doFinal(counters, 0, 2 * BLOCK, s.keystream, 0);
      long[] h = s.h;
      h[0] = (long) BE_LONG.get(s.keystream, 0);
      h[1] = (long) BE_LONG.get(s.keystream, 8);
      long[] y = s.y;
      y[0] = 0;
      y[1] = 0;
      ghash(s, ad, 0, ad.length);
      ghash(s, ct, 0, textLength);
      y[0] ^= (long) ad.length << 3;
      y[1] ^= (long) textLength << 3;
      GCMUtil.multiply(y, h);
      byte[] expected = s.expected;
      BE_LONG.set(expected, 0, y[0] ^ (long) BE_LONG.get(s.keystream, BLOCK));
      BE_LONG.set(expected, 8, y[1] ^ (long) BE_LONG.get(s.keystream, BLOCK + 8));
      System.arraycopy(ct, textLength, s.tag, 0, KesAead.TAG_BYTES);
      if (!MessageDigest.isEqual(expected, s.tag)) {
        return null;
      }
      byte[] plaintext = new byte[textLength];
      int counter = 2;
      for (int off = 0; off < textLength; off += CHUNK) {
        int n = Math.min(CHUNK, textLength - off);
        int blocks = (n + BLOCK - 1) / BLOCK;
        for (int b = 0; b < blocks; b++) {
          counterBlock(counters, b * BLOCK, ct, nonceOffset, counter++);
        }
        s.aes.doFinal(counters, 0, blocks * BLOCK, s.keystream, 0);
        for (int i = 0; i < n; i++) {
          plaintext[off + i] = (byte) (ct[off + i] ^ s.keystream[i]);
        }
      }
      return plaintext;
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("AES-GCM open failed", e);
    }
  }

  /** nonce ‖ counter (big-endian 32 bits) at {@code out[off..off+16]}. */
  private static void counterBlock(byte[] out, int off, byte[] ct, int nonceOffset, int counter) {
    System.arraycopy(ct, nonceOffset, out, off, KesAead.NONCE_BYTES);
    BE_INT.set(out, off + KesAead.NONCE_BYTES, counter);
  }

  /** Absorbs {@code buf[off..off+len]} into GHASH state {@code s.y}, the last block zero-padded. */
  private static void ghash(Scratch s, byte[] buf, int off, int len) {
    long[] y = s.y;
    long[] h = s.h;
    int end = off + len;
    int full = off + (len & ~(BLOCK - 1));
    for (int i = off; i < full; i += BLOCK) {
      y[0] ^= (long) BE_LONG.get(buf, i);
      y[1] ^= (long) BE_LONG.get(buf, i + 8);
      GCMUtil.multiply(y, h);
    }
    if (full < end) {
      byte[] last = s.block;
      Arrays.fill(last, (byte) 0);
      System.arraycopy(buf, full, last, 0, end - full);
      y[0] ^= (long) BE_LONG.get(last, 0);
      y[1] ^= (long) BE_LONG.get(last, 8);
      GCMUtil.multiply(y, h);
    }
  }

  private static byte[] openChaCha(Scratch s, byte[] key, byte[] ct, int sealedLength, byte[] ad) {
    int ivOffset = sealedLength;
    int nonceOffset = sealedLength + KesAead.IV_BYTES;
    int textLength = sealedLength - KesAead.TAG_BYTES;
    HChaCha20.subkey(key, ct, ivOffset, s.chachaKey.getKey(), s.hState, s.hX);
    ChaCha7539Engine chacha = s.chacha;
    chacha.init(false, new ParametersWithIV(s.chachaKey, ct, nonceOffset, KesAead.NONCE_BYTES));
    chacha.processBytes(ZERO_BLOCK64, 0, 64, s.block64, 0);
    System.arraycopy(s.block64, 0, s.polyKey.getKey(), 0, 32);
    Poly1305 poly = s.poly;
    poly.init(s.polyKey);
    poly.update(ad, 0, ad.length);
    poly.update(ZERO_BLOCK64, 0, pad16(ad.length));
    poly.update(ct, 0, textLength);
    poly.update(ZERO_BLOCK64, 0, pad16(textLength));
    LE_LONG.set(s.block, 0, (long) ad.length);
    LE_LONG.set(s.block, 8, (long) textLength);
    poly.update(s.block, 0, BLOCK);
    poly.doFinal(s.expected, 0);
    System.arraycopy(ct, textLength, s.tag, 0, KesAead.TAG_BYTES);
    if (!MessageDigest.isEqual(s.expected, s.tag)) {
      return null;
    }
    byte[] plaintext = new byte[textLength];
    chacha.processBytes(ct, 0, textLength, plaintext, 0);
    return plaintext;
  }

  private static int pad16(int length) {
    return (BLOCK - (length & (BLOCK - 1))) & (BLOCK - 1);
  }

  /** One thread's objects and buffers; the buffers are zeroed after every open ({@link #wipe}). */
  private static final class Scratch {
    final Mac hmac = KesAead.newInstance(() -> Mac.getInstance("HmacSHA256"));
    final Cipher aes = KesAead.newInstance(() -> Cipher.getInstance("AES/ECB/NoPadding"));
    final byte[] sealingKey = new byte[32];
    final byte[] counters = new byte[CHUNK];
    final byte[] keystream = new byte[CHUNK];
    final long[] h = new long[2];
    final long[] y = new long[2];
    final byte[] block = new byte[BLOCK];
    final byte[] expected = new byte[BLOCK];
    final byte[] tag = new byte[BLOCK];
    final ChaCha7539Engine chacha = new ChaCha7539Engine();
    final Poly1305 poly = new Poly1305();
    final KeyParameter chachaKey = new KeyParameter(new byte[32]);
    final KeyParameter polyKey = new KeyParameter(new byte[32]);
    final int[] hState = new int[HChaCha20.STATE_INTS];
    final int[] hX = new int[HChaCha20.STATE_INTS];
    final byte[] block64 = new byte[64];

    void wipe() {
      Arrays.fill(sealingKey, (byte) 0);
      Arrays.fill(keystream, (byte) 0);
      h[0] = 0;
      h[1] = 0;
      y[0] = 0;
      y[1] = 0;
      Arrays.fill(block, (byte) 0);
      Arrays.fill(expected, (byte) 0);
      Arrays.fill(chachaKey.getKey(), (byte) 0);
      Arrays.fill(polyKey.getKey(), (byte) 0);
      Arrays.fill(hState, 0);
      Arrays.fill(hX, 0);
      Arrays.fill(block64, (byte) 0);
    }
  }
}
