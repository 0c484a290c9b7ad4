package io.openkms.http.server;

import static io.openkms.http.server.ApiAssertions.assertContentLength;
import static io.openkms.http.server.ApiAssertions.assertJsonError;
import static io.openkms.http.server.ApiAssertions.assertKmsError;
import static io.openkms.http.server.ApiAssertions.frames;
import static io.openkms.http.server.ApiAssertions.hex;
import static org.junit.jupiter.api.Assertions.assertEquals;

import com.google.protobuf.ByteString;
import io.openkms.http.client.KmsClient;
import io.openkms.http.proto.CreateEnclaveRequest;
import io.openkms.http.proto.CreateKeyRequest;
import io.openkms.http.proto.DecryptRequest;
import io.openkms.http.proto.ErrResponse;
import io.openkms.http.proto.IdentityRequest;
import io.openkms.http.proto.KeyStatusRequest;
import io.openkms.http.proto.PolicyRequest;
import io.openkms.kms.crypto.ApiKey;
import java.net.http.HttpClient;
import java.net.http.HttpResponse;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Every status/message pair of docs/PROTOCOL.md §6.2 comes out of some request, as the exact JSON
 * body {@code {"message":"…"}} with Content-Type exactly {@code application/json} (§6.1), and as
 * the protobuf {@code ErrResponse} with {@code Accept: application/octet-stream}.
 */
class KmsApiErrorsTest {

  private static TestKmsServer server;
  private static KmsClient root;
  private static HttpClient raw;

  @BeforeAll
  static void start() throws Exception {
    server = TestKmsServer.start();
    root = server.root();
    raw = server.rawRoot();
    root.createEnclave(CreateEnclaveRequest.newBuilder().setName("errors").build());
    root.createKey("errors", CreateKeyRequest.newBuilder().setName("k").build());
  }

  @AfterAll
  static void stop() {
    server.close();
  }

  private static HttpResponse<byte[]> post(String path, byte[] body) throws Exception {
    return server.post(raw, path, body);
  }

  @Test
  void permissionDeniedIs403() throws Exception {
    HttpClient stranger = server.raw(ApiKey.generate(), HttpClient.Version.HTTP_1_1, null);
    assertJsonError(
        403,
        "access denied: insufficient permissions",
        server.post(
            stranger,
            "/v1/kms/errors",
            frames(204, KeyStatusRequest.newBuilder().setName("k").build().toByteArray())));
    assertKmsError(
        403,
        "access denied: insufficient permissions",
        () ->
            server
                .client(ApiKey.generate())
                .keyStatus("errors", KeyStatusRequest.newBuilder().setName("k").build()));
  }

  @Test
  void enclaveExistsIs409() throws Exception {
    assertJsonError(
        409,
        "enclave already exists",
        post(
            "/v1/kms",
            frames(
                101, CreateEnclaveRequest.newBuilder().setName("errors").build().toByteArray())));
  }

  @Test
  void enclaveNotFoundIs404() throws Exception {
    assertJsonError(
        404,
        "enclave does not exist",
        post(
            "/v1/kms/nowhere",
            frames(204, KeyStatusRequest.newBuilder().setName("k").build().toByteArray())));
    assertJsonError(
        404,
        "enclave does not exist",
        post(
            "/v1/kms",
            frames(
                103,
                io.openkms.http.proto.EnclaveStatusRequest.newBuilder()
                    .setName("nowhere")
                    .build()
                    .toByteArray())));
  }

  @Test
  void keyExistsIs409() throws Exception {
    assertJsonError(
        409,
        "key already exists",
        post(
            "/v1/kms/errors",
            frames(201, CreateKeyRequest.newBuilder().setName("k").build().toByteArray())));
  }

  @Test
  void keyNotFoundIs404() throws Exception {
    assertJsonError(
        404,
        "key does not exist",
        post(
            "/v1/kms/errors",
            frames(204, KeyStatusRequest.newBuilder().setName("missing").build().toByteArray())));
  }

  @Test
  void policyNotFoundIs404() throws Exception {
    assertJsonError(
        404,
        "policy does not exist",
        post(
            "/v1/kms/errors",
            frames(304, PolicyRequest.newBuilder().setName("missing").build().toByteArray())));
    assertJsonError(
        404,
        "policy does not exist",
        post(
            "/v1/kms/errors",
            frames(305, PolicyRequest.newBuilder().setName("missing").build().toByteArray())));
  }

  @Test
  void identityNotFoundIs404() throws Exception {
    assertJsonError(
        404,
        "identity does not exist",
        post(
            "/v1/kms/errors",
            frames(
                403,
                IdentityRequest.newBuilder()
                    .setIdentity(ApiKey.generate().identity().toString())
                    .build()
                    .toByteArray())));
  }

  @Test
  void invalidCiphertextIs400() throws Exception {
    assertJsonError(
        400,
        "invalid ciphertext",
        post(
            "/v1/kms/errors",
            frames(
                206,
                DecryptRequest.newBuilder()
                    .setName("k")
                    .setVersion(1)
                    .setCiphertext(ByteString.copyFrom(new byte[60]))
                    .build()
                    .toByteArray())));
  }

  @Test
  void octetStreamAcceptGetsTheProtobufErrResponse() throws Exception {
    HttpResponse<byte[]> r =
        server.post(
            raw,
            "/v1/kms/errors",
            frames(204, KeyStatusRequest.newBuilder().setName("missing").build().toByteArray()),
            "Accept",
            "application/octet-stream");
    assertEquals(404, r.statusCode());
    assertEquals("application/octet-stream", r.headers().firstValue("content-type").orElse(""));
    assertContentLength(r);
    assertEquals("0a126b657920646f6573206e6f74206578697374", hex(r.body()));
    assertEquals("key does not exist", ErrResponse.parseFrom(r.body()).getMessage());
  }

  @Test
  void theJavaClientSeesEachErrorExactly() {
    assertKmsError(
        409,
        "enclave already exists",
        () -> root.createEnclave(CreateEnclaveRequest.newBuilder().setName("errors").build()));
    assertKmsError(
        404,
        "enclave does not exist",
        () -> root.keyStatus("nowhere", KeyStatusRequest.newBuilder().setName("k").build()));
    assertKmsError(
        409,
        "key already exists",
        () -> root.createKey("errors", CreateKeyRequest.newBuilder().setName("k").build()));
    assertKmsError(
        404,
        "key does not exist",
        () -> root.keyStatus("errors", KeyStatusRequest.newBuilder().setName("missing").build()));
    assertKmsError(
        404,
        "policy does not exist",
        () -> root.getPolicy("errors", PolicyRequest.newBuilder().setName("missing").build()));
    assertKmsError(
        404,
        "identity does not exist",
        () ->
            root.identityStatus(
                "errors",
                IdentityRequest.newBuilder()
                    .setIdentity(ApiKey.generate().identity().toString())
                    .build()));
    assertKmsError(
        400,
        "invalid ciphertext",
        () ->
            root.decrypt(
                "errors",
                DecryptRequest.newBuilder()
                    .setName("k")
                    .setVersion(1)
                    .setCiphertext(ByteString.copyFrom(hex("0102")))
                    .build()));
  }
}
