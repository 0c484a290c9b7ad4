package io.openkms.kms.domain;

import static io.openkms.kms.domain.Fixtures.ADMIN;
import static io.openkms.kms.domain.Fixtures.OTHER_ADMIN;
import static io.openkms.kms.domain.Fixtures.ROOT;
import static io.openkms.kms.domain.Fixtures.SA;
import static io.openkms.kms.domain.Fixtures.SA2;
import static io.openkms.kms.domain.Fixtures.STRANGER;
import static io.openkms.kms.domain.Fixtures.SYSADMIN;
import static io.openkms.kms.domain.Fixtures.T0;
import static io.openkms.kms.domain.Fixtures.USER;
import static io.openkms.kms.domain.Fixtures.USER2;
import static io.openkms.kms.domain.Fixtures.policy;
import static io.openkms.kms.domain.Fixtures.standard;
import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.openkms.kms.crypto.Identity;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/** {@link Authorizer}: docs/PROTOCOL.md §2.4 and docs/REFERENCE.md §5.2–5.3. */
class AuthorizerTest {
  private static final Set<Identity> ROOTS = Set.of(ROOT);

  private static void allowed(
      KmsState s, Identity caller, String enclave, Command cmd, String resource) {
    assertDoesNotThrow(() -> Authorizer.authorize(s, caller, ROOTS, enclave, cmd, resource));
  }

  private static void denied(
      KmsState s, Identity caller, String enclave, Command cmd, String resource) {
    KmsException e =
        assertThrows(
            KmsException.class,
            () -> Authorizer.authorize(s, caller, ROOTS, enclave, cmd, resource));
    assertEquals(403, e.status());
    assertEquals("access denied: insufficient permissions", e.message());
  }

  private static void noEnclave(
      KmsState s, Identity caller, String enclave, Command cmd, String resource) {
    KmsException e =
        assertThrows(
            KmsException.class,
            () -> Authorizer.authorize(s, caller, ROOTS, enclave, cmd, resource));
    assertEquals(404, e.status());
    assertEquals("enclave does not exist", e.message());
  }

  @ParameterizedTest
  @EnumSource(Command.class)
  void rootAndSysAdminsMayRunEverything(Command cmd) {
    KmsState s = standard();
    for (Identity admin : List.of(ROOT, SYSADMIN)) {
      if (cmd.isCluster()) {
        allowed(s, admin, "", cmd, "x");
        allowed(s, admin, "e", cmd, "x");
      } else {
        allowed(s, admin, "e", cmd, "x");
        noEnclave(s, admin, "missing", cmd, "x");
      }
    }
  }

  @Test
  void sysAdminWithoutEnclaveOnlyForIdentityCommands() {
    KmsState s = standard();
    allowed(s, ROOT, "", Command.IDENTITY_CREATE, "h1:x");
    allowed(s, ROOT, "", Command.IDENTITY_LIST, "");
    allowed(s, SYSADMIN, "", Command.IDENTITY_DELETE, "h1:x");
    noEnclave(s, ROOT, "", Command.KEY_CREATE, "k");
    noEnclave(s, SYSADMIN, "", Command.POLICY_LIST, "");
  }

  @ParameterizedTest
  @EnumSource(Command.class)
  void clusterCommandsNeedSysAdmin(Command cmd) {
    if (!cmd.isCluster()) {
      return;
    }
    KmsState s = standard();
    for (Identity caller : List.of(ADMIN, USER, USER2, STRANGER)) {
      denied(s, caller, "", cmd, "");
      denied(s, caller, "e", cmd, "*");
    }
  }

  @ParameterizedTest
  @EnumSource(Command.class)
  void adminMayRunEverythingInItsEnclaveOnly(Command cmd) {
    if (cmd.isCluster()) {
      return;
    }
    KmsState s = standard();
    allowed(s, ADMIN, "e", cmd, "anything");
    denied(s, ADMIN, "other", cmd, "anything");
    denied(s, OTHER_ADMIN, "e", cmd, "anything");
    // Not revealing whether an enclave exists to non-SysAdmins: 403, not 404.
    denied(s, ADMIN, "missing", cmd, "anything");
    denied(s, ADMIN, "", cmd, "anything");
  }

  @Test
  void unknownIdentitiesAreDenied() {
    KmsState s = standard();
    denied(s, STRANGER, "e", Command.KEY_DECRYPT, "k");
    denied(s, STRANGER, "e", Command.IDENTITY_STATUS, STRANGER.toString());
    denied(s, Identity.ZERO, "e", Command.KEY_DECRYPT, "k");
  }

