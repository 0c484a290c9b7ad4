package io.openkms.http.server;

import static io.openkms.http.server.ApiAssertions.assertContentLength;
import static io.openkms.http.server.ApiAssertions.assertJsonError;
import static io.openkms.http.server.ApiAssertions.frames;
import static io.openkms.http.server.ApiAssertions.hex;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.ByteString;
import com.google.protobuf.UnknownFieldSet;
import io.openkms.http.client.KmsClient;
import io.openkms.http.proto.ClusterStatusResponse;
import io.openkms.http.proto.CreateEnclaveRequest;
import io.openkms.http.proto.CreateKeyRequest;
import io.openkms.http.proto.DecryptRequest;
import io.openkms.http.proto.EncryptRequest;
import io.openkms.http.proto.EncryptResponse;
import io.openkms.http.proto.GenerateKeyResponse;
import io.openkms.http.proto.KeyStatusRequest;
import io.openkms.http.proto.ListKeysResponse;
import io.openkms.http.proto.PolicyRequest;
import io.openkms.http.proto.PolicyResponse;
import io.openkms.http.proto.ServerStatusResponse;
import io.openkms.http.wire.Frame;
import io.openkms.http.wire.Frames;
import java.net.http.HttpClient;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The wire format through the real HTTPS endpoint (issue 3): the golden request bytes of
 * docs/PROTOCOL.md §4.3 sent raw, response framing and headers (§1: Content-Length, never
 * compressed), the padding of batch and CLUSTER:STATUS bodies out of 1001–1024 bytes (§4.1), {@code
 * /version} and health (§3), the accepted paths, and the transports (HTTP/1.1 and 2, TLS 1.2 and
 * 1.3 with an Ed25519 client certificate, §2.4).
 */
class KmsApiWireTest {

  private static TestKmsServer server;
  private static KmsClient root;
  private static HttpClient raw;

  @BeforeAll
  static void start() throws Exception {
    server = TestKmsServer.start();
    root = server.root();
    raw = server.rawRoot();
    root.createEnclave(CreateEnclaveRequest.newBuilder().setName("myenclave").build());
    root.createEnclave(CreateEnclaveRequest.newBuilder().setName("e").build());
    root.createEnclave(CreateEnclaveRequest.newBuilder().setName("w").build());
  }

  @AfterAll
  static void stop() {
    server.close();
  }

  private static HttpResponse<byte[]> post(String path, byte[] body, String... headers)
      throws Exception {
    return server.post(raw, path, body, headers);
  }

  /** A 200 with one empty frame of {@code commandId} or an empty body (commands without reply). */
  private static void assertEmptyOk(int commandId, HttpResponse<byte[]> r) {
    assertEquals(200, r.statusCode(), () -> new String(r.body(), StandardCharsets.UTF_8));
    if (r.body().length > 0) {
      assertEquals(hex(frames(commandId, new byte[0])), hex(r.body()));
    }
  }

  private static List<Frame> okFrames(int commandId, int count, HttpResponse<byte[]> r) {
    assertEquals(200, r.statusCode(), () -> new String(r.body(), StandardCharsets.UTF_8));
    assertEquals("application/octet-stream", r.headers().firstValue("content-type").orElse(""));
    assertContentLength(r);
    List<Frame> frames = Frames.decode(r.body());
    assertEquals(count, frames.size());
    for (Frame f : frames) {
      assertEquals(commandId, f.commandId());
    }
    return frames;
  }

  private static String text(byte[] b) {
    return new String(b, StandardCharsets.UTF_8);
  }

  // ---- §4.3 golden request bytes --------------------------------------------------------------

