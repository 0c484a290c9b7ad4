package io.openkms.http.client;

import static io.openkms.http.client.ClientFixtures.frames;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

import com.google.protobuf.ByteString;
import io.openkms.http.proto.AddClusterNodeRequest;
import io.openkms.http.proto.AssignPolicyRequest;
import io.openkms.http.proto.ClusterStatusResponse;
import io.openkms.http.proto.CreateKeyRequest;
import io.openkms.http.proto.DecryptRequest;
import io.openkms.http.proto.DecryptResponse;
import io.openkms.http.proto.DeleteKeyRequest;
import io.openkms.http.proto.EditClusterRequest;
import io.openkms.http.proto.EncryptRequest;
import io.openkms.http.proto.EncryptResponse;
import io.openkms.http.proto.GenerateKeyRequest;
import io.openkms.http.proto.GenerateKeyResponse;
import io.openkms.http.proto.ListKeysResponse;
import io.openkms.http.proto.ListRequest;
import io.openkms.http.proto.RemoveClusterNodeRequest;
import io.openkms.http.proto.ServerStatusResponse;
import io.openkms.http.wire.Frame;
import io.openkms.http.wire.Frames;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** What the client sends (docs/PROTOCOL.md §3, §4.3 golden bytes) and how it reads answers. */
class KmsClientRequestTest {

  private static final HexFormat HEX = HexFormat.of();

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

  private TestHttpsServer.Seen only() {
    assertEquals(1, server.requests().size());
    return server.requests().get(0);
  }

  @Test
  void createKeyIsTheGoldenRequest() {
    client.createKey("myenclave", CreateKeyRequest.newBuilder().setName("k").build());
    TestHttpsServer.Seen seen = only();
    assertEquals("POST", seen.method());
    assertEquals("/v1/kms/myenclave", seen.rawPath());
    assertNull(seen.rawQuery());
    assertEquals("00c9000000030a016b", HEX.formatHex(seen.body()));
    assertEquals("application/octet-stream", seen.header("Content-type"));
    assertEquals("application/*", seen.header("Accept"));
    assertEquals("9", seen.header("Content-length"));
    // The server sees the client certificate made from the API key (§2.3).
    assertEquals(ClientFixtures.IDENTITY, seen.identity());
    assertEquals(ClientFixtures.IDENTITY, client.identity());
    assertEquals("TLSv1.3", seen.protocol());
  }

  @Test
  void clusterStatusIsTheGoldenRequestToV1Kms() {
    ClusterStatusResponse status =
        ClusterStatusResponse.newBuilder()
            .putNodesUp(
                0,
                ServerStatusResponse.newBuilder()
                    .setHost("127.0.0.1:7373")
                    .setRole("Leader")
                    .build())
            .putNodesDown(1, "10.0.0.2:7373")
            .build();
    server.handler(r -> frames(new Frame(3, status.toByteArray())));
    assertEquals(status, client.clusterStatus());
    TestHttpsServer.Seen seen = only();
    assertEquals("/v1/kms", seen.rawPath());
    assertEquals("000300000000", HEX.formatHex(seen.body()));
  }

  @Test
  void encryptBatchIsTheGoldenRequest() {
    server.handler(
        r -> {
          List<Frame> answers = new ArrayList<>();
          for (Frame f : Frames.decode(r.body())) {
            EncryptRequest req = EncryptRequest.parseFrom(f.payload());
            answers.add(
                new Frame(
                    205,
                    EncryptResponse.newBuilder()
                        .setVersion((int) req.getVersion() + 1)
                        .setCiphertext(req.getPlaintext())
                        .build()
                        .toByteArray()));
          }
          return frames(answers.toArray(new Frame[0]));
        });
    List<EncryptResponse> out =
        client.encrypt(
            "e",
            List.of(
                EncryptRequest.newBuilder()
                    .setName("a")
                    .setPlaintext(ByteString.copyFromUtf8("p1"))
                    .build(),
                EncryptRequest.newBuilder()
                    .setName("b")
                    .setVersion(3)
                    .setPlaintext(ByteString.copyFromUtf8("p2"))
                    .setAssociatedData(ByteString.copyFromUtf8("ad"))
                    .build()));
    assertEquals(
        "00cd000000070a01611a027031" + "00cd0000000d0a016210031a02703222026164",
        HEX.formatHex(only().body()));
    assertEquals(2, out.size());
    assertEquals(1, out.get(0).getVersion());
    assertEquals("p1", out.get(0).getCiphertext().toStringUtf8());
    assertEquals(4, out.get(1).getVersion());
    assertEquals("p2", out.get(1).getCiphertext().toStringUtf8());
  }

