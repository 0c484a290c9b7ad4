package io.openkms.bench;

import io.openkms.kms.crypto.Identity;
import io.openkms.kms.crypto.KeyRing;
import io.openkms.kms.domain.EnclaveState;
import io.openkms.kms.domain.IdentityEntry;
import io.openkms.kms.domain.KeyEntry;
import io.openkms.kms.domain.KmsState;
import io.openkms.kms.domain.Membership;
import io.openkms.kms.domain.Policy;
import io.openkms.kms.domain.Privilege;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/** Node states for the benchmarks, built directly from the immutable domain records. */
final class Fixtures {

  private Fixtures() {}

  /** A state with one enclave holding one key {@code keyName} whose versions are {@code ring}. */
  static KmsState stateWithKey(String enclave, String keyName, KeyRing ring) {
    EnclaveState e =
        EnclaveState.create(enclave, Instant.EPOCH, Identity.ZERO)
            .withKey(new KeyEntry(keyName, ring, Instant.EPOCH, Identity.ZERO));
    return new KmsState(new TreeMap<>(Map.of(enclave, e)), null, Membership.empty(), 1);
  }

  /**
   * The five-rule policy of the authorization benchmark (docs/REFERENCE.md §5.3): allow {@code
   * KEY:GENERATE}, {@code KEY:DECRYPT} on {@code minio-*}, {@code KEY:ENCRYPT} on {@code app-*},
   * {@code KEY:STATUS} on {@code *}; deny {@code KEY:DECRYPT} on {@code minio-secret}.
   */
  static Policy fiveRulePolicy() {
    return Policy.of(
        "minio",
        Map.of(
            "KEY:GENERATE",
            List.of("minio-*"),
            "KEY:DECRYPT",
            List.of("minio-*"),
            "KEY:ENCRYPT",
            List.of("app-*"),
            "KEY:STATUS",
            List.of("*")),
        Map.of("KEY:DECRYPT", List.of("minio-secret")),
        Instant.EPOCH,
        Identity.ZERO);
  }

  /**
   * A state with enclave {@code enclave}, the {@link #fiveRulePolicy()} named {@code minio}, and
   * {@code user} as a User of the enclave with that policy assigned.
   */
  static KmsState stateWithUser(String enclave, Identity user) {
    EnclaveState e =
        EnclaveState.create(enclave, Instant.EPOCH, Identity.ZERO)
            .withPolicy(fiveRulePolicy())
            .withIdentity(
                IdentityEntry.of(user, Privilege.USER, Instant.EPOCH, Identity.ZERO)
                    .withPolicy("minio"));
    return new KmsState(new TreeMap<>(Map.of(enclave, e)), null, Membership.empty(), 1);
  }
}
