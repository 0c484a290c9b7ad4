package io.openkms.kms.domain;

import static io.openkms.kms.domain.Fixtures.ADMIN;
import static io.openkms.kms.domain.Fixtures.OTHER_ADMIN;
import static io.openkms.kms.domain.Fixtures.ROOT;
import static io.openkms.kms.domain.Fixtures.SA;
import static io.openkms.kms.domain.Fixtures.SA2;
import static io.openkms.kms.domain.Fixtures.STRANGER;
import static io.openkms.kms.domain.Fixtures.SYSADMIN;
import static io.openkms.kms.domain.Fixtures.T0;
import static io.openkms.kms.domain.Fixtures.T1;
import static io.openkms.kms.domain.Fixtures.USER;
import static io.openkms.kms.domain.Fixtures.USER2;
import static io.openkms.kms.domain.Fixtures.entry;
import static io.openkms.kms.domain.Fixtures.policy;
import static io.openkms.kms.domain.Fixtures.standard;
import static io.openkms.kms.domain.Fixtures.version;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.openkms.kms.crypto.Identity;
import io.openkms.kms.crypto.KeyType;
import io.openkms.kms.crypto.KeyVersion;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;

/** {@link KmsState#apply(Change)} for every change and every error, and the read helpers. */
class KmsStateTest {

  private static void assertRejected(int status, String message, KmsState s, Change c) {
    long before = s.commitIndex();
    KmsException e = assertThrows(KmsException.class, () -> s.apply(c));
    assertEquals(status, e.status(), e.message());
    assertEquals(message, e.message());
    assertEquals(before, s.commitIndex());
  }

  @Test
  void emptyState() {
    KmsState s = KmsState.empty();
    assertTrue(s.enclaves().isEmpty());
    assertTrue(s.sysAdmins().isEmpty());
    assertFalse(s.membership().initialized());
    assertEquals(0, s.commitIndex());
  }

  @Test
  void everyAppliedChangeAdvancesTheCommitIndexByOne() {
    KmsState s = standard();
    assertEquals(11, s.commitIndex());
    KmsState next = s.apply(new Change.DeleteKey("e", "k"));
    assertEquals(12, next.commitIndex());
    assertEquals(11, s.commitIndex());
    assertTrue(s.enclave("e").key("k").isPresent(), "the old state is unchanged");
  }

  @Test
  void aNewKeySharesTheOtherKeysWithThePreviousState() {
    KmsState s = standard();
    EnclaveState before = s.enclaves().values().iterator().next();
    KeyEntry someKey = before.keys().values().iterator().next();
    EnclaveState after =
        before.withKey(
            new KeyEntry("zz-new", someKey.ring(), someKey.createdAt(), someKey.createdBy()));
    // persistent maps: the state is not copied, and the old state is unchanged
    assertTrue(EnclaveState.copy(after.keys()) == after.keys());
    assertEquals(before.keys().size() + 1, after.keys().size());
    assertFalse(before.keys().containsKey("zz-new"));
    assertTrue(after.keys().get(someKey.name()) == someKey);
    assertThrows(UnsupportedOperationException.class, () -> after.keys().remove("zz-new"));
    assertEquals(new TreeMap<>(after.keys()), after.keys());
  }

  @Test
  void sameChangesGiveEqualStates() {
    assertEquals(standard(), standard());
    assertNotEquals(standard(), standard().apply(new Change.DeleteKey("e", "k")));
  }

  @Nested
  class Cluster {
    @Test
    void initCluster() {
      KmsState s = KmsState.empty().apply(new Change.InitCluster("id-1", "a:7373"));
      assertEquals(new Membership("id-1", new TreeMap<>(Map.of(0, "a:7373")), 1), s.membership());
      assertTrue(s.membership().initialized());
      assertRejected(
          409, "kms: cluster already initialized", s, new Change.InitCluster("id-2", "b:7373"));
      assertRejected(
          400,
          "kms: cluster ID must not be empty",
          KmsState.empty(),
          new Change.InitCluster("", "a:7373"));
    }

