package io.openkms.http.server;

import static io.openkms.http.server.ApiAssertions.assertKmsError;
import static org.junit.jupiter.api.Assertions.assertEquals;

import io.openkms.http.client.KmsClient;
import io.openkms.http.proto.AssignPolicyRequest;
import io.openkms.http.proto.CreateEnclaveRequest;
import io.openkms.http.proto.CreateIdentityRequest;
import io.openkms.http.proto.CreateKeyRequest;
import io.openkms.http.proto.CreatePolicyRequest;
import io.openkms.http.proto.DeleteEnclaveRequest;
import io.openkms.http.proto.DeleteIdentityRequest;
import io.openkms.http.proto.DeletePolicyRequest;
import io.openkms.http.proto.EncryptRequest;
import io.openkms.http.proto.GenerateKeyRequest;
import io.openkms.http.proto.IdentityRequest;
import io.openkms.http.proto.IdentityResponse;
import io.openkms.http.proto.KeyStatusRequest;
import io.openkms.http.proto.ListRequest;
import io.openkms.http.proto.Rule;
import io.openkms.http.proto.RuleSet;
import io.openkms.kms.crypto.ApiKey;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;

/**
 * Who may do what, through the endpoint (docs/PROTOCOL.md §2.4, CONTRACTS {@code Authorizer}): User
 * identities get what their assigned policy allows and nothing more; a deleted policy stops
 * granting at once and a re-created one grants nothing until it is assigned again; an Admin is
 * confined to its enclave and refused SysAdmin commands; unknown identities get 403; a service
 * account has its parent's rights and disappears with it.
 */
class KmsApiAuthorizationTest {

  private static final String DENIED = "access denied: insufficient permissions";

  private static TestKmsServer server;
  private static KmsClient root;

  @BeforeAll
  static void start() throws Exception {
    server = TestKmsServer.start();
    root = server.root();
    for (String e : List.of("ea", "eb")) {
      root.createEnclave(CreateEnclaveRequest.newBuilder().setName(e).build());
      for (String k : List.of("app-1", "other")) {
        root.createKey(e, CreateKeyRequest.newBuilder().setName(k).build());
      }
    }
  }

  @AfterAll
  static void stop() {
    server.close();
  }

  private static void denied(Executable call) {
    assertKmsError(403, DENIED, call);
  }

  private static ApiKey identity(KmsClient creator, String enclave, String privilege) {
    ApiKey key = ApiKey.generate();
    creator.createIdentity(
        enclave,
        CreateIdentityRequest.newBuilder()
            .setIdentity(key.identity().toString())
            .setPrivilege(privilege)
            .build());
    return key;
  }

  private static ApiKey serviceAccount(KmsClient creator, String enclave) {
    ApiKey key = ApiKey.generate();
    creator.createIdentity(
        enclave,
        CreateIdentityRequest.newBuilder()
            .setIdentity(key.identity().toString())
            .setIsServiceAccount(true)
            .build());
    return key;
  }

  private static CreatePolicyRequest policy(String name, String cmd, String... patterns) {
    RuleSet.Builder rules = RuleSet.newBuilder();
    for (String p : patterns) {
      rules.putRules(p, Rule.getDefaultInstance());
    }
    return CreatePolicyRequest.newBuilder().setName(name).putAllow(cmd, rules.build()).build();
  }

  private static int generate(KmsClient c, String enclave, String key) {
    return c.generateKey(enclave, GenerateKeyRequest.newBuilder().setName(key).build())
        .getVersion();
  }

  private static void assign(String enclave, ApiKey who, String policy) {
    root.assignPolicy(
        enclave,
        AssignPolicyRequest.newBuilder()
            .setIdentity(who.identity().toString())
            .setPolicy(policy)
            .build());
  }