  @Test
  void goldenCreateKeyDeleteAllVersionsAndCreateWithType() throws Exception {
    assertEmptyOk(201, post("/v1/kms/myenclave", hex("00c9 00000003 0a016b")));
    assertJsonError(
        409, "key already exists", post("/v1/kms/myenclave", hex("00c9 00000003 0a016b")));
    assertEquals(
        "AES256",
        root.keyStatus("myenclave", KeyStatusRequest.newBuilder().setName("k").build()).getType());

    assertEmptyOk(202, post("/v1/kms/myenclave", hex("00ca 00000005 0a016b 1801")));
    assertJsonError(
        404,
        "key does not exist",
        post(
            "/v1/kms/myenclave",
            frames(204, KeyStatusRequest.newBuilder().setName("k").build().toByteArray())));

    assertEmptyOk(201, post("/v1/kms/myenclave", hex("00c9 0000000b 0a016b 1206414553323536")));
    var status = root.keyStatus("myenclave", KeyStatusRequest.newBuilder().setName("k").build());
    assertEquals(
        "k 1 AES256 " + server.rootKey().identity(),
        status.getName()
            + " "
            + status.getVersion()
            + " "
            + status.getType()
            + " "
            + status.getCreatedBy());
  }

  @Test
  void goldenClusterStatus() throws Exception {
    List<Frame> frames = okFrames(3, 1, post("/v1/kms", hex("0003 00000000")));
    ClusterStatusResponse status = ClusterStatusResponse.parseFrom(frames.get(0).payload());
    assertEquals(Set.of(0), status.getNodesUpMap().keySet());
    assertEquals(Map.of(), status.getNodesDownMap());
    ServerStatusResponse node = status.getNodesUpMap().get(0);
    assertEquals(
        List.of(server.host(), "Leader", TestKmsServer.VERSION, "v1", "0", "0"),
        List.of(
            node.getHost(),
            node.getRole(),
            node.getVersion(),
            node.getAPIVersion(),
            String.valueOf(node.getID()),
            String.valueOf(node.getLeaderID())));
    assertEquals(Map.of(0, server.host()), node.getNodesMap());
  }

  @Test
  void goldenEncryptBatch() throws Exception {
    root.createKey("myenclave", CreateKeyRequest.newBuilder().setName("a").build());
    root.createKey("myenclave", CreateKeyRequest.newBuilder().setName("b").build());
    root.createKey(
        "myenclave", CreateKeyRequest.newBuilder().setName("b").setAddVersion(true).build());
    root.createKey(
        "myenclave", CreateKeyRequest.newBuilder().setName("b").setAddVersion(true).build());
    List<Frame> frames =
        okFrames(
            205,
            2,
            post(
                "/v1/kms/myenclave",
                hex("00cd 00000007 0a0161 1a027031 00cd 0000000d 0a0162 1003 1a027032 22026164")));
    EncryptResponse a = EncryptResponse.parseFrom(frames.get(0).payload());
    EncryptResponse b = EncryptResponse.parseFrom(frames.get(1).payload());
    assertEquals(
        "1 46 3 46",
        a.getVersion()
            + " "
            + a.getCiphertext().size()
            + " "
            + b.getVersion()
            + " "
            + b.getCiphertext().size());
    assertEquals(
        "p1",
        root.decrypt(
                "myenclave",
                DecryptRequest.newBuilder()
                    .setName("a")
                    .setVersion(1)
                    .setCiphertext(a.getCiphertext())
                    .build())
            .getPlaintext()
            .toStringUtf8());
    assertEquals(
        "p2",
        root.decrypt(
                "myenclave",
                DecryptRequest.newBuilder()
                    .setName("b")
                    .setVersion(3)
                    .setCiphertext(b.getCiphertext())
                    .setAssociatedData(ByteString.copyFromUtf8("ad"))
                    .build())
            .getPlaintext()
            .toStringUtf8());
  }

  @Test
  void goldenListKeysWithContinueAtOutsidePrefixIsEmpty() throws Exception {
    for (String name : List.of("p", "p1", "q", "qa")) {
      root.createKey("e", CreateKeyRequest.newBuilder().setName(name).build());
    }
    List<Frame> frames =
        okFrames(208, 1, post("/v1/kms/e", hex("00d0 00000008 0a0170 120171 1807")));
    ListKeysResponse list = ListKeysResponse.parseFrom(frames.get(0).payload());
    assertEquals(ListKeysResponse.getDefaultInstance(), list);
    // The same request with continue_at "p1" starts there (inclusive).
    List<Frame> from =
        okFrames(208, 1, post("/v1/kms/e", hex("00d0 00000009 0a0170 12027031 1807")));
    assertEquals(
        List.of("p1"),
        ListKeysResponse.parseFrom(from.get(0).payload()).getKeysList().stream()
            .map(k -> k.getName())
            .toList());
  }