    @Test
    void addAndRemoveNodesNeverReuseIds() {
      KmsState s =
          KmsState.empty()
              .apply(new Change.InitCluster("id", "a:7373"))
              .apply(new Change.AddNode("b:7373"));
      assertEquals(Map.of(0, "a:7373", 1, "b:7373"), s.membership().nodes());
      assertEquals(2, s.membership().nextNodeId());
      assertEquals(1, s.membership().nodeId("b:7373").getAsInt());
      assertRejected(
          409,
          "kms: node 'b:7373' is already part of the cluster",
          s,
          new Change.AddNode("b:7373"));

      s = s.apply(Change.RemoveNode.of(1)).apply(new Change.AddNode("c:7373"));
      assertEquals(Map.of(0, "a:7373", 2, "c:7373"), s.membership().nodes());
      assertEquals(3, s.membership().nextNodeId());
      assertRejected(404, "kms: node 7 is not part of the cluster", s, Change.RemoveNode.of(7));

      KmsState one = s.apply(Change.RemoveNode.of(0));
      assertEquals(Map.of(2, "c:7373"), one.membership().nodes());
      assertRejected(
          400, "kms: cannot remove the last node of the cluster", one, Change.RemoveNode.of(2));
    }

    @Test
    void membershipChangesNeedACluster() {
      assertRejected(
          400, "kms: cluster is not initialized", KmsState.empty(), new Change.AddNode("a:7373"));
      assertRejected(
          400, "kms: cluster is not initialized", KmsState.empty(), Change.RemoveNode.of(0));
    }
  }

  @Nested
  class Enclaves {
    @Test
    void createAndDelete() {
      KmsState s = KmsState.empty().apply(new Change.CreateEnclave("e", T0, ROOT));
      EnclaveState e = s.enclave("e");
      assertEquals("e", e.name());
      assertEquals(T0, e.createdAt());
      assertEquals(ROOT, e.createdBy());
      assertRejected(409, "enclave already exists", s, new Change.CreateEnclave("e", T1, ROOT));
      assertRejected(
          400,
          "invalid enclave name '..': '.' and '..' are not allowed",
          s,
          new Change.CreateEnclave("..", T0, ROOT));
      assertRejected(
          400,
          "invalid enclave name 'a/b': only A-Z, a-z, 0-9, '.', '_' and '-' are allowed",
          s,
          new Change.CreateEnclave("a/b", T0, ROOT));
      assertEquals(Optional.empty(), s.apply(new Change.DeleteEnclave("e")).findEnclave("e"));
      assertRejected(404, "enclave does not exist", s, new Change.DeleteEnclave("x"));
    }

    @Test
    void deletingAnEnclaveDeletesEverythingInIt() {
      KmsState s = standard().apply(new Change.DeleteEnclave("e"));
      assertEquals(Set.of("other"), s.enclaves().keySet());
      assertEquals(Optional.empty(), s.findIdentity(ADMIN));
      assertEquals(Optional.empty(), s.findIdentity(USER));
      // Its identities can now be created elsewhere, and a new "e" is empty.
      s =
          s.apply(new Change.CreateIdentity("other", entry(ADMIN, Privilege.ADMIN)))
              .apply(new Change.CreateEnclave("e", T1, ROOT));
      assertTrue(s.enclave("e").keys().isEmpty());
      assertTrue(s.enclave("e").identities().isEmpty());
      assertTrue(s.enclave("e").policies().isEmpty());
      assertEquals("other", s.findIdentity(ADMIN).orElseThrow().enclave());
    }
  }

  @Nested
  class Keys {
    @Test
    void createKey() {
      KmsState s = standard();
      KeyEntry k = s.key("e", "k");
      assertEquals("k", k.name());
      assertEquals(version(1), k.ring().latest().orElseThrow());
      assertEquals(version(1).createdAt(), k.createdAt());
      assertEquals(ADMIN, k.createdBy());
      assertRejected(409, "key already exists", s, new Change.CreateKey("e", "k", version(1)));
      assertRejected(404, "enclave does not exist", s, new Change.CreateKey("x", "k2", version(1)));
      assertRejected(
          400,
          "invalid key name '.': '.' and '..' are not allowed",
          s,
          new Change.CreateKey("e", ".", version(1)));
      assertRejected(
          400,
          "kms: invalid key version 2: the next version is 1",
          s,
          new Change.CreateKey("e", "k2", version(2)));
    }