  /**
   * Issue 13 (edge trial, F5): on {@code /v1/kms} the caller's privilege is decided before its body
   * is read. A caller that holds no privilege in the URL's enclave gets 403 whatever it sends (it
   * used to get 413 for an oversized body and 400 for broken framing, learning how the body is
   * checked); an identity of the enclave still gets the body's 413 and 400.
   */
  @Test
  void aCallerWithoutPrivilegeIsRefusedBeforeItsBodyIsRead() throws Exception {
    byte[] tooLarge = new byte[KmsApi.MAX_BODY_BYTES + 1];
    byte[] brokenFraming = ApiAssertions.hex("ff");
    ApiKey stranger = ApiKey.generate();
    ApiKey adminOfEa = identity(root, "ea", "Admin");
    for (java.net.http.HttpClient.Version version :
        List.of(
            java.net.http.HttpClient.Version.HTTP_1_1, java.net.http.HttpClient.Version.HTTP_2)) {
      java.net.http.HttpClient strangerHttp = server.raw(stranger, version, null);
      java.net.http.HttpClient adminHttp = server.raw(adminOfEa, version, null);
      for (String path : List.of("/v1/kms", "/v1/kms/ea", "/v1/kms/no-such-enclave")) {
        for (byte[] body : List.of(tooLarge, brokenFraming)) {
          ApiAssertions.assertJsonError(403, DENIED, server.post(strangerHttp, path, body));
        }
      }
      // an Admin of ea holds nothing in eb, nor cluster-wide
      for (String path : List.of("/v1/kms", "/v1/kms/eb")) {
        ApiAssertions.assertJsonError(403, DENIED, server.post(adminHttp, path, tooLarge));
      }
      ApiAssertions.assertJsonError(
          413,
          "request body too large: at most " + KmsApi.MAX_BODY_BYTES + " bytes",
          server.post(adminHttp, "/v1/kms/ea", tooLarge));
      assertEquals(400, server.post(adminHttp, "/v1/kms/ea", brokenFraming).statusCode());
    }
  }

  @Test
  void aUserGetsExactlyWhatItsPolicyAllowsUntilThePolicyIsDeleted() {
    root.createPolicy("ea", policy("gen", "KEY:GENERATE", "app-*"));
    ApiKey userKey = identity(root, "ea", "User");
    KmsClient user = server.client(userKey);
    denied(() -> generate(user, "ea", "app-1")); // no policy assigned yet
    assign("ea", userKey, "gen");

    assertEquals(1, generate(user, "ea", "app-1"));
    denied(() -> generate(user, "ea", "other"));
    denied(() -> user.createKey("ea", CreateKeyRequest.newBuilder().setName("app-2").build()));
    denied(() -> user.encrypt("ea", EncryptRequest.newBuilder().setName("app-1").build()));
    denied(() -> user.keyStatus("ea", KeyStatusRequest.newBuilder().setName("app-1").build()));
    denied(() -> generate(user, "eb", "app-1")); // not an identity of eb

    root.deletePolicy("ea", DeletePolicyRequest.newBuilder().setName("gen").build());
    denied(() -> generate(user, "ea", "app-1"));
    IdentityResponse me = user.identityStatus("ea", IdentityRequest.getDefaultInstance());
    assertEquals(
        userKey.identity() + " 3 ''",
        me.getIdentity() + " " + me.getPrivilege() + " '" + me.getPolicy() + "'");

    root.createPolicy("ea", policy("gen", "KEY:GENERATE", "app-*"));
    denied(() -> generate(user, "ea", "app-1"));
    assign("ea", userKey, "gen");
    assertEquals(1, generate(user, "ea", "app-1"));
  }

  @Test
  void anAdminIsConfinedToItsEnclaveAndRefusedSysAdminCommands() {
    ApiKey adminKey = identity(root, "ea", "Admin");
    KmsClient admin = server.client(adminKey);
    admin.createKey("ea", CreateKeyRequest.newBuilder().setName("by-admin").build());
    assertEquals(1, generate(admin, "ea", "by-admin"));
    admin.createPolicy("ea", policy("admin-made", "KEY:STATUS", "*"));

    denied(() -> admin.keyStatus("eb", KeyStatusRequest.newBuilder().setName("app-1").build()));
    denied(() -> admin.createKey("eb", CreateKeyRequest.newBuilder().setName("x").build()));
    denied(
        () ->
            admin.keyStatus(
                "no-such-enclave", KeyStatusRequest.newBuilder().setName("app-1").build()));

    denied(() -> admin.createEnclave(CreateEnclaveRequest.newBuilder().setName("mine").build()));
    denied(() -> admin.deleteEnclave(DeleteEnclaveRequest.newBuilder().setName("eb").build()));
    denied(() -> admin.listEnclaves(ListRequest.getDefaultInstance()));
    denied(admin::clusterStatus);
    denied(() -> identity(admin, "ea", "SysAdmin"));
    denied(() -> identity(admin, "", "SysAdmin"));
  }

