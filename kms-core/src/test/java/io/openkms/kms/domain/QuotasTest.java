package io.openkms.kms.domain;

import static io.openkms.kms.domain.Fixtures.ADMIN;
import static io.openkms.kms.domain.Fixtures.ROOT;
import static io.openkms.kms.domain.Fixtures.STRANGER;
import static io.openkms.kms.domain.Fixtures.T0;
import static io.openkms.kms.domain.Fixtures.USER;
import static io.openkms.kms.domain.Fixtures.entry;
import static io.openkms.kms.domain.Fixtures.policy;
import static io.openkms.kms.domain.Fixtures.standard;
import static io.openkms.kms.domain.Fixtures.version;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.openkms.kms.crypto.Identity;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;

/** {@link Quotas} and {@link StateSize}: issue 13, "unbounded state: OOM and crash loop". */
class QuotasTest {

  /** Small limits: 2 of everything, patterns of 10 characters, 64 KiB of state. */
  private static final Quotas SMALL = new Quotas(3, 2, 2, 2, 4, 3, 10, 2, 10, 64 << 10, 100, 64);

  /** Applies {@code c} to {@code s} through the quotas, as the leader does. */
  private static KmsState admit(Quotas q, KmsState s, Change c) {
    KmsState after = s.apply(c);
    long bytes = q.admit(s, StateSize.of(s), c, after);
    assertEquals(StateSize.of(after), bytes, "the incremental estimate equals a full count");
    return after;
  }

  private static void refused(String message, Quotas q, KmsState s, Change c) {
    KmsState after = s.apply(c);
    KmsException e = assertThrows(KmsException.class, () -> q.admit(s, StateSize.of(s), c, after));
    assertEquals("400 " + message, e.status() + " " + e.message());
  }

  @Test
  void eachCountIsBoundedAndTheRefusalNamesItsKey() {
    KmsState s = standard(); // enclaves e and other; e: key k, policy p, ADMIN, USER, USER2
    refused(
        "limit exceeded: at most 3 enclaves (limits: enclaves)",
        SMALL,
        admit(SMALL, s, new Change.CreateEnclave("third", T0, ROOT)),
        new Change.CreateEnclave("x", T0, ROOT));
    KmsState twoKeys = admit(SMALL, s, new Change.CreateKey("e", "k2", version(1)));
    refused(
        "limit exceeded: at most 2 keys per enclave (limits: keys_per_enclave)",
        SMALL,
        twoKeys,
        new Change.CreateKey("e", "k3", version(1)));
    refused(
        "limit exceeded: at most 2 keys per enclave (limits: keys_per_enclave)",
        SMALL,
        twoKeys,
        new Change.ImportKey("e", "k3", version(1)));
    KmsState twoVersions = admit(SMALL, s, new Change.AddKeyVersion("e", "k", version(2)));
    refused(
        "limit exceeded: at most 2 versions per key (limits: versions_per_key)",
        SMALL,
        twoVersions,
        new Change.AddKeyVersion("e", "k", version(3)));
    // deleting a version makes room again: the quota counts versions held, not numbers used
    KmsState oneLeft = admit(SMALL, twoVersions, new Change.DeleteKeyVersion("e", "k", 1));
    admit(SMALL, oneLeft, new Change.AddKeyVersion("e", "k", version(3)));

    KmsState twoPolicies = admit(SMALL, s, new Change.CreatePolicy("e", policy("q", null, null)));
    refused(
        "limit exceeded: at most 2 policies per enclave (limits: policies_per_enclave)",
        SMALL,
        twoPolicies,
        new Change.CreatePolicy("e", policy("r", null, null)));
    admit(
        SMALL,
        twoPolicies,
        new Change.CreatePolicy("e", policy("q", Map.of("KEY:LIST", List.of("*")), null)));
    refused(
        "limit exceeded: at most 3 patterns per policy (limits: patterns_per_policy)",
        SMALL,
        s,
        new Change.CreatePolicy(
            "e",
            policy(
                "p",
                Map.of("KEY:LIST", List.of("a", "b")),
                Map.of("KEY:LIST", List.of("c", "d")))));
    refused(
        "limit exceeded: at most 10 characters per policy pattern (limits: pattern_length)",
        SMALL,
        s,
        new Change.CreatePolicy(
            "e", policy("p", Map.of("KEY:LIST", List.of("abcdefghijk")), null)));

    KmsState full =
        admit(SMALL, s, new Change.CreateIdentity("e", entry(STRANGER, Privilege.USER)));
    refused(
        "limit exceeded: at most 4 identities per enclave (limits: identities_per_enclave)",
        SMALL,
        full,
        new Change.CreateIdentity("e", entry(Fixtures.id(20), Privilege.USER)));
    refused(
        "limit exceeded: at most 2 tags per identity (limits: tags_per_identity)",
        SMALL,
        s,
        new Change.CreateIdentity("other", tagged(Map.of("a", "1", "b", "2", "c", "3"))));
    refused(
        "limit exceeded: at most 10 characters per tag key or value (limits: tag_length)",
        SMALL,
        s,
        new Change.CreateIdentity("other", tagged(Map.of("a", "12345678901"))));
  }