    @Test
    void importKey() {
      KmsState s = standard().apply(new Change.ImportKey("e", "imported", version(1)));
      assertEquals(version(1), s.keyVersion("e", "imported", 0));
      assertRejected(
          409, "key already exists", s, new Change.ImportKey("e", "imported", version(1)));
      assertRejected(409, "key already exists", s, new Change.ImportKey("e", "k", version(1)));
      assertRejected(404, "enclave does not exist", s, new Change.ImportKey("x", "i", version(1)));
      assertRejected(
          400,
          "invalid key name 'a b': only A-Z, a-z, 0-9, '.', '_' and '-' are allowed",
          s,
          new Change.ImportKey("e", "a b", version(1)));
      assertRejected(
          400,
          "kms: invalid key version 3: the next version is 1",
          s,
          new Change.ImportKey("e", "i", version(3)));
    }

    @Test
    void addKeyVersion() {
      KmsState s = standard().apply(new Change.AddKeyVersion("e", "k", version(2)));
      assertEquals(2, s.keyVersion("e", "k", 0).version());
      assertEquals(version(1), s.keyVersion("e", "k", 1));
      assertRejected(
          400,
          "kms: invalid key version 2: the next version is 3",
          s,
          new Change.AddKeyVersion("e", "k", version(2)));
      assertRejected(
          400,
          "kms: invalid key version 4: the next version is 3",
          s,
          new Change.AddKeyVersion("e", "k", version(4)));
      assertRejected(
          404, "key does not exist", s, new Change.AddKeyVersion("e", "nope", version(1)));
      assertRejected(
          404, "enclave does not exist", s, new Change.AddKeyVersion("x", "k", version(3)));
    }

    @Test
    void deleteKeyVersionNeverReusesTheNumber() {
      KmsState s =
          standard()
              .apply(new Change.AddKeyVersion("e", "k", version(2)))
              .apply(new Change.DeleteKeyVersion("e", "k", 2));
      assertEquals(1, s.keyVersion("e", "k", 0).version());
      assertEquals(3, s.key("e", "k").ring().nextVersion());
      assertRejected(
          400,
          "kms: invalid key version 2: the next version is 3",
          s,
          new Change.AddKeyVersion("e", "k", version(2)));
      assertRejected(404, "key does not exist", s, new Change.DeleteKeyVersion("e", "k", 2));
      assertRejected(404, "key does not exist", s, new Change.DeleteKeyVersion("e", "k", 0));
      assertRejected(404, "key does not exist", s, new Change.DeleteKeyVersion("e", "nope", 1));
      assertRejected(404, "enclave does not exist", s, new Change.DeleteKeyVersion("x", "k", 1));
    }

    @Test
    void deletingTheLastVersionDeletesTheKey() {
      KmsState s = standard().apply(new Change.DeleteKeyVersion("e", "k", 1));
      assertEquals(Optional.empty(), s.enclave("e").key("k"));
      assertEquals(
          "key does not exist", assertThrows(KmsException.class, () -> s.key("e", "k")).message());
      // The name is free again and starts over at version 1.
      assertEquals(
          1, s.apply(new Change.CreateKey("e", "k", version(1))).keyVersion("e", "k", 0).version());
    }

    @Test
    void deleteKey() {
      KmsState s = standard().apply(new Change.DeleteKey("e", "k"));
      assertTrue(s.enclave("e").keys().isEmpty());
      assertRejected(404, "key does not exist", s, new Change.DeleteKey("e", "k"));
      assertRejected(404, "enclave does not exist", s, new Change.DeleteKey("x", "k"));
    }
  }

  @Nested
  class Policies {
    @Test
    void createOrOverwrite() {
      KmsState s = standard();
      assertEquals(Set.of("KEY:GENERATE"), s.policy("e", "p").allow().keySet());
      KmsState over =
          s.apply(
              new Change.CreatePolicy("e", policy("p", Map.of("KEY:ENCRYPT", List.of("*")), null)));
      assertEquals(Set.of("KEY:ENCRYPT"), over.policy("e", "p").allow().keySet());
      assertEquals("p", over.identity("e", USER).policy(), "overwriting keeps the assignment");
      assertRejected(
          404, "enclave does not exist", s, new Change.CreatePolicy("x", policy("p", null, null)));
    }

    @Test
    void deleteUnassigns() {
      KmsState s = standard().apply(new Change.DeletePolicy("e", "p"));
      assertEquals(Optional.empty(), s.enclave("e").policy("p"));
      assertEquals("", s.identity("e", USER).policy());
      // Recreating the policy does not re-grant it.
      s =
          s.apply(
              new Change.CreatePolicy(
                  "e", policy("p", Map.of("KEY:GENERATE", List.of("*")), null)));
      assertEquals("", s.identity("e", USER).policy());
      assertRejected(
          404, "policy does not exist", standard(), new Change.DeletePolicy("e", "nope"));
      assertRejected(404, "enclave does not exist", standard(), new Change.DeletePolicy("x", "p"));
    }

