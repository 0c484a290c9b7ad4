package io.openkms.kms.crypto;

import java.security.GeneralSecurityException;
import java.util.Arrays;
import java.util.Objects;
import javax.crypto.AEADBadTagException;
import javax.crypto.Cipher;
import javax.crypto.Mac;
import javax.crypto.spec.GCMParameterSpec;
import javax.crypto.spec.IvParameterSpec;
import javax.crypto.spec.SecretKeySpec;

/**
 * The ciphertext layout of KES's {@code SecretKey} and MinIO's built-in KMS, which MinIO calls
 * "compatible with KES and MinKMS" (docs/PROTOCOL.md §8):
 *
 * <pre>
 *   AEAD.Seal(plaintext, AD) ‖ iv[16] ‖ nonce[12]      (the sealed part is ciphertext ‖ tag[16])
 * </pre>
 *
 * <ul>
 *   <li>{@link KeyType#AES256}: sealing key = HMAC-SHA256(versionKey, iv); AES-256-GCM, 12-byte
 *       nonce, 16-byte tag.
 *   <li>{@link KeyType#CHACHA20}: sealing key = HChaCha20(versionKey, iv) (all 16 iv bytes are the
 *       HChaCha20 nonce); ChaCha20-Poly1305 (RFC 8439), 12-byte nonce.
 * </ul>
 *
 * <p>Overhead: 44 bytes. Sealing: the HMAC and AES-GCM objects are cached per thread and
 * re-initialised on every call (the sealing key changes with every iv). ChaCha20-Poly1305 gets a
 * new Cipher per call: the JDK's implementation refuses any re-init with the key and nonce of the
 * previous one. Opening: {@link KesOpen} (no exception for a tag that does not match, few
 * allocations), except AES256 sealed parts above {@link KesOpen#AES_MAX_SEALED_BYTES}.
 */
final class KesAead {
  static final int IV_BYTES = 16;
  static final int NONCE_BYTES = 12;
  static final int TAG_BYTES = 16;
  static final int RANDOM_BYTES = IV_BYTES + NONCE_BYTES;

  /** Bytes added to a plaintext: tag, iv and nonce. */
  static final int OVERHEAD_BYTES = TAG_BYTES + RANDOM_BYTES;

  private static final byte[] EMPTY = new byte[0];
  private static final SecretKeySpec ZERO_HMAC_KEY = new SecretKeySpec(new byte[32], "HmacSHA256");

  private static final ThreadLocal<Mac> HMAC =
      ThreadLocal.withInitial(() -> newInstance(() -> Mac.getInstance("HmacSHA256")));
  private static final ThreadLocal<Cipher> GCM = ThreadLocal.withInitial(KesAead::newGcm);

  private KesAead() {}

  /**
   * Seals {@code plaintext} with a fresh random iv and nonce from {@link RandomSource#secure()}.
   */
  static byte[] seal(KeyType type, byte[] key, byte[] plaintext, byte[] associatedData) {
    byte[] random = RandomSource.secure().bytes(RANDOM_BYTES);
    return seal(type, key, plaintext, associatedData, random, false);
  }

  /**
   * Seals with the given iv ‖ nonce (28 bytes). With {@code freshCipher} the per-thread Cipher is
   * not used: the JDK refuses to encrypt twice with the same key and nonce on one instance, which
   * fixed test vectors do.
   */
  static byte[] seal(
      KeyType type,
      byte[] key,
      byte[] plaintext,
      byte[] associatedData,
      byte[] ivAndNonce,
      boolean freshCipher) {
    Objects.requireNonNull(plaintext, "plaintext");
    byte[] ad = associatedData == null ? EMPTY : associatedData;
    if (ivAndNonce.length != RANDOM_BYTES) {
      throw new IllegalArgumentException("iv and nonce must be 28 bytes");
    }
    int sealedLength = plaintext.length + TAG_BYTES;
    byte[] out = new byte[sealedLength + RANDOM_BYTES];
    byte[] sealingKey = sealingKey(type, key, ivAndNonce, 0);
    try {
      Cipher cipher = freshCipher ? newCipher(type) : cached(type);
      init(cipher, Cipher.ENCRYPT_MODE, type, sealingKey, ivAndNonce, IV_BYTES);
      cipher.updateAAD(ad);
      int n = cipher.doFinal(plaintext, 0, plaintext.length, out, 0);
      if (n != sealedLength) {
        throw new IllegalStateException("unexpected AEAD output length " + n);
      }
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("AEAD seal failed for " + type, e);
    } finally {
      Arrays.fill(sealingKey, (byte) 0);
    }
    System.arraycopy(ivAndNonce, 0, out, sealedLength, RANDOM_BYTES);
    return out;
  }

  /**
   * Opens a ciphertext in the layout above.
   *
   * @throws DecryptException if it is shorter than 44 bytes or does not authenticate under {@code
   *     key} and {@code associatedData}
   */
  static byte[] open(KeyType type, byte[] key, byte[] ciphertext, byte[] associatedData)
      throws DecryptException {
    byte[] plaintext = tryOpen(type, key, ciphertext, associatedData);
    if (plaintext == null) {
      throw new DecryptException();
    }
    return plaintext;
  }