  @Test
  void clusterSysAdminsAndTheirServiceAccountsMayDoEverythingUntilDeleted() {
    ApiKey sysKey = identity(root, "", "SysAdmin");
    KmsClient sys = server.client(sysKey);
    sys.createEnclave(CreateEnclaveRequest.newBuilder().setName("by-sysadmin").build());
    assertEquals(1, sys.clusterStatus().getNodesUpCount());
    sys.createKey("eb", CreateKeyRequest.newBuilder().setName("by-sysadmin").build());
    ApiKey saKey = serviceAccount(sys, "");
    KmsClient sa = server.client(saKey);
    assertEquals(1, sa.clusterStatus().getNodesUpCount());
    assertEquals(1, generate(sa, "eb", "by-sysadmin"));
    assertEquals(
        List.of(sysKey.identity().toString(), saKey.identity().toString()).stream()
            .sorted()
            .toList(),
        root.listIdentities("", ListRequest.getDefaultInstance()).getIdentitiesList().stream()
            .map(IdentityResponse::getIdentity)
            .toList());
    // A SysAdmin identity does not belong to an enclave: created through an enclave's URL, it
    // is a cluster SysAdmin (CONTRACTS Changes.createIdentity).
    ApiKey viaEnclave = identity(root, "ea", "SysAdmin");
    assertEquals(
        1,
        root.identityStatus(
                "",
                IdentityRequest.newBuilder().setIdentity(viaEnclave.identity().toString()).build())
            .getPrivilege());
    assertEquals(
        false,
        root.listIdentities("ea", ListRequest.getDefaultInstance()).getIdentitiesList().stream()
            .anyMatch(i -> i.getIdentity().equals(viaEnclave.identity().toString())));

    root.deleteIdentity(
        "", DeleteIdentityRequest.newBuilder().setIdentity(sysKey.identity().toString()).build());
    denied(sys::clusterStatus);
    denied(sa::clusterStatus);
    denied(() -> generate(sa, "eb", "by-sysadmin"));
  }

  @Test
  void anUnknownIdentityIsDenied() {
    KmsClient stranger = server.client(ApiKey.generate());
    denied(() -> stranger.keyStatus("ea", KeyStatusRequest.newBuilder().setName("app-1").build()));
    denied(() -> generate(stranger, "ea", "app-1"));
    denied(
        () ->
            stranger.keyStatus(
                "no-such-enclave", KeyStatusRequest.newBuilder().setName("app-1").build()));
    denied(stranger::clusterStatus);
    denied(() -> stranger.createEnclave(CreateEnclaveRequest.newBuilder().setName("s").build()));
    denied(() -> stranger.identityStatus("ea", IdentityRequest.getDefaultInstance()));
  }

  @Test
  void aServiceAccountHasItsParentsRightsAndIsDeletedWithIt() {
    ApiKey adminKey = identity(root, "ea", "Admin");
    KmsClient admin = server.client(adminKey);
    ApiKey saKey = serviceAccount(admin, "ea");
    KmsClient sa = server.client(saKey);
    sa.createKey("ea", CreateKeyRequest.newBuilder().setName("by-sa").build());
    denied(() -> sa.keyStatus("eb", KeyStatusRequest.newBuilder().setName("app-1").build()));
    denied(sa::clusterStatus);
    IdentityResponse saStatus =
        root.identityStatus(
            "ea", IdentityRequest.newBuilder().setIdentity(saKey.identity().toString()).build());
    assertEquals(
        "2 true " + adminKey.identity(),
        saStatus.getPrivilege()
            + " "
            + saStatus.getIsServiceAccount()
            + " "
            + saStatus.getCreatedBy());
    assertEquals(
        List.of(saKey.identity().toString()),
        root.identityStatus(
                "ea",
                IdentityRequest.newBuilder().setIdentity(adminKey.identity().toString()).build())
            .getServiceAccountsList());

    root.deleteIdentity(
        "ea",
        DeleteIdentityRequest.newBuilder().setIdentity(adminKey.identity().toString()).build());
    denied(() -> sa.keyStatus("ea", KeyStatusRequest.newBuilder().setName("by-sa").build()));
    denied(() -> admin.keyStatus("ea", KeyStatusRequest.newBuilder().setName("by-sa").build()));
    assertKmsError(
        404,
        "identity does not exist",
        () ->
            root.identityStatus(
                "ea",
                IdentityRequest.newBuilder().setIdentity(saKey.identity().toString()).build()));
  }

