package io.openkms.http.client;

import static io.openkms.http.client.ClientFixtures.frames;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.openkms.http.proto.CreateKeyRequest;
import io.openkms.http.proto.EncryptRequest;
import io.openkms.http.proto.EncryptResponse;
import io.openkms.http.proto.ErrResponse;
import io.openkms.http.proto.KeyStatusRequest;
import io.openkms.http.proto.KeyStatusResponse;
import io.openkms.http.proto.ListKeysResponse;
import io.openkms.http.proto.ListRequest;
import io.openkms.http.proto.VersionResponse;
import io.openkms.http.wire.Frame;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Error answers (docs/PROTOCOL.md §6), unusable answers (§4.1) and the unframed endpoints (§3). */
class KmsClientErrorTest {

  private TestHttpsServer server;
  private KmsClient client;

  @BeforeEach
  void start() throws Exception {
    server =
        new TestHttpsServer(
            ClientFixtures.loopbackNode(), r -> TestHttpsServer.Answer.of(200, null, null));
    client = ClientFixtures.client(0, server.host()).build();
  }

  @AfterEach
  void stop() {
    server.close();
  }

  private KmsClientException createKeyFails() {
    return assertThrows(
        KmsClientException.class,
        () -> client.createKey("e", CreateKeyRequest.newBuilder().setName("k").build()));
  }

  private static byte[] utf8(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }

  @Test
  void protobufError() {
    server.handler(
        r ->
            TestHttpsServer.Answer.of(
                404,
                "application/octet-stream",
                ErrResponse.newBuilder().setMessage("key does not exist").build().toByteArray()));
    KmsClientException e = createKeyFails();
    assertEquals(404, e.status());
    assertEquals("key does not exist", e.getMessage());
    assertEquals(server.host(), e.host());
    assertTrue(e.is(404, "key does not exist"));
    assertEquals("\"" + server.host() + "\": key does not exist", e.hostMessage());
  }

  @Test
  void jsonError() {
    server.handler(
        r ->
            TestHttpsServer.Answer.of(
                403,
                "application/json",
                utf8("{\"message\":\"access denied: insufficient permissions\"}")));
    KmsClientException e = createKeyFails();
    assertTrue(e.is(403, "access denied: insufficient permissions"), e.toString());
  }

  @Test
  void otherContentTypesGiveTheRawBody() {
    server.handler(
        r ->
            TestHttpsServer.Answer.of(
                409,
                "application/json; charset=utf-8",
                utf8("{\"message\":\"key already exists\"}")));
    assertTrue(createKeyFails().is(409, "{\"message\":\"key already exists\"}"));
    server.handler(
        r ->
            TestHttpsServer.Answer.of(
                404, "text/plain; charset=utf-8", utf8("key does not exist\n")));
    KmsClientException e = createKeyFails();
    assertEquals("key does not exist\n", e.getMessage());
    assertTrue(!e.is(404, "key does not exist"));
  }

  @Test
  void atMost5000BytesOfAnErrorAreRead() {
    server.handler(r -> TestHttpsServer.Answer.of(500, "text/plain", utf8("x".repeat(9000))));
    assertEquals("x".repeat(5000), createKeyFails().getMessage());
  }

  @Test
  void non200SuccessCodesAreErrors() {
    server.handler(r -> TestHttpsServer.Answer.of(204, null, null));
    KmsClientException e = createKeyFails();
    assertEquals(204, e.status());
    assertEquals("", e.getMessage());
  }

  @Test
  void frameOfAnotherCommand() {
    server.handler(r -> frames(new Frame(206, new byte[0]), new Frame(205, new byte[0])));
    KmsProtocolException e =
        assertThrows(
            KmsProtocolException.class,
            () ->
                client.encrypt(
                    "e",
                    List.of(
                        EncryptRequest.getDefaultInstance(), EncryptRequest.getDefaultInstance())));
    assertEquals("cmds: failed to decode command 205: received command 206", e.getMessage());
    assertEquals(server.host(), e.host());
  }

  @Test
  void wrongNumberOfFrames() {
    server.handler(r -> frames(new Frame(205, EncryptResponse.getDefaultInstance().toByteArray())));
    assertEquals(
        "kms: expected 2 responses, received 1",
        assertThrows(
                KmsProtocolException.class,
                () ->
                    client.encrypt(
                        "e",
                        List.of(
                            EncryptRequest.getDefaultInstance(),
                            EncryptRequest.getDefaultInstance())))
            .getMessage());
    server.handler(r -> TestHttpsServer.Answer.of(200, "application/octet-stream", null));
    assertEquals(
        "kms: expected 1 responses, received 0",
        assertThrows(
                KmsProtocolException.class,
                () -> client.encrypt("e", EncryptRequest.getDefaultInstance()))
            .getMessage());
    server.handler(r -> frames(new Frame(208, new byte[0]), new Frame(208, new byte[0])));
    assertEquals(
        "kms: response body contains additional data",
        assertThrows(
                KmsProtocolException.class,
                () -> client.listKeys("e", ListRequest.getDefaultInstance()))
            .getMessage());
  }

