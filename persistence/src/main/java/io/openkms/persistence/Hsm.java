package io.openkms.persistence;

/**
 * The last key of the chain (docs/REFERENCE.md §5.1, docs/ARCHITECTURE.md §2): it seals the node's
 * root encryption key and seeds the keys every node of a cluster must share. The software key
 * ({@link SoftHsm}) is the only implementation today; PKCS#11 or an external KMS would be others.
 * Implementations are thread safe.
 */
public interface Hsm {
  /**
   * HKDF label of the root API key's Ed25519 seed (docs/ARCHITECTURE.md §2). Never change it: every
   * cluster's root API key depends on it.
   */
  String ROOT_API_KEY_LABEL = "minkms/v1/root-api-key";

  /**
   * HKDF label of the internode key's seed (Artery TLS, docs/ARCHITECTURE.md §2). Never change it:
   * nodes with different values cannot talk to each other.
   */
  String INTERNODE_KEY_LABEL = "minkms/v1/internode-key";

  /** The name shown in the startup banner, e.g. {@code hsm:minio:soft} (docs/REFERENCE.md §2.3). */
  String name();

  /**
   * Encrypts and authenticates a small secret (the root encryption key).
   *
   * @param plaintext the secret, any length
   * @return an opaque sealed value that only {@link #unseal} of the same HSM key opens
   */
  byte[] seal(byte[] plaintext);

  /**
   * Opens a value made by {@link #seal}.
   *
   * @throws UnsealException {@code invalid ciphertext}: another HSM key, tampered or truncated
   */
  byte[] unseal(byte[] ciphertext) throws UnsealException;

  /**
   * Derives a 32-byte seed, the same on every node that holds the same HSM key: HKDF-SHA256 (RFC
   * 5869) with ikm = the HSM key, salt = empty, info = UTF-8 of {@code label}.
   *
   * @param label one of {@link #ROOT_API_KEY_LABEL}, {@link #INTERNODE_KEY_LABEL}
   * @return 32 bytes (a fresh array)
   */
  byte[] deriveSeed(String label);
}
