package io.openkms.http.server;

import static io.openkms.http.server.ApiAssertions.assertKmsError;
import static org.junit.jupiter.api.Assertions.assertEquals;

import io.openkms.http.client.KmsClient;
import io.openkms.http.proto.AssignPolicyRequest;
import io.openkms.http.proto.CreateEnclaveRequest;
import io.openkms.http.proto.CreateIdentityRequest;
import io.openkms.http.proto.CreateKeyRequest;
import io.openkms.http.proto.CreatePolicyRequest;
import io.openkms.http.proto.DecryptRequest;
import io.openkms.http.proto.DeleteKeyRequest;
import io.openkms.http.proto.EncryptRequest;
import io.openkms.http.proto.EncryptResponse;
import io.openkms.http.proto.GenerateKeyRequest;
import io.openkms.http.proto.IdentityResponse;
import io.openkms.http.proto.KeyStatusRequest;
import io.openkms.http.proto.KeyStatusResponse;
import io.openkms.http.proto.ListRequest;
import io.openkms.http.proto.PolicyStatusResponse;
import io.openkms.http.proto.Rule;
import io.openkms.http.proto.RuleSet;
import io.openkms.kms.crypto.ApiKey;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Issue 13, three rows of the security review, through the endpoint:
 *
 * <ul>
 *   <li>"LIST ignores per-name policy": a User with {@code allow KEY:LIST *} and {@code deny
 *       KEY:LIST secret*} must not see {@code secret-1} for the prefixes {@code ""} or {@code s}
 *       (before: listed);
 *   <li>"identity oracle across enclaves": an enclave Admin creating {@code h1:X} gets the same
 *       answer whether X exists in another enclave, as a SysAdmin, or nowhere (before: 409 / 200),
 *       and cannot block the SysAdmin (before: the SysAdmin's create was 409);
 *   <li>"version numbers wrap": {@code DeleteKey{version: 2^32+2}} is 400 and deletes nothing
 *       (before: it deleted version 2).
 * </ul>
 */
class KmsApiTenantIsolationTest {

  private static TestKmsServer server;
  private static KmsClient root;

  @BeforeAll
  static void start() throws Exception {
    server = TestKmsServer.start();
    root = server.root();
    for (String e : List.of("ea", "eb")) {
      root.createEnclave(CreateEnclaveRequest.newBuilder().setName(e).build());
    }
  }

  @AfterAll
  static void stop() {
    server.close();
  }

  private static ApiKey identity(KmsClient creator, String enclave, String privilege) {
    ApiKey key = ApiKey.generate();
    create(creator, enclave, key, privilege);
    return key;
  }

  private static void create(KmsClient creator, String enclave, ApiKey key, String privilege) {
    creator.createIdentity(
        enclave,
        CreateIdentityRequest.newBuilder()
            .setIdentity(key.identity().toString())
            .setPrivilege(privilege)
            .build());
  }

  private static RuleSet rules(String... patterns) {
    RuleSet.Builder rules = RuleSet.newBuilder();
    for (String p : patterns) {
      rules.putRules(p, Rule.getDefaultInstance());
    }
    return rules.build();
  }

  private static List<String> keyNames(KmsClient c, String enclave, String prefix) {
    return c
        .listKeys(enclave, ListRequest.newBuilder().setPrefix(prefix).build())
        .getKeysList()
        .stream()
        .map(KeyStatusResponse::getName)
        .toList();
  }

  @Test
  void listResultsAreFilteredNameByNameThroughTheUsersPolicy() {
    root.createEnclave(CreateEnclaveRequest.newBuilder().setName("el").build());
    for (String k : List.of("public-1", "secret-1", "secret-2", "shared")) {
      root.createKey("el", CreateKeyRequest.newBuilder().setName(k).build());
    }
    root.createPolicy(
        "el",
        CreatePolicyRequest.newBuilder()
            .setName("lister")
            .putAllow("KEY:LIST", rules("*"))
            .putDeny("KEY:LIST", rules("secret*"))
            .putAllow("POLICY:LIST", rules("l*"))
            .build());
    root.createPolicy(
        "el",
        CreatePolicyRequest.newBuilder()
            .setName("hidden-policy")
            .putAllow("KEY:STATUS", rules("*"))
            .build());
    ApiKey userKey = identity(root, "el", "User");
    root.assignPolicy(
        "el",
        AssignPolicyRequest.newBuilder()
            .setIdentity(userKey.identity().toString())
            .setPolicy("lister")
            .build());
    KmsClient user = server.client(userKey);

    assertEquals(List.of("public-1", "shared"), keyNames(user, "el", ""));
    assertEquals(List.of("shared"), keyNames(user, "el", "s"));
    assertKmsError(
        403, "access denied: insufficient permissions", () -> keyNames(user, "el", "secret"));
    // a page is full of visible names, and never continues at a hidden one
    var page = user.listKeys("el", ListRequest.newBuilder().setLimit(1).build());
    assertEquals("public-1 shared", page.getKeys(0).getName() + " " + page.getContinueAt());
    // policies: only the names the User's POLICY:LIST patterns allow
    assertEquals(
        List.of("lister"),
        user.listPolicies("el", ListRequest.getDefaultInstance()).getPoliciesList().stream()
            .map(PolicyStatusResponse::getName)
            .toList());
    // the Admin and the SysAdmin see everything
    assertEquals(List.of("public-1", "secret-1", "secret-2", "shared"), keyNames(root, "el", ""));
  }

  @Test
  void anEnclaveAdminLearnsNothingAboutOtherScopesAndCannotBlockTheSysAdmin() {
    KmsClient adminB = server.client(identity(root, "eb", "Admin"));
    ApiKey inA = identity(root, "ea", "User");
    ApiKey sysAdmin = identity(root, "", "SysAdmin");
    ApiKey nowhere = ApiKey.generate();
    // Same answer (success) whether X lives in another enclave, is a SysAdmin, or is unknown.
    for (ApiKey x : List.of(inA, sysAdmin, nowhere, server.rootKey())) {
      create(adminB, "eb", x, "User");
    }
    // Only X's existence in the Admin's own enclave decides: 409 there.
    assertKmsError(409, "identity already exists", () -> create(adminB, "eb", inA, "User"));

    // Squatting does not block the SysAdmin, and does not demote anyone.
    ApiKey squatted = identity(adminB, "eb", "User");
    create(root, "", squatted, "SysAdmin");
    KmsClient promoted = server.client(squatted);
    promoted.createKey("ea", CreateKeyRequest.newBuilder().setName("by-promoted").build());
    IdentityResponse self =
        promoted.identityStatus("eb", io.openkms.http.proto.IdentityRequest.getDefaultInstance());
    assertEquals(1, self.getPrivilege()); // resolved as the SysAdmin, not the eb User entry
    server.client(sysAdmin).createKey("eb", CreateKeyRequest.newBuilder().setName("sa").build());
    // inA is a User in ea and a User in eb: each enclave's own entry decides there.
    KmsClient a = server.client(inA);
    assertEquals(
        3,
        a.identityStatus("ea", io.openkms.http.proto.IdentityRequest.getDefaultInstance())
            .getPrivilege());
    assertKmsError(
        403,
        "access denied: insufficient permissions",
        () -> a.createKey("eb", CreateKeyRequest.newBuilder().setName("x").build()));
  }

  @Test
  void versionNumbersAboveUint32AreRejectedNotWrapped() {
    root.createKey("ea", CreateKeyRequest.newBuilder().setName("wrap").build());
    root.createKey("ea", CreateKeyRequest.newBuilder().setName("wrap").setAddVersion(true).build());
    root.createKey("ea", CreateKeyRequest.newBuilder().setName("wrap").setAddVersion(true).build());
    long wrapsToTwo = (1L << 32) + 2;
    String outOfRange = "kms: invalid key version 4294967298: out of range (0 to 4294967295)";
    assertKmsError(
        400,
        outOfRange,
        () ->
            root.deleteKey(
                "ea",
                DeleteKeyRequest.newBuilder().setName("wrap").setVersion(wrapsToTwo).build()));
    assertEquals(
        2,
        root.keyStatus("ea", KeyStatusRequest.newBuilder().setName("wrap").setVersion(2).build())
            .getVersion()); // version 2 still there
    assertKmsError(
        400,
        outOfRange,
        () ->
            root.keyStatus(
                "ea",
                KeyStatusRequest.newBuilder().setName("wrap").setVersion(wrapsToTwo).build()));
    assertKmsError(
        400,
        outOfRange,
        () ->
            root.encrypt(
                "ea", EncryptRequest.newBuilder().setName("wrap").setVersion(wrapsToTwo).build()));
    EncryptResponse ct =
        root.encrypt("ea", EncryptRequest.newBuilder().setName("wrap").setVersion(2).build());
    assertKmsError(
        400,
        outOfRange,
        () ->
            root.decrypt(
                "ea",
                DecryptRequest.newBuilder()
                    .setName("wrap")
                    .setVersion(wrapsToTwo)
                    .setCiphertext(ct.getCiphertext())
                    .build()));
    assertKmsError(
        400,
        "kms: invalid key version 18446744073709551615: out of range (0 to" + " 4294967295)",
        () ->
            root.keyStatus(
                "ea", KeyStatusRequest.newBuilder().setName("wrap").setVersion(-1L).build()));
    // a valid uint32 no key can have: 404, as any missing version
    assertKmsError(
        404,
        "key does not exist",
        () ->
            root.deleteKey(
                "ea",
                DeleteKeyRequest.newBuilder().setName("wrap").setVersion(0xFFFF_FFFFL).build()));
    // the data key length wraps no more either: 2^32 + 5 is not 5
    assertKmsError(
        400,
        "kms: invalid data key length 4294967301: at most 1024 bytes",
        () ->
            root.generateKey(
                "ea",
                GenerateKeyRequest.newBuilder().setName("wrap").setLength((1L << 32) + 5).build()));
    assertEquals(
        3,
        root.keyStatus("ea", KeyStatusRequest.newBuilder().setName("wrap").build()).getVersion());
  }
}
