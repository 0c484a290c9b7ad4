package io.openkms.kms.domain;

import io.openkms.kms.crypto.ApiKey;
import io.openkms.kms.crypto.Identity;
import io.openkms.kms.crypto.KeyType;
import io.openkms.kms.crypto.KeyVersion;
import java.time.Instant;
import java.util.List;
import java.util.Map;

/** Shared test values: fixed identities, times and key versions. */
final class Fixtures {
  static final Instant T0 = Instant.parse("2025-01-01T00:00:00Z");
  static final Instant T1 = Instant.parse("2025-01-02T00:00:00Z");

  static final Identity ROOT = id(1);
  static final Identity SYSADMIN = id(2);
  static final Identity ADMIN = id(3);
  static final Identity USER = id(4);
  static final Identity USER2 = id(5);
  static final Identity SA = id(6);
  static final Identity SA2 = id(7);
  static final Identity STRANGER = id(8);
  static final Identity OTHER_ADMIN = id(9);

  private Fixtures() {}

  /** The identity of the Ed25519 API key whose seed is 32 bytes of {@code n}. */
  static Identity id(int n) {
    byte[] seed = new byte[32];
    java.util.Arrays.fill(seed, (byte) n);
    return ApiKey.fromSeed(seed).identity();
  }

  static KeyVersion version(int n) {
    byte[] key = new byte[32];
    key[0] = (byte) n;
    return new KeyVersion(n, KeyType.AES256, key, T0.plusSeconds(n), ADMIN);
  }

  static Policy policy(
      String name, Map<String, List<String>> allow, Map<String, List<String>> deny) {
    return Policy.of(name, allow, deny, T0, ADMIN);
  }

  static IdentityEntry entry(Identity id, Privilege p) {
    return IdentityEntry.of(id, p, T0, ROOT);
  }

  /**
   * Enclave "e" (key "k" v1, policy "p" allowing KEY:GENERATE on app-*), Admin ADMIN, Users USER
   * (policy p) and USER2 (none); enclave "other" with OTHER_ADMIN; cluster SysAdmin SYSADMIN.
   */
  static KmsState standard() {
    return KmsState.empty()
        .apply(new Change.InitCluster("c1d5f6a2-0000-4000-8000-000000000000", "node0:7373"))
        .apply(new Change.CreateEnclave("e", T0, ROOT))
        .apply(new Change.CreateEnclave("other", T0, ROOT))
        .apply(new Change.CreateKey("e", "k", version(1)))
        .apply(
            new Change.CreatePolicy(
                "e", policy("p", Map.of("KEY:GENERATE", List.of("app-*")), null)))
        .apply(new Change.CreateIdentity("e", entry(ADMIN, Privilege.ADMIN)))
        .apply(new Change.CreateIdentity("e", entry(USER, Privilege.USER)))
        .apply(new Change.AssignPolicy("e", USER, "p"))
        .apply(new Change.CreateIdentity("e", entry(USER2, Privilege.USER)))
        .apply(new Change.CreateIdentity("other", entry(OTHER_ADMIN, Privilege.ADMIN)))
        .apply(new Change.CreateIdentity("", entry(SYSADMIN, Privilege.SYS_ADMIN)));
  }
}