  @Test
  void userAllowedKeyGenerateOnAppStar() {
    KmsState s = standard();
    allowed(s, USER, "e", Command.KEY_GENERATE, "app-1");
    allowed(s, USER, "e", Command.KEY_GENERATE, "app-");
    denied(s, USER, "e", Command.KEY_GENERATE, "ap");
    denied(s, USER, "e", Command.KEY_GENERATE, "k");
    denied(s, USER, "e", Command.KEY_ENCRYPT, "app-1");
    denied(s, USER, "e", Command.KEY_CREATE, "app-1");
    denied(s, USER, "e", Command.KEY_LIST, "");
    denied(s, USER, "other", Command.KEY_GENERATE, "app-1");
  }

  @Test
  void userWithoutPolicyMayOnlyReadItself() {
    KmsState s = standard();
    denied(s, USER2, "e", Command.KEY_GENERATE, "app-1");
    allowed(s, USER2, "e", Command.IDENTITY_STATUS, USER2.toString());
    denied(s, USER2, "e", Command.IDENTITY_STATUS, USER.toString());
    allowed(s, USER, "e", Command.IDENTITY_STATUS, USER.toString());
  }

  @Test
  void deletedPolicyDeniesAtOnceAndRecreatingDoesNotReGrant() {
    KmsState s = standard().apply(new Change.DeletePolicy("e", "p"));
    denied(s, USER, "e", Command.KEY_GENERATE, "app-1");
    s =
        s.apply(
            new Change.CreatePolicy("e", policy("p", Map.of("KEY:GENERATE", List.of("*")), null)));
    denied(s, USER, "e", Command.KEY_GENERATE, "app-1");
    s = s.apply(new Change.AssignPolicy("e", USER, "p"));
    allowed(s, USER, "e", Command.KEY_GENERATE, "app-1");
  }

  @Test
  void overwrittenPolicyAppliesAtOnce() {
    KmsState s =
        standard()
            .apply(
                new Change.CreatePolicy(
                    "e",
                    policy(
                        "p",
                        Map.of("KEY:GENERATE", List.of("*")),
                        Map.of("KEY:GENERATE", List.of("app-secret*")))));
    allowed(s, USER, "e", Command.KEY_GENERATE, "k");
    denied(s, USER, "e", Command.KEY_GENERATE, "app-secret-1");
  }

  @Test
  void listCommandsUseThePrefixAndAnyAllowRule() {
    KmsState s =
        standard()
            .apply(
                new Change.CreatePolicy(
                    "e",
                    policy(
                        "p",
                        Map.of("KEY:LIST", List.of("app-*"), "POLICY:LIST", List.of("x")),
                        Map.of("POLICY:LIST", List.of("secret*")))));
    allowed(s, USER, "e", Command.KEY_LIST, "");
    allowed(s, USER, "e", Command.KEY_LIST, "zzz");
    allowed(s, USER, "e", Command.POLICY_LIST, "");
    denied(s, USER, "e", Command.POLICY_LIST, "secret");
    denied(s, USER, "e", Command.IDENTITY_LIST, "");
  }

  @Test
  void serviceAccountsAreEvaluatedAsTheirParent() {
    KmsState s =
        standard()
            .apply(
                new Change.CreateIdentity(
                    "e", IdentityEntry.serviceAccount(SA, USER, Privilege.USER, T0, USER, null)))
            .apply(
                new Change.CreateIdentity(
                    "e",
                    IdentityEntry.serviceAccount(SA2, ADMIN, Privilege.ADMIN, T0, ADMIN, null)));
    allowed(s, SA, "e", Command.KEY_GENERATE, "app-1");
    denied(s, SA, "e", Command.KEY_GENERATE, "k");
    allowed(s, SA2, "e", Command.KEY_DELETE, "k");
    denied(s, SA2, "", Command.CLUSTER_STATUS, "");
    // The parent's policy change applies to its service account at once.
    KmsState noPolicy = s.apply(new Change.AssignPolicy("e", USER, ""));
    denied(noPolicy, SA, "e", Command.KEY_GENERATE, "app-1");
    assertEquals(
        Optional.of(new Authorizer.Effective(Privilege.USER, "p")),
        Authorizer.effective(s, SA, ROOTS, "e"));
  }

  @Test
  void clusterServiceAccountsOfRootAndSysAdmins() {
    KmsState s =
        standard()
            .apply(
                new Change.CreateIdentity(
                    "",
                    IdentityEntry.serviceAccount(SA, ROOT, Privilege.SYS_ADMIN, T0, ROOT, null)))
            .apply(
                new Change.CreateIdentity(
                    "",
                    IdentityEntry.serviceAccount(
                        SA2, SYSADMIN, Privilege.SYS_ADMIN, T0, SYSADMIN, null)));
    allowed(s, SA, "", Command.CLUSTER_STATUS, "");
    allowed(s, SA2, "e", Command.KEY_DELETE, "k");
    // If the root identity is no longer configured, its service account has no rights.
    KmsException e =
        assertThrows(
            KmsException.class,
            () -> Authorizer.authorize(s, SA, Set.of(), "", Command.CLUSTER_STATUS, ""));
    assertEquals(403, e.status());
    assertEquals(Optional.empty(), Authorizer.effective(s, SA, Set.of(), "e"));
  }