  /**
   * As {@link #open} but a ciphertext that does not open gives {@code null} instead of an exception
   * (trial decryption with version 0 tries many versions that do not match). Sealed parts up to
   * {@link KesOpen#AES_MAX_SEALED_BYTES} under AES256, and all under CHACHA20, are opened by {@link
   * KesOpen} (no exception, few allocations); larger AES256 ones by the JDK's AES-GCM.
   *
   * @return the plaintext, or {@code null} if it is shorter than 44 bytes or does not authenticate
   */
  static byte[] tryOpen(KeyType type, byte[] key, byte[] ciphertext, byte[] associatedData) {
    if (ciphertext == null || ciphertext.length < OVERHEAD_BYTES) {
      return null;
    }
    byte[] ad = associatedData == null ? EMPTY : associatedData;
    int sealedLength = ciphertext.length - RANDOM_BYTES;
    if (type == KeyType.AES256 && sealedLength > KesOpen.AES_MAX_SEALED_BYTES) {
      return openJceAes(key, ciphertext, ad);
    }
    return KesOpen.open(type, key, ciphertext, ad);
  }

  /** The JDK's AES-GCM open (large sealed parts); {@code null} if the tag does not match. */
  static byte[] openJceAes(byte[] key, byte[] ciphertext, byte[] ad) {
    int sealedLength = ciphertext.length - RANDOM_BYTES;
    byte[] sealingKey = sealingKey(KeyType.AES256, key, ciphertext, sealedLength);
    try {
      Cipher cipher = GCM.get();
      init(
          cipher,
          Cipher.DECRYPT_MODE,
          KeyType.AES256,
          sealingKey,
          ciphertext,
          sealedLength + IV_BYTES);
      cipher.updateAAD(ad);
      return cipher.doFinal(ciphertext, 0, sealedLength);
    } catch (AEADBadTagException e) {
      return null;
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("AEAD open failed for AES256", e);
    } finally {
      Arrays.fill(sealingKey, (byte) 0);
    }
  }

  /**
   * HMAC-SHA256 of {@code message} under {@code key}, with the per-thread Mac, which is then keyed
   * with zeros ({@link #forgetKey}).
   */
  static byte[] hmacSha256(byte[] key, byte[] message, int offset, int length) {
    Mac mac = HMAC.get();
    try {
      mac.init(new SecretKeySpec(key, "HmacSHA256"));
      mac.update(message, offset, length);
      return mac.doFinal();
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("HmacSHA256 init failed", e);
    } finally {
      forgetKey(mac);
    }
  }

  /**
   * Keys a cached HMAC-SHA256 Mac with 32 zero bytes: the JDK's Mac keeps the key XOR ipad and opad
   * (as good as the key) until its next init, and a cached one is re-initialised only when its
   * thread next uses it, so without this a version key would stay in it after the version was
   * deleted.
   */
  static void forgetKey(Mac mac) {
    try {
      mac.init(ZERO_HMAC_KEY);
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("HmacSHA256 init failed", e);
    }
  }

  /** This thread's cached Mac of {@link #hmacSha256} (tests: what key it holds afterwards). */
  static Mac threadMac() {
    return HMAC.get();
  }

  /** The per-ciphertext sealing key for the 16-byte iv at {@code ivOffset}. */
  static byte[] sealingKey(KeyType type, byte[] key, byte[] buf, int ivOffset) {
    switch (type) {
      case AES256:
        return hmacSha256(key, buf, ivOffset, IV_BYTES);
      case CHACHA20:
        return HChaCha20.subkey(key, buf, ivOffset);
      default:
        throw new IllegalArgumentException("unknown key type " + type);
    }
  }

  private static void init(
      Cipher cipher, int mode, KeyType type, byte[] sealingKey, byte[] buf, int nonceOffset)
      throws GeneralSecurityException {
    if (type == KeyType.AES256) {
      cipher.init(
          mode,
          new SecretKeySpec(sealingKey, "AES"),
          new GCMParameterSpec(TAG_BYTES * 8, buf, nonceOffset, NONCE_BYTES));
    } else {
      cipher.init(
          mode,
          new SecretKeySpec(sealingKey, "ChaCha20"),
          new IvParameterSpec(buf, nonceOffset, NONCE_BYTES));
    }
  }

  private static Cipher cached(KeyType type) {
    return type == KeyType.AES256 ? GCM.get() : newChaCha();
  }

  private static Cipher newCipher(KeyType type) {
    return type == KeyType.AES256 ? newGcm() : newChaCha();
  }

  private static Cipher newGcm() {
    return newInstance(() -> Cipher.getInstance("AES/GCM/NoPadding"));
  }

  private static Cipher newChaCha() {
    return newInstance(() -> Cipher.getInstance("ChaCha20-Poly1305"));
  }

  /** Creates a JCE object whose algorithm every supported JDK has. */
  interface Factory<T> {
    T create() throws GeneralSecurityException;
  }

  /** {@code f}'s object; IllegalStateException if the JDK lacks the algorithm. */
  static <T> T newInstance(Factory<T> f) {
    try {
      return f.create();
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("JCE algorithm not available", e);
    }
  }
}