    @Test
    void assign() {
      KmsState s = standard().apply(new Change.AssignPolicy("e", USER2, "p"));
      assertEquals("p", s.identity("e", USER2).policy());
      assertEquals(
          "", s.apply(new Change.AssignPolicy("e", USER2, "")).identity("e", USER2).policy());
      assertRejected(404, "enclave does not exist", s, new Change.AssignPolicy("x", USER2, "p"));
      assertRejected(
          404, "identity does not exist", s, new Change.AssignPolicy("e", STRANGER, "p"));
      assertRejected(
          404, "identity does not exist", s, new Change.AssignPolicy("e", OTHER_ADMIN, "p"));
      assertRejected(404, "policy does not exist", s, new Change.AssignPolicy("e", USER2, "nope"));
      assertRejected(
          400,
          "kms: policies can only be assigned to User identities",
          s,
          new Change.AssignPolicy("e", ADMIN, "p"));
      assertRejected(
          400,
          "kms: identity must not be empty",
          s,
          new Change.AssignPolicy("e", Identity.ZERO, "p"));
      KmsState withSa =
          s.apply(
              new Change.CreateIdentity(
                  "e", IdentityEntry.serviceAccount(SA, USER, Privilege.USER, T0, USER, null)));
      assertRejected(
          400,
          "kms: policies cannot be assigned to service accounts",
          withSa,
          new Change.AssignPolicy("e", SA, "p"));
    }
  }

  @Nested
  class Identities {
    @Test
    void createInEnclaveAndCluster() {
      KmsState s = standard();
      assertEquals(Privilege.ADMIN, s.identity("e", ADMIN).privilege());
      assertEquals(ROOT, s.identity("e", ADMIN).createdBy());
      assertEquals(Privilege.SYS_ADMIN, s.identity("", SYSADMIN).privilege());
      assertTrue(s.isSysAdmin(SYSADMIN));
      assertFalse(s.isSysAdmin(ADMIN));
      assertEquals(
          new KmsState.Located("e", s.identity("e", USER)), s.findIdentity(USER).orElseThrow());
      assertEquals("", s.findIdentity(SYSADMIN).orElseThrow().enclave());
      assertEquals(Optional.empty(), s.findIdentity(STRANGER));
    }

    @Test
    void anIdentityExistsOncePerScope() {
      KmsState s = standard();
      assertRejected(
          409,
          "identity already exists",
          s,
          new Change.CreateIdentity("e", entry(USER, Privilege.USER)));
      assertRejected(
          409,
          "identity already exists",
          s,
          new Change.CreateIdentity("", entry(SYSADMIN, Privilege.SYS_ADMIN)));
    }

    /**
     * Issue 13, "identity oracle across enclaves": whether h1:X exists in another enclave or as a
     * cluster SysAdmin decides nothing in enclave "other" (so its Admin learns nothing), and an
     * enclave entry never blocks the SysAdmin.
     */
    @Test
    void existenceOutsideTheScopeNeitherDecidesNorBlocks() {
      KmsState s = standard();
      // USER lives in "e", SYSADMIN among the cluster SysAdmins, STRANGER nowhere: the
      // Admin of "other" gets the same answer (success) for all three.
      for (Identity x : List.of(USER, SYSADMIN, STRANGER)) {
        KmsState after = s.apply(new Change.CreateIdentity("other", entry(x, Privilege.USER)));
        assertEquals(Privilege.USER, after.identity("other", x).privilege());
      }
      // Squatting: an enclave Admin adds X before the SysAdmin does; the SysAdmin still can.
      KmsState squatted =
          s.apply(new Change.CreateIdentity("other", entry(STRANGER, Privilege.ADMIN)));
      KmsState promoted =
          squatted.apply(new Change.CreateIdentity("", entry(STRANGER, Privilege.SYS_ADMIN)));
      assertTrue(promoted.isSysAdmin(STRANGER));
      // and authorization resolves X as SysAdmin everywhere, its enclave entry shadowed
      assertEquals(
          Privilege.SYS_ADMIN,
          Authorizer.effective(promoted, STRANGER, Set.of(ROOT), "other")
              .orElseThrow()
              .privilege());
      assertEquals(
          Privilege.SYS_ADMIN,
          Authorizer.effective(promoted, STRANGER, Set.of(ROOT), "e").orElseThrow().privilege());
      // an identity in two enclaves is resolved by the request's enclave
      KmsState twice = s.apply(new Change.CreateIdentity("other", entry(USER, Privilege.ADMIN)));
      assertEquals(
          Privilege.USER,
          Authorizer.effective(twice, USER, Set.of(ROOT), "e").orElseThrow().privilege());
      assertEquals(
          Privilege.ADMIN,
          Authorizer.effective(twice, USER, Set.of(ROOT), "other").orElseThrow().privilege());
      // deleting it in one enclave leaves the other entry alone
      KmsState deleted = twice.apply(new Change.DeleteIdentity("other", USER));
      assertEquals(Privilege.USER, deleted.identity("e", USER).privilege());
    }