  @Test
  void goldenGenerateKeyAndDecrypt() throws Exception {
    root.createKey("myenclave", CreateKeyRequest.newBuilder().setName("minio").build());
    List<Frame> frames =
        okFrames(
            207, 1, post("/v1/kms/myenclave", hex("00cf 0000000d 0a056d696e696f 1a026164 2020")));
    GenerateKeyResponse dk = GenerateKeyResponse.parseFrom(frames.get(0).payload());
    assertEquals(
        "1 32 76",
        dk.getVersion() + " " + dk.getPlaintext().size() + " " + dk.getCiphertext().size());
    assertEquals(
        dk.getPlaintext(),
        root.decrypt(
                "myenclave",
                DecryptRequest.newBuilder()
                    .setName("minio")
                    .setVersion(1)
                    .setCiphertext(dk.getCiphertext())
                    .setAssociatedData(ByteString.copyFromUtf8("ad"))
                    .build())
            .getPlaintext());

    assertJsonError(
        400,
        "invalid ciphertext",
        post("/v1/kms/myenclave", hex("00ce 00000011 0a056d696e696f 1001 1a020102 22026164")));
  }

  @Test
  void goldenCreatePolicy() throws Exception {
    assertEmptyOk(
        301,
        post(
            "/v1/kms/myenclave",
            hex("012d 0000001e 0a0170 12190a0b4b45593a454e4352595054120a0a080a046d792d2a1200")));
    PolicyResponse p = root.getPolicy("myenclave", PolicyRequest.newBuilder().setName("p").build());
    Map<String, Set<String>> allow = new java.util.TreeMap<>();
    p.getAllowMap().forEach((cmd, rules) -> allow.put(cmd, rules.getRulesMap().keySet()));
    assertEquals(
        "p " + Map.of("KEY:ENCRYPT", Set.of("my-*")) + " {}",
        p.getName() + " " + allow + " " + p.getDenyMap());
  }

  // ---- §1 headers, §4.1 padding --------------------------------------------------------------

  @Test
  void responsesCarryContentLengthAndAreNeverCompressed() throws Exception {
    root.createKey("w", CreateKeyRequest.newBuilder().setName("gz").build());
    byte[] big = new byte[4000];
    Arrays.fill(big, (byte) 'a');
    for (HttpClient.Version version :
        List.of(HttpClient.Version.HTTP_1_1, HttpClient.Version.HTTP_2)) {
      HttpClient http = server.raw(server.rootKey(), version, null);
      List<HttpResponse<byte[]>> responses = new ArrayList<>();
      responses.add(
          server.post(
              http,
              "/v1/kms/w",
              frames(
                  205,
                  EncryptRequest.newBuilder()
                      .setName("gz")
                      .setPlaintext(ByteString.copyFrom(big))
                      .build()
                      .toByteArray()),
              "Accept-Encoding",
              "gzip"));
      responses.add(
          server.post(http, "/v1/kms/w", hex("00d0 00000000"), "Accept-Encoding", "gzip"));
      responses.add(server.post(http, "/v1/kms", hex("0003 00000000"), "Accept-Encoding", "gzip"));
      responses.add(server.get(http, "/version", "Accept-Encoding", "gzip"));
      responses.add(
          server.get(
              http, "/version", "Accept-Encoding", "gzip", "Accept", "application/octet-stream"));
      for (HttpResponse<byte[]> r : responses) {
        assertEquals(200, r.statusCode());
        assertEquals(version, r.version());
        assertContentLength(r);
      }
      assertEquals(
          4000 + 44,
          EncryptResponse.parseFrom(Frames.decode(responses.get(0).body()).get(0).payload())
              .getCiphertext()
              .size());
      HttpResponse<byte[]> error =
          server.post(
              http,
              "/v1/kms/w",
              frames(204, KeyStatusRequest.newBuilder().setName("missing").build().toByteArray()),
              "Accept-Encoding",
              "gzip");
      assertJsonError(404, "key does not exist", error);
    }
  }

