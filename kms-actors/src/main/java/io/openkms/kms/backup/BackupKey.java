package io.openkms.kms.backup;

import io.openkms.persistence.Hsm;
import io.openkms.persistence.RootEncryptionKey;
import java.util.Arrays;
import java.util.HexFormat;

/**
 * The key that seals backups ({@code GET /v1/db}): AES-256-GCM under HKDF-SHA256(HSM key, info
 * {@value #LABEL}). Every node of a cluster holds the same HSM key, so a backup taken on one node
 * opens on any node of the cluster, and on a fresh node started with that HSM key; a node's REK is
 * per node and therefore not used. {@link #id()} names the key in the backup's plain header (the
 * first 8 bytes of HKDF with info {@value #ID_LABEL}, hex), so a backup made under another HSM key
 * is recognised as such before anything is decrypted.
 */
public final class BackupKey {

  /** HKDF label of the sealing key. Never change it: old backups would no longer open. */
  public static final String LABEL = "minkms/v1/backup-key";

  /** HKDF label of the key id. */
  public static final String ID_LABEL = "minkms/v1/backup-key-id";

  private final RootEncryptionKey key;
  private final String id;

  private BackupKey(byte[] key, String id) {
    this.key = RootEncryptionKey.fromBytes(key);
    this.id = id;
  }

  /** The backup key of {@code hsm}. */
  public static BackupKey of(Hsm hsm) {
    byte[] seed = hsm.deriveSeed(LABEL);
    try {
      return new BackupKey(
          seed, HexFormat.of().formatHex(Arrays.copyOf(hsm.deriveSeed(ID_LABEL), 8)));
    } finally {
      Arrays.fill(seed, (byte) 0);
    }
  }

  /** 16 hex digits naming this key (not secret). */
  public String id() {
    return id;
  }

  RootEncryptionKey aead() {
    return key;
  }

  @Override
  public String toString() {
    return "BackupKey(" + id + ")";
  }
}