    @Test
    void scopeAndPrivilegeMustAgree() {
      KmsState s = standard();
      assertRejected(
          400,
          "kms: SysAdmin identities do not belong to an enclave",
          s,
          new Change.CreateIdentity("e", entry(STRANGER, Privilege.SYS_ADMIN)));
      assertRejected(
          400,
          "kms: only SysAdmin identities can be created without an enclave",
          s,
          new Change.CreateIdentity("", entry(STRANGER, Privilege.ADMIN)));
      assertRejected(
          404,
          "enclave does not exist",
          s,
          new Change.CreateIdentity("x", entry(STRANGER, Privilege.USER)));
      assertRejected(
          404,
          "policy does not exist",
          s,
          new Change.CreateIdentity(
              "e",
              new IdentityEntry(
                  STRANGER, Privilege.USER, "nope", T0, ROOT, false, Identity.ZERO, null)));
      KmsState withPolicy =
          s.apply(
              new Change.CreateIdentity(
                  "e",
                  new IdentityEntry(
                      STRANGER,
                      Privilege.USER,
                      "p",
                      T0,
                      ROOT,
                      false,
                      Identity.ZERO,
                      new TreeMap<>(Map.of("team", "a")))));
      assertEquals("p", withPolicy.identity("e", STRANGER).policy());
      assertEquals(Map.of("team", "a"), withPolicy.identity("e", STRANGER).tags());
    }

    @Test
    void serviceAccountsLiveWithTheirParent() {
      KmsState s =
          standard()
              .apply(
                  new Change.CreateIdentity(
                      "e",
                      IdentityEntry.serviceAccount(
                          SA, ADMIN, Privilege.ADMIN, T0, ADMIN, Map.of("k", "v"))));
      assertEquals(ADMIN, s.identity("e", SA).parent());
      assertTrue(s.identity("e", SA).serviceAccount());
      assertEquals(List.of(SA), s.serviceAccounts("e", ADMIN));
      assertRejected(
          404,
          "identity does not exist",
          s,
          new Change.CreateIdentity(
              "e", IdentityEntry.serviceAccount(SA2, STRANGER, Privilege.USER, T0, ADMIN, null)));
      assertRejected(
          404,
          "identity does not exist",
          s,
          new Change.CreateIdentity(
              "other", IdentityEntry.serviceAccount(SA2, ADMIN, Privilege.ADMIN, T0, ADMIN, null)));
      // A cluster service account may have a configured root identity as parent (not part
      // of the state; only SysAdmins reach the cluster scope, Changes makes the caller the
      // parent), even when an enclave Admin gave ROOT an entry in its enclave.
      KmsState squatted = s.apply(new Change.CreateIdentity("e", entry(ROOT, Privilege.USER)));
      KmsState root =
          squatted.apply(
              new Change.CreateIdentity(
                  "",
                  IdentityEntry.serviceAccount(SA2, ROOT, Privilege.SYS_ADMIN, T0, ROOT, null)));
      assertEquals(List.of(SA2), root.serviceAccounts("", ROOT));
    }

