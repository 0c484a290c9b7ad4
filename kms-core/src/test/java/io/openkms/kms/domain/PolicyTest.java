package io.openkms.kms.domain;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.openkms.kms.crypto.Identity;
import java.time.Instant;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;

/** {@link Policy}: patterns, deny wins, cluster commands never granted (docs/REFERENCE.md §5.3). */
class PolicyTest {
  private static final Instant T0 = Instant.parse("2025-01-01T00:00:00Z");

  private static Policy policy(Map<String, List<String>> allow, Map<String, List<String>> deny) {
    return Policy.of("p", allow, deny, T0, Identity.ZERO);
  }

  @Test
  void patternMatching() {
    assertTrue(Policy.matches("my-key", "my-key"));
    assertFalse(Policy.matches("my-key", "my-key-1"));
    assertFalse(Policy.matches("my-key", "my-ke"));
    assertTrue(Policy.matches("my-key*", "my-key"));
    assertTrue(Policy.matches("my-key*", "my-key-1"));
    assertFalse(Policy.matches("my-key*", "my-ke"));
    assertFalse(Policy.matches("my-key*", "other"));
    assertTrue(Policy.matches("*", "anything"));
    assertTrue(Policy.matches("*", ""));
  }

  @Test
  void exactPrefixAndStar() {
    Policy p =
        policy(
            Map.of(
                "KEY:ENCRYPT",
                List.of("exact"),
                "KEY:DECRYPT",
                List.of("app-*"),
                "KEY:STATUS",
                List.of("*")),
            null);
    assertTrue(p.allows(Command.KEY_ENCRYPT, "exact"));
    assertFalse(p.allows(Command.KEY_ENCRYPT, "exact2"));
    assertTrue(p.allows(Command.KEY_DECRYPT, "app-1"));
    assertFalse(p.allows(Command.KEY_DECRYPT, "ap"));
    assertTrue(p.allows(Command.KEY_STATUS, "x"));
    assertFalse(p.allows(Command.KEY_GENERATE, "exact"), "default deny");
  }

  @Test
  void denyWins() {
    Policy p =
        policy(Map.of("KEY:ENCRYPT", List.of("*")), Map.of("KEY:ENCRYPT", List.of("secret*")));
    assertTrue(p.allows(Command.KEY_ENCRYPT, "public"));
    assertFalse(p.allows(Command.KEY_ENCRYPT, "secret-1"));
    Policy all = policy(Map.of("KEY:ENCRYPT", List.of("a")), Map.of("KEY:ENCRYPT", List.of("*")));
    assertFalse(all.allows(Command.KEY_ENCRYPT, "a"));
  }

  @Test
  void clusterAndEnclaveCommandsAreNeverGranted() {
    Policy p =
        policy(
            Map.of(
                "CLUSTER:STATUS",
                List.of("*"),
                "ENCLAVE:CREATE",
                List.of("*"),
                "ENCLAVE:LIST",
                List.of("*")),
            null);
    assertFalse(p.allows(Command.CLUSTER_STATUS, ""));
    assertFalse(p.allows(Command.CLUSTER_STATUS, "x"));
    assertFalse(p.allows(Command.ENCLAVE_CREATE, "e"));
    assertFalse(p.allowsListing(Command.ENCLAVE_LIST, ""));
  }

  @Test
  void listing() {
    Policy p =
        policy(
            Map.of("KEY:LIST", List.of("app-*")),
            Map.of("POLICY:LIST", List.of("*"), "IDENTITY:LIST", List.of("x*")));
    assertTrue(p.allowsListing(Command.KEY_LIST, ""));
    assertTrue(p.allowsListing(Command.KEY_LIST, "zzz"));
    assertFalse(p.allowsListing(Command.POLICY_LIST, ""));
    assertFalse(p.allowsListing(Command.IDENTITY_LIST, "x1"));
    assertFalse(p.allowsListing(Command.IDENTITY_LIST, ""), "no allow rule");
  }

  @Test
  void normalizesCommandsAndDropsEmptyPatterns() {
    Policy p =
        policy(
            Map.of(
                "key:encrypt",
                Arrays.asList("", "a", "b*"),
                "KEY:ENCRYPT",
                List.of("c"),
                "KEY:DECRYPT",
                List.of("")),
            Map.of());
    assertEquals(Set.of("KEY:ENCRYPT"), p.allow().keySet());
    assertEquals(new TreeSet<>(List.of("a", "b*", "c")), p.allow().get("KEY:ENCRYPT"));
    assertTrue(p.deny().isEmpty());
    assertThrows(UnsupportedOperationException.class, () -> p.allow().clear());
    assertThrows(UnsupportedOperationException.class, () -> p.allow().get("KEY:ENCRYPT").add("x"));
  }

  @Test
  void rejectsUnknownCommandsAndBadNames() {
    KmsException e =
        assertThrows(KmsException.class, () -> policy(Map.of("KEY:*", List.of("*")), null));
    assertEquals(400, e.status());
    assertEquals("kms: invalid cmd 'KEY:*'", e.message());
    assertEquals(
        "kms: invalid cmd 'POLICY:*'",
        assertThrows(KmsException.class, () -> policy(null, Map.of("POLICY:*", List.of("*"))))
            .message());
    assertEquals(
        "invalid policy name 'a/b': only A-Z, a-z, 0-9, '.', '_' and '-' are allowed",
        assertThrows(KmsException.class, () -> Policy.of("a/b", null, null, T0, Identity.ZERO))
            .message());
  }

  @Test
  void readOnlyExampleFromTheDocs() {
    // docs/REFERENCE.md §5.3: allow KEY:STATUS, KEY:LIST, KEY:LISTVERSIONS, KEY:ENCRYPT,
    // KEY:DECRYPT on "*".
    Policy p =
        policy(
            Map.of(
                "KEY:STATUS",
                List.of("*"),
                "KEY:LIST",
                List.of("*"),
                "KEY:LISTVERSIONS",
                List.of("*"),
                "KEY:ENCRYPT",
                List.of("*"),
                "KEY:DECRYPT",
                List.of("*")),
            Map.of());
    assertTrue(p.allows(Command.KEY_DECRYPT, "k"));
    assertTrue(p.allowsListing(Command.KEY_LIST, ""));
    assertFalse(p.allows(Command.KEY_CREATE, "k"));
    assertFalse(p.allows(Command.KEY_DELETE, "k"));
    assertFalse(p.allows(Command.KEY_GENERATE, "k"));
  }
}
