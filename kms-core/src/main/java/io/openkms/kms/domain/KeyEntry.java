package io.openkms.kms.domain;

import io.openkms.kms.crypto.Identity;
import io.openkms.kms.crypto.KeyRing;
import java.time.Instant;
import java.util.Objects;

/**
 * A named key inside an enclave: its ring of versions and when and by whom the key was created.
 *
 * @param name the key name ({@link Names} rule)
 * @param ring the versions
 * @param createdAt creation time of the key (its first version)
 * @param createdBy creator of the key ({@link Identity#ZERO} if none)
 */
public record KeyEntry(String name, KeyRing ring, Instant createdAt, Identity createdBy) {

  /** Checks for nulls. */
  public KeyEntry {
    Objects.requireNonNull(name, "name");
    Objects.requireNonNull(ring, "ring");
    Objects.requireNonNull(createdAt, "createdAt");
    Objects.requireNonNull(createdBy, "createdBy");
  }

  /** This entry with another ring. */
  public KeyEntry withRing(KeyRing ring) {
    return new KeyEntry(name, ring, createdAt, createdBy);
  }
}