  /** Natural size of response frames: each payload without unknown (padding) fields. */
  private static int naturalSize(List<Frame> frames) {
    int total = 0;
    for (Frame f : frames) {
      try {
        total +=
            Frames.HEADER_BYTES
                + UnknownFieldSet.parseFrom(f.payload()).toBuilder()
                    .clearField(Frames.PADDING_FIELD_NUMBER)
                    .build()
                    .getSerializedSize();
      } catch (com.google.protobuf.InvalidProtocolBufferException e) {
        throw new AssertionError(e);
      }
    }
    return total;
  }

  @Test
  void batchBodiesInTheGoPoolGapArePaddedAndStillDecode() throws Exception {
    root.createKey("w", CreateKeyRequest.newBuilder().setName("pad").build());
    // One frame: EncryptResponse{version 1, ciphertext 950 + 44 bytes} is 999 bytes + 6 = 1005.
    // Ten frames: EncryptResponse{1, 47 + 44} is 95 bytes + 6 = 101; ten make 1010.
    for (int[] shape : new int[][] {{1, 950}, {10, 47}}) {
      int count = shape[0];
      List<byte[]> plaintexts = new ArrayList<>();
      List<byte[]> payloads = new ArrayList<>();
      for (int i = 0; i < count; i++) {
        byte[] pt = new byte[shape[1]];
        Arrays.fill(pt, (byte) ('a' + i));
        plaintexts.add(pt);
        payloads.add(
            EncryptRequest.newBuilder()
                .setName("pad")
                .setPlaintext(ByteString.copyFrom(pt))
                .build()
                .toByteArray());
      }
      HttpResponse<byte[]> r = post("/v1/kms/w", frames(205, payloads.toArray(new byte[0][])));
      List<Frame> out = okFrames(205, count, r);
      int natural = naturalSize(out);
      assertTrue(natural >= 1001 && natural <= 1024, "crafted natural size " + natural);
      int length = r.body().length;
      assertTrue(length >= 1025 && length <= 1027, "padded length " + length);
      Frame last = out.get(count - 1);
      assertTrue(
          EncryptResponse.parseFrom(last.payload())
              .getUnknownFields()
              .hasField(Frames.PADDING_FIELD_NUMBER),
          "padding field on the last frame");
      for (int i = 0; i < count; i++) {
        EncryptResponse enc = EncryptResponse.parseFrom(out.get(i).payload());
        assertEquals(1, enc.getVersion());
        assertEquals(
            ByteString.copyFrom(plaintexts.get(i)),
            root.decrypt(
                    "w",
                    DecryptRequest.newBuilder()
                        .setName("pad")
                        .setVersion(1)
                        .setCiphertext(enc.getCiphertext())
                        .build())
                .getPlaintext());
      }
      // The Java client reads the padded body as well.
      List<EncryptRequest> reqs = new ArrayList<>();
      for (byte[] p : payloads) {
        reqs.add(EncryptRequest.parseFrom(p));
      }
      assertEquals(count, root.encrypt("w", reqs).size());
    }
  }

  @Test
  void clusterStatusBodiesAreNeverInTheGoPoolGap() throws Exception {
    for (int count = 1; count <= 12; count++) {
      byte[][] payloads = new byte[count][];
      Arrays.fill(payloads, new byte[0]);
      HttpResponse<byte[]> r = post("/v1/kms", frames(3, payloads));
      List<Frame> out = okFrames(3, count, r);
      int length = r.body().length;
      assertFalse(length >= 1001 && length <= 1024, "CLUSTER:STATUS body of " + length);
      int natural = naturalSize(out);
      assertEquals(
          natural >= 1001 && natural <= 1024,
          length != natural,
          "padded exactly when the natural size " + natural + " is in the gap");
      for (Frame f : out) {
        assertEquals(
            Set.of(0), ClusterStatusResponse.parseFrom(f.payload()).getNodesUpMap().keySet());
      }
    }
    assertEquals(1, root.clusterStatus().getNodesUpCount());
  }