  /**
   * Nobody grants or removes more privilege than they hold ({@code IDENTITY:CREATE} of an identity
   * with that privilege, {@code IDENTITY:DELETE} of one): the stake must not be above the caller's
   * own privilege in the enclave, and a caller without rights there has no stake at all.
   */
  @Test
  void aCallerNeverGrantsOrRemovesMoreThanItHolds() {
    KmsState s = standard();
    assertDoesNotThrow(() -> Authorizer.authorizeStake(s, ROOT, ROOTS, "e", Privilege.SYS_ADMIN));
    assertDoesNotThrow(() -> Authorizer.authorizeStake(s, ADMIN, ROOTS, "e", Privilege.ADMIN));
    assertDoesNotThrow(() -> Authorizer.authorizeStake(s, ADMIN, ROOTS, "e", Privilege.USER));
    assertDoesNotThrow(() -> Authorizer.authorizeStake(s, USER, ROOTS, "e", Privilege.USER));
    for (Runnable r :
        List.<Runnable>of(
            () -> Authorizer.authorizeStake(s, ADMIN, ROOTS, "e", Privilege.SYS_ADMIN),
            () -> Authorizer.authorizeStake(s, USER, ROOTS, "e", Privilege.ADMIN),
            () -> Authorizer.authorizeStake(s, STRANGER, ROOTS, "e", Privilege.USER))) {
      KmsException e = assertThrows(KmsException.class, r::run);
      assertEquals(403, e.status());
      assertEquals("access denied: insufficient permissions", e.message());
    }
  }

  @Test
  void nullEnclaveAndResourceMeanEmpty() {
    KmsState s = standard();
    assertDoesNotThrow(
        () -> Authorizer.authorize(s, ROOT, ROOTS, null, Command.IDENTITY_LIST, null));
    KmsException e =
        assertThrows(
            KmsException.class,
            () -> Authorizer.authorize(s, USER, ROOTS, "e", Command.KEY_GENERATE, null));
    assertEquals(403, e.status());
    assertEquals(Optional.empty(), Authorizer.effective(s, ADMIN, ROOTS, null));
  }

  @Test
  void effectivePrivilege() {
    KmsState s = standard();
    assertEquals(
        Optional.of(new Authorizer.Effective(Privilege.SYS_ADMIN, "")),
        Authorizer.effective(s, ROOT, ROOTS, ""));
    assertEquals(
        Optional.of(new Authorizer.Effective(Privilege.SYS_ADMIN, "")),
        Authorizer.effective(s, SYSADMIN, ROOTS, "e"));
    assertEquals(
        Optional.of(new Authorizer.Effective(Privilege.ADMIN, "")),
        Authorizer.effective(s, ADMIN, ROOTS, "e"));
    assertEquals(
        Optional.of(new Authorizer.Effective(Privilege.USER, "p")),
        Authorizer.effective(s, USER, ROOTS, "e"));
    assertEquals(Optional.empty(), Authorizer.effective(s, ADMIN, ROOTS, "other"));
    assertEquals(Optional.empty(), Authorizer.effective(s, ADMIN, ROOTS, ""));
    assertEquals(Optional.empty(), Authorizer.effective(s, STRANGER, ROOTS, "e"));
  }

  /** Issue 13, "LIST ignores per-name policy": a User's list is filtered name by name. */
  @Test
  void listFilterAppliesTheUsersPolicyToEachName() {
    KmsState s =
        standard()
            .apply(
                new Change.CreatePolicy(
                    "e",
                    policy(
                        "lister",
                        Map.of("KEY:LIST", List.of("*")),
                        Map.of("KEY:LIST", List.of("secret*")))))
            .apply(new Change.AssignPolicy("e", USER2, "lister"));
    allowed(s, USER2, "e", Command.KEY_LIST, "");
    allowed(s, USER2, "e", Command.KEY_LIST, "s");
    var filter = Authorizer.listFilter(s, USER2, ROOTS, "e", Command.KEY_LIST);
    assertFalse(filter.test("secret-1"));
    assertTrue(filter.test("public-1"));
    assertTrue(filter.test("s"));
    // KEY:GENERATE on app-* does not let USER list anything
    assertFalse(Authorizer.listFilter(s, USER, ROOTS, "e", Command.KEY_LIST).test("app-1"));
    // Admins and SysAdmins see everything; strangers nothing
    assertTrue(Authorizer.listFilter(s, ADMIN, ROOTS, "e", Command.KEY_LIST).test("secret-1"));
    assertTrue(Authorizer.listFilter(s, ROOT, ROOTS, "e", Command.KEY_LIST).test("secret-1"));
    assertFalse(Authorizer.listFilter(s, STRANGER, ROOTS, "e", Command.KEY_LIST).test("public-1"));
  }
}