  @Test
  void aUsersServiceAccountInheritsThePolicyAndGoesWithTheUser() {
    CreatePolicyRequest p =
        policy("svc", "KEY:GENERATE", "app-*").toBuilder()
            .putAllow(
                "IDENTITY:CREATE",
                RuleSet.newBuilder().putRules("*", Rule.getDefaultInstance()).build())
            .build();
    root.createPolicy("ea", p);
    ApiKey userKey = identity(root, "ea", "User");
    assign("ea", userKey, "svc");
    KmsClient user = server.client(userKey);
    ApiKey saKey = serviceAccount(user, "ea");
    KmsClient sa = server.client(saKey);

    assertEquals(1, generate(sa, "ea", "app-1"));
    denied(() -> generate(sa, "ea", "other"));
    denied(() -> sa.createKey("ea", CreateKeyRequest.newBuilder().setName("app-9").build()));
    // A User cannot mint an Admin through IDENTITY:CREATE.
    denied(() -> identity(user, "ea", "Admin"));

    root.deleteIdentity(
        "ea",
        DeleteIdentityRequest.newBuilder().setIdentity(userKey.identity().toString()).build());
    denied(() -> generate(sa, "ea", "app-1"));
    assertKmsError(
        404,
        "identity does not exist",
        () ->
            root.identityStatus(
                "ea",
                IdentityRequest.newBuilder().setIdentity(saKey.identity().toString()).build()));
  }

  /**
   * An enclave's Admin, or a User allowed IDENTITY:DELETE, reaches only identities of its own
   * enclave and never removes more privilege than it holds (found by an attack run: a cluster
   * SysAdmin could be deleted and read through /v1/kms/ea).
   */
  @Test
  void identityCommandsStayInsideTheEnclaveAndBelowTheCallersPrivilege() {
    ApiKey sysAdmin = ApiKey.generate();
    root.createIdentity(
        "",
        CreateIdentityRequest.newBuilder()
            .setIdentity(sysAdmin.identity().toString())
            .setPrivilege("SysAdmin")
            .build());
    KmsClient admin = server.client(identity(root, "ea", "Admin"));
    String sa = sysAdmin.identity().toString();

    assertKmsError(
        404,
        "identity does not exist",
        () ->
            admin.deleteIdentity("ea", DeleteIdentityRequest.newBuilder().setIdentity(sa).build()));
    assertKmsError(
        404,
        "identity does not exist",
        () -> admin.identityStatus("ea", IdentityRequest.newBuilder().setIdentity(sa).build()));
    assertKmsError(
        404,
        "identity does not exist",
        () ->
            admin.identityStatus(
                "ea",
                IdentityRequest.newBuilder()
                    .setIdentity(server.rootApiKey().identity().toString())
                    .build()));
    // The SysAdmin is still there for root.
    assertEquals(
        sa,
        root.identityStatus("", IdentityRequest.newBuilder().setIdentity(sa).build())
            .getIdentity());

    ApiKey otherAdmin = identity(root, "ea", "Admin");
    ApiKey user = identity(admin, "ea", "User");
    admin.createPolicy("ea", policy("may-delete", "IDENTITY:DELETE", "*"));
    admin.assignPolicy(
        "ea",
        AssignPolicyRequest.newBuilder()
            .setIdentity(user.identity().toString())
            .setPolicy("may-delete")
            .build());
    KmsClient userClient = server.client(user);
    denied(
        () ->
            userClient.deleteIdentity(
                "ea",
                DeleteIdentityRequest.newBuilder()
                    .setIdentity(otherAdmin.identity().toString())
                    .build()));
    // An Admin may remove another Admin of its enclave.
    admin.deleteIdentity(
        "ea",
        DeleteIdentityRequest.newBuilder().setIdentity(otherAdmin.identity().toString()).build());
  }
}