  // ---- /version, health, paths ---------------------------------------------------------------

  @Test
  void versionIsExactJsonWithFiveKeys() throws Exception {
    HttpResponse<byte[]> r = server.get(raw, "/version");
    assertEquals(200, r.statusCode());
    assertEquals("application/json", r.headers().firstValue("content-type").orElse(""));
    assertContentLength(r);
    assertEquals(
        "{\"version\":\""
            + TestKmsServer.VERSION
            + "\",\"commit\":\""
            + TestKmsServer.COMMIT
            + "\",\"api_version\":\"v1\",\"host\":\""
            + server.host()
            + "\",\"fips140\":false}",
        text(r.body()));
    var json = new com.fasterxml.jackson.databind.ObjectMapper().readTree(r.body());
    List<String> keys = new ArrayList<>();
    json.fieldNames().forEachRemaining(keys::add);
    assertEquals(List.of("version", "commit", "api_version", "host", "fips140"), keys);
    // the README's example shows the same keys (issue 13, F10: it said "apiVersion")
    String example =
        java.nio.file.Files.readAllLines(java.nio.file.Path.of("..", "README.md")).stream()
            .filter(l -> l.startsWith("curl -k https://HOST:7373/version"))
            .findFirst()
            .orElseThrow();
    List<String> readmeKeys = new ArrayList<>();
    new com.fasterxml.jackson.databind.ObjectMapper()
        .readTree(example.substring(example.indexOf('{')))
        .fieldNames()
        .forEachRemaining(readmeKeys::add);
    assertEquals(keys, readmeKeys, example);

    var viaClient = root.version(server.host());
    assertEquals(
        TestKmsServer.VERSION + " " + TestKmsServer.COMMIT + " v1 " + server.host() + " false",
        viaClient.getVersion()
            + " "
            + viaClient.getCommit()
            + " "
            + viaClient.getAPIVersion()
            + " "
            + viaClient.getHost()
            + " "
            + viaClient.getFIPS140());
  }

  @Test
  void versionIsProtobufWhenAskedFor() throws Exception {
    HttpResponse<byte[]> r = server.get(raw, "/version", "Accept", "application/octet-stream");
    assertEquals(200, r.statusCode());
    assertEquals("application/octet-stream", r.headers().firstValue("content-type").orElse(""));
    assertContentLength(r);
    io.openkms.http.proto.VersionResponse expected =
        io.openkms.http.proto.VersionResponse.newBuilder()
            .setVersion(TestKmsServer.VERSION)
            .setCommit(TestKmsServer.COMMIT)
            .setAPIVersion("v1")
            .setHost(server.host())
            .setFIPS140(false)
            .build();
    assertEquals(hex(expected.toByteArray()), hex(r.body()));
  }

  @Test
  void healthEndpointsAnswer200() throws Exception {
    for (String path : List.of("/v1/health/live", "/v1/health/ready", "/v1/health/ready?write")) {
      HttpResponse<byte[]> r = server.get(raw, path);
      assertEquals(path + " 200", path + " " + r.statusCode());
    }
    root.live(server.host());
    root.ready(server.host(), false);
    root.ready(server.host(), true);
  }

  @Test
  void everyCommandPathFormWorks() throws Exception {
    root.createKey("w", CreateKeyRequest.newBuilder().setName("path").build());
    okFrames(3, 1, post("/v1/kms", hex("0003 00000000")));
    okFrames(3, 1, post("/v1/kms/", hex("0003 00000000")));
    byte[] status =
        frames(204, KeyStatusRequest.newBuilder().setName("path").build().toByteArray());
    okFrames(204, 1, post("/v1/kms/w", status));
    okFrames(204, 1, post("/v1/kms/w/", status));
  }