  private static IdentityEntry tagged(Map<String, String> tags) {
    return new IdentityEntry(
        Fixtures.id(21), Privilege.USER, "", T0, ADMIN, false, Identity.ZERO, new TreeMap<>(tags));
  }

  /**
   * The reproduction of the review, in the domain: an enclave Admin writes big policies in a loop.
   * The state estimate stops at {@code state_size}; the refusal names the key; deletes and small
   * writes elsewhere still work; the estimate always equals a full recount.
   */
  @Test
  void bigPoliciesInALoopStopAtTheStateSize() {
    Quotas q = new Quotas(1000, 1000, 1000, 10_000, 1000, 1000, 256, 64, 256, 4L << 20, 100, 64);
    List<String> patterns = new ArrayList<>();
    for (int i = 0; i < 900; i++) {
      patterns.add(String.format("%080d", i)); // 80-character names
    }
    KmsState s = standard();
    long bytes = StateSize.of(s);
    int created = 0;
    KmsException refusal = null;
    while (refusal == null && created < 1000) {
      Change c =
          new Change.CreatePolicy(
              "e", policy("big-" + created, Map.of("KEY:ENCRYPT", patterns), null));
      KmsState after = s.apply(c);
      try {
        bytes = q.admit(s, bytes, c, after);
        s = after;
        created++;
      } catch (KmsException e) {
        refusal = e;
      }
    }
    assertEquals(
        "400 limit exceeded: at most 4194304 bytes of state (limits: state_size)",
        refusal.status() + " " + refusal.message());
    assertTrue(created > 10 && bytes <= 4L << 20, created + " policies, " + bytes + " bytes");
    assertEquals(StateSize.of(s), bytes);
    // a delete is always admitted and makes room
    KmsState deleted = admit(q, s, new Change.DeletePolicy("e", "big-0"));
    admit(
        q,
        deleted,
        new Change.CreatePolicy("e", policy("big-again", Map.of("KEY:ENCRYPT", patterns), null)));
    admit(q, s, new Change.DeleteEnclave("e"));
  }

  @Test
  void deletesAndIdentityRemovalKeepTheEstimateExact() {
    KmsState s = standard();
    KmsState sa =
        admit(
            Quotas.DEFAULT,
            s,
            new Change.CreateIdentity(
                "e",
                IdentityEntry.serviceAccount(
                    Fixtures.SA, USER, Privilege.USER, T0, USER, Map.of("k", "v"))));
    admit(Quotas.DEFAULT, sa, new Change.DeleteIdentity("e", USER)); // with its service account
    admit(Quotas.DEFAULT, sa, new Change.AssignPolicy("e", USER, ""));
    admit(Quotas.DEFAULT, s, new Change.DeleteKey("e", "k"));
    admit(
        Quotas.DEFAULT,
        s,
        new Change.DeleteKeyVersion("e", "k", 1)); // the last version: the key goes
    admit(Quotas.DEFAULT, s, new Change.CreateIdentity("", entry(STRANGER, Privilege.SYS_ADMIN)));
  }

  @Test
  void everyLimitMustBePositive() {
    assertThrows(
        IllegalArgumentException.class, () -> new Quotas(0, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1));
    assertThrows(
        IllegalArgumentException.class, () -> new Quotas(1, 1, 1, 1, 1, 1, 1, 1, 1, 0, 1, 1));
  }
}
