package io.openkms.persistence;

import java.nio.charset.StandardCharsets;
import java.util.Objects;
import org.bouncycastle.crypto.digests.SHA256Digest;
import org.bouncycastle.crypto.generators.HKDFBytesGenerator;
import org.bouncycastle.crypto.params.HKDFParameters;

/**
 * The software HSM: an {@link HsmKey} held in memory ({@code hsm:minio:soft}, docs/REFERENCE.md
 * §5.1).
 *
 * <p>Sealing is AES-256-GCM, layout {@code nonce(12) ‖ ciphertext ‖ tag(16)}, associated data
 * {@value #SEAL_ASSOCIATED_DATA}. The AES key is not the HSM key itself but a subkey derived from
 * it with {@link #deriveSeed} under the label {@value #SEAL_KEY_LABEL}, so that the HSM key is used
 * for one purpose only (as HKDF input keying material). Seeds: HKDF-SHA256 (RFC 5869) with Bouncy
 * Castle, ikm = HSM key, salt = empty, info = UTF-8 label, 32 bytes.
 */
public final class SoftHsm implements Hsm {
  /** The HSM's name in the startup banner. */
  public static final String NAME = "hsm:minio:soft";

  /** Associated data of every value this HSM seals. Never change it. */
  public static final String SEAL_ASSOCIATED_DATA = "minkms/v1/rek";

  /** HKDF label of the AES-256-GCM key that seals the root encryption key. Never change it. */
  public static final String SEAL_KEY_LABEL = "minkms/v1/soft-hsm/seal-key";

  private static final int SEED_BYTES = 32;
  private static final byte[] AD = SEAL_ASSOCIATED_DATA.getBytes(StandardCharsets.UTF_8);

  private final byte[] ikm;
  private final Aes256Gcm sealKey;

  /**
   * @param key the operator's HSM key
   */
  public SoftHsm(HsmKey key) {
    this.ikm = Objects.requireNonNull(key, "key").bytes();
    this.sealKey = new Aes256Gcm(deriveSeed(SEAL_KEY_LABEL));
  }

  /** {@value #NAME}. */
  @Override
  public String name() {
    return NAME;
  }

  /** AES-256-GCM under the sealing subkey; 28 bytes longer than {@code plaintext}. */
  @Override
  public byte[] seal(byte[] plaintext) {
    return sealKey.seal(Objects.requireNonNull(plaintext, "plaintext"), AD);
  }

  /**
   * @throws UnsealException {@code invalid ciphertext} (another HSM key, tampered, truncated)
   */
  @Override
  public byte[] unseal(byte[] ciphertext) throws UnsealException {
    return sealKey.unseal(ciphertext, AD);
  }

  /** HKDF-SHA256(ikm = HSM key, salt = empty, info = UTF-8 {@code label}), 32 bytes. */
  @Override
  public byte[] deriveSeed(String label) {
    Objects.requireNonNull(label, "label");
    HKDFBytesGenerator hkdf = new HKDFBytesGenerator(new SHA256Digest());
    hkdf.init(new HKDFParameters(ikm, new byte[0], label.getBytes(StandardCharsets.UTF_8)));
    byte[] seed = new byte[SEED_BYTES];
    hkdf.generateBytes(seed, 0, SEED_BYTES);
    return seed;
  }

  /** Names the HSM; never shows the key. */
  @Override
  public String toString() {
    return NAME;
  }
}
