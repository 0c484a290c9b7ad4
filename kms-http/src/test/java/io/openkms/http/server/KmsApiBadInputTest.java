package io.openkms.http.server;

import static io.openkms.http.server.ApiAssertions.assertJsonError;
import static io.openkms.http.server.ApiAssertions.assertKmsError;
import static io.openkms.http.server.ApiAssertions.assertNoInternalError;
import static io.openkms.http.server.ApiAssertions.frames;
import static io.openkms.http.server.ApiAssertions.hex;
import static org.junit.jupiter.api.Assertions.assertEquals;

import com.google.protobuf.ByteString;
import io.openkms.http.client.KmsClient;
import io.openkms.http.proto.CreateEnclaveRequest;
import io.openkms.http.proto.CreateKeyRequest;
import io.openkms.http.proto.EncryptRequest;
import io.openkms.http.proto.EncryptResponse;
import io.openkms.http.proto.GenerateKeyRequest;
import io.openkms.http.proto.KeyStatusRequest;
import io.openkms.http.wire.Frames;
import java.io.ByteArrayInputStream;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Malformed requests (issue 3, "bad input"): oversized bodies are 413, broken framing, unknown
 * command ids, unparsable payloads, mixed commands and bad field values are 400 with a clear
 * message; never a 500, never a stack trace, never a hang (every request here has a 20 s timeout).
 */
class KmsApiBadInputTest {

  private static final String ENCLAVE = "bad";

  private static TestKmsServer server;
  private static KmsClient root;
  private static HttpClient raw;

  @BeforeAll
  static void start() throws Exception {
    server = TestKmsServer.start();
    root = server.root();
    raw = server.rawRoot();
    root.createEnclave(CreateEnclaveRequest.newBuilder().setName(ENCLAVE).build());
    root.createKey(ENCLAVE, CreateKeyRequest.newBuilder().setName("k").build());
  }

  @AfterAll
  static void stop() {
    server.close();
  }

  private static HttpResponse<byte[]> post(String path, byte[] body) throws Exception {
    HttpResponse<byte[]> r = server.post(raw, path, body);
    assertNoInternalError(r);
    return r;
  }

  private static byte[] keyCreate(String name) {
    return frames(201, CreateKeyRequest.newBuilder().setName(name).build().toByteArray());
  }

  private static byte[] keyStatus(String name) {
    return frames(204, KeyStatusRequest.newBuilder().setName(name).build().toByteArray());
  }

  private static byte[] concat(byte[]... parts) {
    int n = 0;
    for (byte[] p : parts) {
      n += p.length;
    }
    byte[] out = new byte[n];
    int pos = 0;
    for (byte[] p : parts) {
      System.arraycopy(p, 0, out, pos, p.length);
      pos += p.length;
    }
    return out;
  }

  /** One KEY:ENCRYPT frame of exactly {@code totalBytes} (name "k", plaintext filling the rest). */
  private static byte[] encryptFrameOf(int totalBytes) {
    // 6 header + 3 (0a 01 6b) + 1 tag + 3-byte varint length + plaintext
    byte[] pt = new byte[totalBytes - 13];
    byte[] body =
        frames(
            205,
            EncryptRequest.newBuilder()
                .setName("k")
                .setPlaintext(ByteString.copyFrom(pt))
                .build()
                .toByteArray());
    assertEquals(totalBytes, body.length);
    return body;
  }

  @Test
  void aBodyOfExactlyOneMebibyteIsServedAndOneByteMoreIs413() throws Exception {
    HttpResponse<byte[]> ok = post("/v1/kms/" + ENCLAVE, encryptFrameOf(KmsApi.MAX_BODY_BYTES));
    assertEquals(200, ok.statusCode());
    assertEquals(
        KmsApi.MAX_BODY_BYTES - 13 + 44,
        EncryptResponse.parseFrom(Frames.decode(ok.body()).get(0).payload())
            .getCiphertext()
            .size());
    assertJsonError(
        413,
        "request body too large: at most 1048576 bytes",
        post("/v1/kms/" + ENCLAVE, encryptFrameOf(KmsApi.MAX_BODY_BYTES + 1)));
  }

  @Test
  void overHttp2TheLimitIsTheSame() throws Exception {
    HttpClient h2 = server.raw(server.rootKey(), HttpClient.Version.HTTP_2, null);
    HttpResponse<byte[]> ok =
        server.post(h2, "/v1/kms/" + ENCLAVE, encryptFrameOf(KmsApi.MAX_BODY_BYTES));
    assertEquals("HTTP_2 200", ok.version() + " " + ok.statusCode());
    for (byte[] body :
        new byte[][] {encryptFrameOf(KmsApi.MAX_BODY_BYTES + 1), new byte[3 << 20]}) {
      HttpResponse<byte[]> r = server.post(h2, "/v1/kms/" + ENCLAVE, body);
      assertEquals(HttpClient.Version.HTTP_2, r.version());
      assertJsonError(413, "request body too large: at most 1048576 bytes", r);
    }
  }