  @Test
  void wrongMethodIs405AndUnknownPathIs404() throws Exception {
    assertJsonError(405, "method not allowed: use POST", server.get(raw, "/v1/kms"));
    assertJsonError(405, "method not allowed: use POST", server.get(raw, "/v1/kms/w"));
    assertJsonError(404, "not found: /v1/nope", server.get(raw, "/v1/nope"));
    assertJsonError(404, "not found: /v1/nope", post("/v1/nope", hex("0003 00000000")));
    assertJsonError(405, "method not allowed: use GET", post("/version", new byte[0]));
  }

  // ---- transports ----------------------------------------------------------------------------

  @Test
  void http11AndHttp2BothWork() throws Exception {
    for (HttpClient.Version version :
        List.of(HttpClient.Version.HTTP_1_1, HttpClient.Version.HTTP_2)) {
      HttpResponse<byte[]> r =
          server.post(server.raw(server.rootKey(), version, null), "/v1/kms", hex("0003 00000000"));
      assertEquals(version + " 200", r.version() + " " + r.statusCode());
      KmsClient c = server.client(server.rootKey(), version);
      String name = "v-" + version;
      c.createKey("w", CreateKeyRequest.newBuilder().setName(name).build());
      EncryptResponse enc =
          c.encrypt(
              "w",
              EncryptRequest.newBuilder()
                  .setName(name)
                  .setPlaintext(ByteString.copyFromUtf8("hello"))
                  .build());
      assertEquals(
          "hello",
          c.decrypt(
                  "w",
                  DecryptRequest.newBuilder()
                      .setName(name)
                      .setVersion(enc.getVersion())
                      .setCiphertext(enc.getCiphertext())
                      .build())
              .getPlaintext()
              .toStringUtf8());
    }
  }

  @Test
  void tls12AndTls13BothWorkWithAnEd25519ClientCertificate() throws Exception {
    assertTrue(server.rootKey().toString().startsWith("k1:"), "an Ed25519 (k1) API key");
    for (String protocol : List.of("TLSv1.2", "TLSv1.3")) {
      for (HttpClient.Version version :
          List.of(HttpClient.Version.HTTP_1_1, HttpClient.Version.HTTP_2)) {
        HttpClient http = server.raw(server.rootKey(), version, protocol);
        HttpResponse<byte[]> r = server.post(http, "/v1/kms/w", frames(403, new byte[0]));
        assertEquals(
            protocol + " 200", r.sslSession().orElseThrow().getProtocol() + " " + r.statusCode());
        var me =
            io.openkms.http.proto.IdentityResponse.parseFrom(
                Frames.decode(r.body()).get(0).payload());
        assertEquals(
            server.rootKey().identity() + " 1", me.getIdentity() + " " + me.getPrivilege());
      }
    }
  }

  @Test
  void aClientWithoutCertificateReachesVersionAndHealthButNotTheApi() throws Exception {
    // docs/PROTOCOL.md §2.4: curl -k https://HOST:7373/version, load balancers and probes.
    for (String protocol : List.of("TLSv1.2", "TLSv1.3")) {
      for (HttpClient.Version version :
          List.of(HttpClient.Version.HTTP_1_1, HttpClient.Version.HTTP_2)) {
        HttpClient http = server.raw(null, version, protocol);
        String where = protocol + " " + version;
        HttpResponse<byte[]> v = server.get(http, "/version");
        assertEquals(200, v.statusCode(), where);
        assertTrue(
            new String(v.body(), java.nio.charset.StandardCharsets.UTF_8)
                .contains("\"version\":\"" + TestKmsServer.VERSION + "\""),
            where);
        assertEquals(200, server.get(http, "/v1/health/live").statusCode(), where);
        assertEquals(200, server.get(http, "/v1/health/ready").statusCode(), where);
        for (String path : List.of("/v1/kms", "/v1/kms/w", "/v1/rpc/status?nonce=AAAA")) {
          HttpResponse<byte[]> r =
              path.startsWith("/v1/rpc")
                  ? server.get(http, path)
                  : server.post(http, path, hex("0003 00000000"));
          ApiAssertions.assertJsonError(401, KmsApi.NO_CLIENT_CERTIFICATE, r);
        }
      }
    }
  }
}
