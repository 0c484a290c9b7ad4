package io.openkms.http.server;

import static io.openkms.http.server.ApiAssertions.assertJsonError;
import static io.openkms.http.server.ApiAssertions.assertKmsError;
import static io.openkms.http.server.ApiAssertions.frames;
import static org.junit.jupiter.api.Assertions.assertEquals;

import io.openkms.http.client.KmsClient;
import io.openkms.http.proto.CreateEnclaveRequest;
import io.openkms.http.proto.CreateKeyRequest;
import io.openkms.http.proto.CreatePolicyRequest;
import io.openkms.http.proto.EnclaveStatusRequest;
import io.openkms.http.proto.KeyStatusRequest;
import java.net.http.HttpClient;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The name rule for keys, enclaves and policies (CONTRACTS {@code Names.check}: 1–80 of {@code
 * [A-Za-z0-9._-]}, not {@code .} or {@code ..}) through the endpoint: accepted names work, rejected
 * ones are 400 {@code invalid <kind> name '<name>': <reason>}, whether the name comes in the
 * protobuf or, for enclaves, in the URL.
 */
class KmsApiNamesTest {

  private static final String ONLY = "only A-Z, a-z, 0-9, '.', '_' and '-' are allowed";
  private static final String DOTS = "'.' and '..' are not allowed";
  private static final String LONG = "name is longer than 80 characters";
  private static final String N80 = "n".repeat(80);
  private static final String N81 = "n".repeat(81);

  private static TestKmsServer server;
  private static KmsClient root;
  private static HttpClient raw;

  @BeforeAll
  static void start() throws Exception {
    server = TestKmsServer.start();
    root = server.root();
    raw = server.rawRoot();
    root.createEnclave(CreateEnclaveRequest.newBuilder().setName("names").build());
  }

  @AfterAll
  static void stop() {
    server.close();
  }

  /** Rejected name → the message it must get after {@code invalid <kind> name }. */
  private static Map<String, String> rejected() {
    Map<String, String> m = new LinkedHashMap<>();
    m.put(".", "'.': " + DOTS);
    m.put("..", "'..': " + DOTS);
    m.put("a/b", "'a/b': " + ONLY);
    m.put(N81, "'" + N80 + "...': " + LONG);
    m.put("", "'': name is empty");
    m.put("clé", "'clé': " + ONLY);
    m.put("a b", "'a b': " + ONLY);
    return m;
  }

  @Test
  void acceptedKeyNamesWork() {
    for (String name : List.of("-a", "a-", "_", "a.b", N80)) {
      root.createKey("names", CreateKeyRequest.newBuilder().setName(name).build());
      assertEquals(
          name,
          root.keyStatus("names", KeyStatusRequest.newBuilder().setName(name).build()).getName());
    }
  }

  @Test
  void rejectedKeyNamesAre400NamingTheName() {
    rejected()
        .forEach(
            (name, message) ->
                assertKmsError(
                    400,
                    "invalid key name " + message,
                    () ->
                        root.createKey(
                            "names", CreateKeyRequest.newBuilder().setName(name).build())));
  }

  @Test
  void acceptedEnclaveNamesWorkInTheUrlToo() {
    for (String name : List.of("-a", "a-", "_", "a.b", N80)) {
      root.createEnclave(CreateEnclaveRequest.newBuilder().setName(name).build());
      assertEquals(
          name,
          root.enclaveStatus(EnclaveStatusRequest.newBuilder().setName(name).build()).getName());
      root.createKey(name, CreateKeyRequest.newBuilder().setName("k").build());
      assertEquals(
          "k", root.keyStatus(name, KeyStatusRequest.newBuilder().setName("k").build()).getName());
    }
  }

  @Test
  void rejectedEnclaveNamesAre400NamingTheName() {
    rejected()
        .forEach(
            (name, message) ->
                assertKmsError(
                    400,
                    "invalid enclave name " + message,
                    () ->
                        root.createEnclave(
                            CreateEnclaveRequest.newBuilder().setName(name).build())));
  }

  @Test
  void rejectedEnclaveNamesInTheUrlAre400NamingTheName() throws Exception {
    byte[] status = frames(204, KeyStatusRequest.newBuilder().setName("k").build().toByteArray());
    Map<String, String> urls = new LinkedHashMap<>();
    urls.put("/v1/kms/a%2Fb", "'a/b': " + ONLY);
    urls.put("/v1/kms/a%2fb/", "'a/b': " + ONLY);
    urls.put("/v1/kms/cl%C3%A9", "'clé': " + ONLY);
    urls.put("/v1/kms/a%20b", "'a b': " + ONLY);
    urls.put("/v1/kms/" + N81, "'" + N80 + "...': " + LONG);
    for (Map.Entry<String, String> e : urls.entrySet()) {
      assertJsonError(
          400, "invalid enclave name " + e.getValue(), server.post(raw, e.getKey(), status));
    }
  }

  /**
   * {@code %2E} is {@code .} (RFC 3986 §2.3, §6.2.2.2), so the URL's dot segments are removed
   * before routing (§5.2.4), as Go's {@code url.JoinPath} does on the client side: an enclave
   * {@code .} or {@code ..} can never be addressed.
   */
  @Test
  void dotSegmentsInTheUrlNeverNameAnEnclave() throws Exception {
    byte[] status = frames(204, KeyStatusRequest.newBuilder().setName("k").build().toByteArray());
    // "/v1/kms/." is "/v1/kms/": a key command there has no enclave.
    assertJsonError(404, "enclave does not exist", server.post(raw, "/v1/kms/%2E", status));
    // "/v1/kms/.." is "/v1/": no such endpoint.
    assertJsonError(404, "not found: /v1/", server.post(raw, "/v1/kms/%2E%2E", status));
    assertJsonError(404, "not found: /v1/", server.post(raw, "/v1/kms/%2e%2E/", status));
  }

  @Test
  void policyNamesFollowTheSameRule() {
    root.createPolicy("names", CreatePolicyRequest.newBuilder().setName("a.b").build());
    rejected()
        .forEach(
            (name, message) ->
                assertKmsError(
                    400,
                    "invalid policy name " + message,
                    () ->
                        root.createPolicy(
                            "names", CreatePolicyRequest.newBuilder().setName(name).build())));
  }
}