  @Test
  void farLargerAndChunkedBodiesAre413Too() throws Exception {
    assertJsonError(
        413,
        "request body too large: at most 1048576 bytes",
        post("/v1/kms/" + ENCLAVE, new byte[3 << 20]));
    HttpRequest chunked =
        HttpRequest.newBuilder(server.uri("/v1/kms/" + ENCLAVE))
            .timeout(Duration.ofSeconds(20))
            .POST(
                HttpRequest.BodyPublishers.ofInputStream(
                    () -> new ByteArrayInputStream(new byte[(1 << 20) + 100])))
            .build();
    HttpResponse<byte[]> r = raw.send(chunked, HttpResponse.BodyHandlers.ofByteArray());
    assertNoInternalError(r);
    assertJsonError(413, "request body too large: at most 1048576 bytes", r);
  }

  @Test
  void brokenFramingIs400() throws Exception {
    Map<String, byte[]> cases = new LinkedHashMap<>();
    cases.put(Frames.EMPTY_BODY, new byte[0]);
    cases.put(Frames.TRUNCATED_HEADER + " (1)", hex("00"));
    cases.put(Frames.TRUNCATED_HEADER + " (5)", hex("00c9 000000"));
    cases.put(Frames.TRUNCATED_HEADER + " (after a frame)", concat(keyStatus("k"), hex("00cc00")));
    cases.put(Frames.INVALID_LENGTH, hex("00c9 000000ff 0a016b"));
    cases.put(Frames.INVALID_LENGTH + " (huge)", hex("00c9 ffffffff 0a016b"));
    cases.put(
        Frames.INVALID_LENGTH + " (second frame)",
        concat(keyStatus("k"), hex("00cc 00000010 0a01")));
    for (Map.Entry<String, byte[]> e : cases.entrySet()) {
      String expected = e.getKey().replaceAll(" \\(.*\\)$", "");
      assertJsonError(400, expected, post("/v1/kms/" + ENCLAVE, e.getValue()));
    }
  }

  @Test
  void tooManyFramesIs400() throws Exception {
    byte[][] payloads = new byte[1001][];
    java.util.Arrays.fill(
        payloads, KeyStatusRequest.newBuilder().setName("k").build().toByteArray());
    assertJsonError(
        400,
        "too many commands in request: more than 1000",
        post("/v1/kms/" + ENCLAVE, frames(204, payloads)));
  }

  /**
   * A list command is one frame (docs/PROTOCOL.md §4.1); more would let one small request demand a
   * thousand full pages (an amplification found by an attack run).
   */
  @Test
  void listCommandsTakeOneFrame() throws Exception {
    byte[] list = new byte[0];
    assertJsonError(
        400,
        "KEY:LIST takes exactly one frame per request",
        post("/v1/kms/" + ENCLAVE, frames(208, list, list)));
    assertJsonError(
        400,
        "ENCLAVE:LIST takes exactly one frame per request",
        post("/v1/kms", frames(104, list, list)));
  }

  @Test
  void unknownCommandIdsAre400() throws Exception {
    for (int id : new int[] {0, 7, 100, 105, 209, 211, 999, 65535}) {
      assertJsonError(
          400, "unknown command id " + id, post("/v1/kms/" + ENCLAVE, frames(id, new byte[0])));
    }
  }

  @Test
  void unparsableProtobufIs400NamingTheCommand() throws Exception {
    assertJsonError(
        400,
        "invalid request: payload is not a valid KEY:CREATE message",
        post("/v1/kms/" + ENCLAVE, frames(201, hex("0aff"))));
    assertJsonError(
        400,
        "invalid request: payload is not a valid KEY:STATUS message",
        post("/v1/kms/" + ENCLAVE, frames(204, hex("0a05 6b"))));
    assertJsonError(
        400,
        "invalid request: payload is not a valid KEY:STATUS message",
        post("/v1/kms/" + ENCLAVE, frames(204, hex("0a02 c328")))); // invalid UTF-8
    assertJsonError(
        400,
        "invalid request: payload is not a valid KEY:ENCRYPT message",
        post("/v1/kms/" + ENCLAVE, frames(205, hex("ff"))));
    assertJsonError(
        400,
        "invalid request: payload is not a valid ENCLAVE:CREATE message",
        post("/v1/kms", frames(101, hex("0a"))));
  }

