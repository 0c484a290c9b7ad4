package io.openkms.http.server;

import static io.openkms.http.server.ApiAssertions.assertKmsError;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.ByteString;
import io.openkms.http.client.KmsClient;
import io.openkms.http.client.KmsClientException;
import io.openkms.http.proto.CreateEnclaveRequest;
import io.openkms.http.proto.CreateKeyRequest;
import io.openkms.http.proto.CreatePolicyRequest;
import io.openkms.http.proto.DecryptRequest;
import io.openkms.http.proto.DeletePolicyRequest;
import io.openkms.http.proto.EncryptRequest;
import io.openkms.http.proto.EncryptResponse;
import io.openkms.http.proto.Rule;
import io.openkms.http.proto.RuleSet;
import io.openkms.kms.domain.Quotas;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Issue 13, "unbounded state" and "CPU amplification", through the endpoint of a node with small
 * limits: an Admin's loop of big policies ends with 400 naming {@code limits: state_size} and the
 * next small write commits; versions per key are bounded; decrypt with version 0 tries at most
 * {@code limits: decrypt_trials} versions per request.
 */
class KmsApiLimitsTest {

  private static TestKmsServer server;
  private static KmsClient root;

  @BeforeAll
  static void start() throws Exception {
    server = TestKmsServer.start();
    // 5 versions per key, 8 decrypt trials per request, 1 MiB of state
    server.node().setQuotas(new Quotas(100, 100, 5, 1000, 100, 2000, 256, 8, 64, 1L << 20, 8, 64));
    root = server.root();
    root.createEnclave(CreateEnclaveRequest.newBuilder().setName("e").build());
  }

  @AfterAll
  static void stop() {
    server.close();
  }

  @Test
  void bigPoliciesInALoopStopAtTheStateSizeAndTheNodeGoesOn() {
    RuleSet.Builder rules = RuleSet.newBuilder();
    for (int i = 0; i < 1000; i++) {
      rules.putRules(String.format("%080d", i), Rule.getDefaultInstance());
    }
    int created = 0;
    KmsClientException refused = null;
    while (refused == null && created < 100) {
      try {
        root.createPolicy(
            "e",
            CreatePolicyRequest.newBuilder()
                .setName("big-" + created)
                .putAllow("KEY:ENCRYPT", rules.build())
                .build());
        created++;
      } catch (KmsClientException e) {
        refused = e;
      }
    }
    assertEquals(
        "400 limit exceeded: at most 1048576 bytes of state (limits: state_size)",
        refused.status() + " " + refused.getMessage());
    assertTrue(created >= 2 && created <= 5, created + " policies");
    root.createKey("e", CreateKeyRequest.newBuilder().setName("after-the-refusal").build());
    root.deletePolicy("e", DeletePolicyRequest.newBuilder().setName("big-0").build());
    root.createPolicy(
        "e",
        CreatePolicyRequest.newBuilder()
            .setName("big-again")
            .putAllow("KEY:ENCRYPT", rules.build())
            .build());
  }

  @Test
  void versionsPerKeyAndDecryptTrialsAreBounded() {
    root.createKey("e", CreateKeyRequest.newBuilder().setName("many").build());
    EncryptResponse oldest =
        root.encrypt(
            "e",
            EncryptRequest.newBuilder()
                .setName("many")
                .setPlaintext(ByteString.copyFromUtf8("secret"))
                .build());
    for (int v = 2; v <= 5; v++) {
      root.createKey(
          "e", CreateKeyRequest.newBuilder().setName("many").setAddVersion(true).build());
    }
    assertKmsError(
        400,
        "limit exceeded: at most 5 versions per key (limits: versions_per_key)",
        () ->
            root.createKey(
                "e", CreateKeyRequest.newBuilder().setName("many").setAddVersion(true).build()));
    DecryptRequest v0 =
        DecryptRequest.newBuilder()
            .setName("many")
            .setVersion(0)
            .setCiphertext(oldest.getCiphertext())
            .build();
    // one frame tries 5 versions (newest first) and finds version 1: within the 8 trials
    assertEquals("secret", root.decrypt("e", v0).getPlaintext().toStringUtf8());
    // two frames need 10 trials: the second runs out after 3
    String limit =
        "limit exceeded: at most 8 trial decryptions per request (limits: decrypt_trials)";
    assertKmsError(400, limit, () -> root.decrypt("e", List.of(v0, v0)));
    assertKmsError(400, limit, () -> root.decrypt("e", List.of(v0, v0, v0, v0, v0, v0)));
    // an explicit version costs no trial; a wrong ciphertext tried on every version stays 400
    assertEquals(
        2,
        root.decrypt(
                "e",
                List.of(v0.toBuilder().setVersion(1).build(), v0.toBuilder().setVersion(1).build()))
            .size());
    assertKmsError(
        400,
        "invalid ciphertext",
        () ->
            root.decrypt(
                "e", v0.toBuilder().setCiphertext(ByteString.copyFrom(new byte[64])).build()));
  }
}