    @Test
    void deleteRemovesServiceAccountsRecursively() {
      KmsState s =
          standard()
              .apply(
                  new Change.CreateIdentity(
                      "e", IdentityEntry.serviceAccount(SA, USER, Privilege.USER, T0, USER, null)))
              .apply(
                  new Change.CreateIdentity(
                      "e", IdentityEntry.serviceAccount(SA2, SA, Privilege.USER, T0, SA, null)))
              .apply(new Change.DeleteIdentity("e", USER));
      assertEquals(
          Set.of(ADMIN.toString(), USER2.toString()), s.enclave("e").identities().keySet());
      assertRejected(404, "identity does not exist", s, new Change.DeleteIdentity("e", USER));
      assertRejected(
          404, "identity does not exist", s, new Change.DeleteIdentity("e", OTHER_ADMIN));
      assertRejected(404, "enclave does not exist", s, new Change.DeleteIdentity("x", ADMIN));
    }

    @Test
    void deleteClusterSysAdmin() {
      KmsState s =
          standard()
              .apply(
                  new Change.CreateIdentity(
                      "",
                      IdentityEntry.serviceAccount(
                          SA, SYSADMIN, Privilege.SYS_ADMIN, T0, SYSADMIN, null)))
              .apply(new Change.DeleteIdentity("", SYSADMIN));
      assertTrue(s.sysAdmins().isEmpty());
      assertRejected(404, "identity does not exist", s, new Change.DeleteIdentity("", SYSADMIN));
      assertRejected(404, "identity does not exist", s, new Change.DeleteIdentity("", ADMIN));
    }

    @Test
    void entryValidation() {
      assertEquals(
          "kms: identity must not be empty",
          assertThrows(KmsException.class, () -> entry(Identity.ZERO, Privilege.USER)).message());
      assertEquals(
          "kms: policies can only be assigned to User identities",
          assertThrows(
                  KmsException.class,
                  () ->
                      new IdentityEntry(
                          USER, Privilege.ADMIN, "p", T0, ROOT, false, Identity.ZERO, null))
              .message());
      assertEquals(
          "kms: policies cannot be assigned to service accounts",
          assertThrows(
                  KmsException.class,
                  () -> new IdentityEntry(SA, Privilege.USER, "p", T0, ROOT, true, USER, null))
              .message());
      assertEquals(
          "kms: a service account needs a parent identity",
          assertThrows(
                  KmsException.class,
                  () ->
                      new IdentityEntry(
                          SA, Privilege.USER, "", T0, ROOT, true, Identity.ZERO, null))
              .message());
      assertEquals(
          "kms: only service accounts have a parent identity",
          assertThrows(
                  KmsException.class,
                  () -> new IdentityEntry(SA, Privilege.USER, "", T0, ROOT, false, USER, null))
              .message());
      assertEquals(
          "kms: a service account cannot be its own parent",
          assertThrows(
                  KmsException.class,
                  () -> new IdentityEntry(SA, Privilege.USER, "", T0, ROOT, true, SA, null))
              .message());
    }
  }

  @Test
  void readHelpersThrowTheSpecErrors() {
    KmsState s = standard();
    assertEquals(
        "enclave does not exist", assertThrows(KmsException.class, () -> s.enclave("x")).message());
    assertEquals(404, assertThrows(KmsException.class, () -> s.enclave("x")).status());
    assertEquals(
        "key does not exist", assertThrows(KmsException.class, () -> s.key("e", "x")).message());
    assertEquals(
        "enclave does not exist",
        assertThrows(KmsException.class, () -> s.key("x", "k")).message());
    assertEquals(
        "key does not exist",
        assertThrows(KmsException.class, () -> s.keyVersion("e", "k", 2)).message());
    assertEquals(
        "policy does not exist",
        assertThrows(KmsException.class, () -> s.policy("e", "x")).message());
    assertEquals(
        "identity does not exist",
        assertThrows(KmsException.class, () -> s.identity("e", STRANGER)).message());
    assertEquals(
        "identity does not exist",
        assertThrows(KmsException.class, () -> s.identity("", ADMIN)).message());
    assertEquals(KeyType.AES256, s.keyVersion("e", "k", 0).type());
    KeyVersion v = s.keyVersion("e", "k", 1);
    assertEquals(1, v.version());
  }

  @Test
  void stateMapsAreUnmodifiable() {
    KmsState s = standard();
    assertThrows(UnsupportedOperationException.class, () -> s.enclaves().clear());
    assertThrows(UnsupportedOperationException.class, () -> s.sysAdmins().clear());
    assertThrows(UnsupportedOperationException.class, () -> s.enclave("e").keys().clear());
    assertThrows(UnsupportedOperationException.class, () -> s.enclave("e").identities().clear());
    assertThrows(UnsupportedOperationException.class, () -> s.membership().nodes().clear());
  }
}