  @Test
  void mixedCommandsAre400() throws Exception {
    assertJsonError(
        400,
        "a request must not mix read and write commands",
        post("/v1/kms/" + ENCLAVE, concat(keyStatus("k"), keyCreate("mixed-1"))));
    assertJsonError(
        400,
        "a request must not mix read and write commands",
        post("/v1/kms/" + ENCLAVE, concat(keyCreate("mixed-2"), keyStatus("k"))));
    assertJsonError(
        400,
        "a request may carry only one write command",
        post("/v1/kms/" + ENCLAVE, concat(keyCreate("mixed-3"), keyCreate("mixed-4"))));
    assertJsonError(
        400,
        "a request may carry only one write command",
        post("/v1/kms/" + ENCLAVE, concat(keyCreate("mixed-5"), frames(202, hex("0a016b")))));
    assertJsonError(
        400,
        "a request must not mix different commands",
        post(
            "/v1/kms/" + ENCLAVE,
            concat(
                keyStatus("k"),
                frames(205, EncryptRequest.newBuilder().setName("k").build().toByteArray()))));
    assertJsonError(
        400,
        "a request must not mix different commands",
        post("/v1/kms", concat(frames(3, new byte[0]), frames(104, new byte[0]))));
    for (String name : new String[] {"mixed-1", "mixed-2", "mixed-3", "mixed-4", "mixed-5"}) {
      assertKmsError(
          404,
          "key does not exist",
          () -> root.keyStatus(ENCLAVE, KeyStatusRequest.newBuilder().setName(name).build()));
    }
    assertEquals(
        1,
        root.keyStatus(ENCLAVE, KeyStatusRequest.newBuilder().setName("k").build()).getVersion());
  }

  @Test
  void pathsWithMoreThanOneEnclaveSegmentAre400() throws Exception {
    assertJsonError(
        400,
        "invalid path '/v1/kms/bad/x': expected /v1/kms/<enclave>",
        post("/v1/kms/bad/x", keyStatus("k")));
  }

  @Test
  void badFieldValuesAre400WithTheirMessage() throws Exception {
    Map<String, Runnable> cases = new LinkedHashMap<>();
    cases.put(
        "kms: invalid data key length 1025: at most 1024 bytes",
        () ->
            root.generateKey(
                ENCLAVE, GenerateKeyRequest.newBuilder().setName("k").setLength(1025).build()));
    cases.put(
        "kms: invalid data key length 4294967295: at most 1024 bytes",
        () ->
            root.generateKey(
                ENCLAVE,
                GenerateKeyRequest.newBuilder().setName("k").setLength(0xFFFF_FFFFL).build()));
    cases.put(
        "kms: key type 'RSA' is not supported",
        () ->
            root.createKey(
                ENCLAVE, CreateKeyRequest.newBuilder().setName("rsa").setType("RSA").build()));
    cases.put(
        "kms: invalid privilege 'Root'",
        () ->
            root.createIdentity(
                ENCLAVE,
                io.openkms.http.proto.CreateIdentityRequest.newBuilder()
                    .setIdentity(io.openkms.kms.crypto.ApiKey.generate().identity().toString())
                    .setPrivilege("Root")
                    .build()));
    cases.put(
        "kms: invalid cmd 'KEY:FOO'",
        () ->
            root.createPolicy(
                ENCLAVE,
                io.openkms.http.proto.CreatePolicyRequest.newBuilder()
                    .setName("p")
                    .putAllow("KEY:FOO", io.openkms.http.proto.RuleSet.getDefaultInstance())
                    .build()));
    for (Map.Entry<String, Runnable> e : cases.entrySet()) {
      assertKmsError(400, e.getKey(), e.getValue()::run);
    }
    assertEquals(
        1024,
        root.generateKey(
                ENCLAVE, GenerateKeyRequest.newBuilder().setName("k").setLength(1024).build())
            .getPlaintext()
            .size());
    assertJsonError(
        400,
        "kms: invalid DeleteKeyRequest: all versions and non-zero version are incompatible",
        post("/v1/kms/" + ENCLAVE, frames(202, hex("0a016b 1001 1801"))));
    assertJsonError(
        400,
        "kms: invalid identity 'h1:bad': must be 'h1:' and 43 base64url"
            + " characters, got 3 characters",
        post(
            "/v1/kms/" + ENCLAVE,
            frames(
                403,
                io.openkms.http.proto.IdentityRequest.newBuilder()
                    .setIdentity("h1:bad")
                    .build()
                    .toByteArray())));
  }

  @Test
  void responsesToGarbageAreNeverInternalErrors() throws Exception {
    java.util.Random random = new java.util.Random(42);
    for (int i = 0; i < 200; i++) {
      int id =
          new int[] {
                201, 202, 203, 204, 205, 206, 207, 208, 210, 301, 303, 304, 401, 403, 404, 3, 101,
                103, 104
              }
              [i % 19];
      byte[] payload = new byte[random.nextInt(40)];
      random.nextBytes(payload);
      HttpResponse<byte[]> r =
          post(id < 200 ? "/v1/kms" : "/v1/kms/" + ENCLAVE, frames(id, payload));
      assertNoInternalError(r);
    }
  }
}