  @Test
  void malformedFramesAndPayloads() {
    server.handler(
        r ->
            TestHttpsServer.Answer.of(
                200, "application/octet-stream", new byte[] {0, (byte) 205, 0}));
    assertEquals(
        "cmds: failed to decode command 205: invalid command format: truncated frame header",
        assertThrows(
                KmsProtocolException.class,
                () -> client.encrypt("e", EncryptRequest.getDefaultInstance()))
            .getMessage());
    server.handler(
        r ->
            TestHttpsServer.Answer.of(
                200, "application/octet-stream", new byte[] {0, (byte) 205, 0, 0, 0, 9, 1}));
    assertEquals(
        "cmds: failed to decode command 205: invalid length for received arguments",
        assertThrows(
                KmsProtocolException.class,
                () -> client.encrypt("e", EncryptRequest.getDefaultInstance()))
            .getMessage());
    server.handler(r -> frames(new Frame(205, new byte[] {0x12, 0x05, 1})));
    String message =
        assertThrows(
                KmsProtocolException.class,
                () -> client.encrypt("e", EncryptRequest.getDefaultInstance()))
            .getMessage();
    assertTrue(message.startsWith("cmds: failed to decode command 205: "), message);
  }

  @Test
  void missingContentLengthIsRefusedLikeTheGoClient() {
    byte[] body = io.openkms.http.wire.Frames.encode(List.of(new Frame(205, new byte[0])));
    server.handler(r -> new TestHttpsServer.Answer(200, "application/octet-stream", body, true));
    assertEquals(
        "request content length is negative",
        assertThrows(
                KmsProtocolException.class,
                () -> client.encrypt("e", EncryptRequest.getDefaultInstance()))
            .getMessage());
    // Commands without a response message do not need it.
    client.createKey("e", CreateKeyRequest.newBuilder().setName("k").build());
  }

  @Test
  void keyTypesOutsideTheSpecAreRefused() {
    server.handler(
        r ->
            frames(
                new Frame(204, KeyStatusResponse.newBuilder().setName("k").build().toByteArray())));
    assertEquals(
        "kms: key type '' is not supported",
        assertThrows(
                KmsProtocolException.class,
                () -> client.keyStatus("e", KeyStatusRequest.newBuilder().setName("k").build()))
            .getMessage());
    server.handler(
        r ->
            frames(
                new Frame(
                    208,
                    ListKeysResponse.newBuilder()
                        .addKeys(KeyStatusResponse.newBuilder().setName("k").setType("AES256"))
                        .addKeys(KeyStatusResponse.newBuilder().setName("l").setType("aes256"))
                        .build()
                        .toByteArray())));
    assertEquals(
        "kms: key type 'aes256' is not supported",
        assertThrows(
                KmsProtocolException.class,
                () -> client.listKeys("e", ListRequest.getDefaultInstance()))
            .getMessage());
    server.handler(
        r ->
            frames(
                new Frame(
                    204,
                    KeyStatusResponse.newBuilder()
                        .setName("k")
                        .setType("ChaCha20")
                        .build()
                        .toByteArray())));
    assertEquals(
        "ChaCha20",
        client.keyStatus("e", KeyStatusRequest.newBuilder().setName("k").build()).getType());
  }

  @Test
  void versionInBinaryAndJson() {
    VersionResponse expected =
        VersionResponse.newBuilder()
            .setVersion("2024-01-01T00-00-00Z")
            .setCommit("c")
            .setAPIVersion("v1")
            .setHost("h:7373")
            .build();
    server.handler(
        r -> TestHttpsServer.Answer.of(200, "application/octet-stream", expected.toByteArray()));
    assertEquals(expected, client.version(server.host()));
    server.handler(
        r ->
            TestHttpsServer.Answer.of(
                200,
                "application/json",
                utf8(
                    "{\"version\":\"2024-01-01T00-00-00Z\",\"commit\":\"c\",\"api_version\":\"v1\",\"host\":\"h:7373\",\"fips140\":false}")));
    assertEquals(expected, client.version(server.host()));
    // protojson also takes the field names.
    server.handler(
        r ->
            TestHttpsServer.Answer.of(
                200,
                "text/plain",
                utf8(
                    "{\"Version\":\"2024-01-01T00-00-00Z\",\"Commit\":\"c\",\"APIVersion\":\"v1\",\"Host\":\"h:7373\"}")));
    assertEquals(expected, client.version(server.host()));
    TestHttpsServer.Seen seen = server.requests().get(0);
    assertEquals("GET", seen.method());
    assertEquals("/version", seen.rawPath());
    assertEquals("application/*", seen.header("Accept"));
  }

  @Test
  void versionWithAnUnknownJsonFieldFails() {
    server.handler(
        r ->
            TestHttpsServer.Answer.of(
                200, "application/json", utf8("{\"version\":\"v\",\"extra\":1}")));
    KmsProtocolException e =
        assertThrows(KmsProtocolException.class, () -> client.version(server.host()));
    assertTrue(e.getMessage().startsWith("kms: invalid version response: "), e.getMessage());
    assertTrue(e.getMessage().contains("extra"), e.getMessage());
  }

  @Test
  void liveAndReady() {
    client.live(server.host());
    client.ready(server.host(), false);
    client.ready(server.host(), true);
    List<TestHttpsServer.Seen> seen = server.requests();
    assertEquals("/v1/health/live", seen.get(0).rawPath());
    assertEquals("/v1/health/ready", seen.get(1).rawPath());
    assertEquals(null, seen.get(1).rawQuery());
    assertEquals("/v1/health/ready", seen.get(2).rawPath());
    assertEquals("write", seen.get(2).rawQuery());
    server.handler(
        r ->
            TestHttpsServer.Answer.of(
                503,
                "application/octet-stream",
                ErrResponse.newBuilder().setMessage("no leader").build().toByteArray()));
    assertTrue(
        assertThrows(KmsClientException.class, () -> client.ready(server.host(), true))
            .is(503, "no leader"));
  }
}