  @Test
  void listKeysAndDecryptAndGenerateKeyAreTheGoldenRequests() {
    server.handler(
        r ->
            switch (Frames.decode(r.body()).get(0).commandId()) {
              case 208 ->
                  frames(new Frame(208, ListKeysResponse.getDefaultInstance().toByteArray()));
              case 206 ->
                  frames(
                      new Frame(
                          206,
                          DecryptResponse.newBuilder()
                              .setPlaintext(ByteString.copyFromUtf8("pt"))
                              .build()
                              .toByteArray()));
              default -> frames(new Frame(207, HEX.parseHex("08011201aa1a01bb")));
            });
    assertEquals(
        ListKeysResponse.getDefaultInstance(),
        client.listKeys(
            "e", ListRequest.newBuilder().setPrefix("p").setContinueAt("q").setLimit(7).build()));
    assertEquals("/v1/kms/e", server.requests().get(0).rawPath());
    assertEquals("00d0000000080a01701201711807", HEX.formatHex(server.requests().get(0).body()));

    DecryptResponse plain =
        client.decrypt(
            "minio",
            DecryptRequest.newBuilder()
                .setName("minio")
                .setVersion(1)
                .setCiphertext(ByteString.copyFrom(new byte[] {1, 2}))
                .setAssociatedData(ByteString.copyFromUtf8("ad"))
                .build());
    assertEquals("pt", plain.getPlaintext().toStringUtf8());
    assertEquals(
        "00ce000000110a056d696e696f10011a02010222026164",
        HEX.formatHex(server.requests().get(1).body()));

    GenerateKeyResponse key =
        client.generateKey(
            "minio",
            GenerateKeyRequest.newBuilder()
                .setName("minio")
                .setAssociatedData(ByteString.copyFromUtf8("ad"))
                .setLength(32)
                .build());
    assertEquals(1, key.getVersion());
    assertEquals("aa", HEX.formatHex(key.getPlaintext().toByteArray()));
    assertEquals("bb", HEX.formatHex(key.getCiphertext().toByteArray()));
    assertEquals(
        "00cf0000000d0a056d696e696f1a0261642020", HEX.formatHex(server.requests().get(2).body()));
  }

  @Test
  void genericSendEchoes() {
    server.handler(r -> TestHttpsServer.Answer.of(200, "application/octet-stream", r.body()));
    List<byte[]> out =
        client.send("e", 207, List.of(new byte[] {1}, new byte[0], new byte[] {2, 3}));
    assertEquals(3, out.size());
    assertArrayEquals(new byte[] {1}, out.get(0));
    assertArrayEquals(new byte[0], out.get(1));
    assertArrayEquals(new byte[] {2, 3}, out.get(2));
    assertEquals(
        "00cf0000000101" + "00cf00000000" + "00cf000000020203", HEX.formatHex(only().body()));
  }

  @Test
  void genericSendWithEmptyAnswer() {
    assertEquals(List.of(), client.send("", 101, List.of(new byte[] {0x0a, 0x01, 0x65})));
    assertEquals("/v1/kms", only().rawPath());
    assertEquals(
        "IllegalArgumentException: at least one payload is required",
        assertThrows(IllegalArgumentException.class, () -> client.send("", 101, List.of()))
            .toString()
            .replace("java.lang.", ""));
  }

  @Test
  void enclaveIsOneEscapedPathSegment() {
    client.createKey("my enclave/x", CreateKeyRequest.newBuilder().setName("k").build());
    assertEquals("/v1/kms/my%20enclave%2Fx", only().rawPath());
  }

  @Test
  void commandsWithoutResponseIgnoreTheBody() {
    server.handler(r -> TestHttpsServer.Answer.of(200, "text/plain", "whatever".getBytes()));
    client.deleteKey("e", DeleteKeyRequest.newBuilder().setName("k").setAllVersions(true).build());
    assertEquals("00ca000000050a016b1801", HEX.formatHex(only().body()));
  }

  @Test
  void clientSideChecksSendNothing() {
    assertEquals(
        "kms: cannot delete all versions and a specific version at once",
        assertThrows(
                IllegalArgumentException.class,
                () ->
                    client.deleteKey(
                        "e",
                        DeleteKeyRequest.newBuilder()
                            .setName("k")
                            .setAllVersions(true)
                            .setVersion(2)
                            .build()))
            .getMessage());
    assertEquals(
        "kms: identity is empty",
        assertThrows(
                IllegalArgumentException.class,
                () ->
                    client.assignPolicy(
                        "e", AssignPolicyRequest.newBuilder().setPolicy("p").build()))
            .getMessage());
    assertEquals(
        "at least one request is required",
        assertThrows(
                IllegalArgumentException.class,
                () -> client.encrypt("e", List.<EncryptRequest>of()))
            .getMessage());
    assertEquals(0, server.requests().size());
  }

  @Test
  void addAndRemoveNodeUpdateTheEndpoints() {
    client.addNode(AddClusterNodeRequest.newBuilder().setHost("10.0.0.2").build());
    assertEquals(List.of(server.host(), "10.0.0.2:7373"), client.endpoints());
    client.addNode(AddClusterNodeRequest.newBuilder().setHost("10.0.0.2:7373").build());
    assertEquals(List.of(server.host(), "10.0.0.2:7373"), client.endpoints());
    client.removeNode(
        RemoveClusterNodeRequest.newBuilder().setHost("https://10.0.0.2:7373").build());
    assertEquals(List.of(server.host()), client.endpoints());
    assertEquals(3, server.requests().size());
    assertEquals(
        "00010000000a0a0831302e302e302e32", HEX.formatHex(server.requests().get(0).body()));
  }

  @Test
  void editClusterGoesToTheNamedHostOnly() throws Exception {
    try (TestHttpsServer other =
        new TestHttpsServer(
            ClientFixtures.loopbackNode(), r -> TestHttpsServer.Answer.of(200, null, null))) {
      KmsClient both = ClientFixtures.client(0, server.host(), other.host()).build();
      both.editCluster(
          EditClusterRequest.newBuilder().setHost(other.host()).addRemoveIDs(2).build());
      assertEquals(0, server.requests().size());
      assertEquals(1, other.requests().size());
      assertEquals("/v1/kms", other.requests().get(0).rawPath());
      KmsClient direct = both.direct(other.host());
      assertEquals(List.of(other.host()), direct.endpoints());
      direct.createKey("e", CreateKeyRequest.newBuilder().setName("k").build());
      assertEquals(2, other.requests().size());
      assertEquals(0, server.requests().size());
    }
  }
}
