package io.openkms.http.wire;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import com.google.protobuf.ByteString;
import com.google.protobuf.Message;
import io.openkms.http.proto.ClusterStatusRequest;
import io.openkms.http.proto.CreateKeyRequest;
import io.openkms.http.proto.CreatePolicyRequest;
import io.openkms.http.proto.DecryptRequest;
import io.openkms.http.proto.DeleteKeyRequest;
import io.openkms.http.proto.EncryptRequest;
import io.openkms.http.proto.GenerateKeyRequest;
import io.openkms.http.proto.GenerateKeyResponse;
import io.openkms.http.proto.ListRequest;
import io.openkms.http.proto.Rule;
import io.openkms.http.proto.RuleSet;
import java.util.HexFormat;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Every row of the golden-bytes table of docs/PROTOCOL.md §4.3: the hex decodes to the listed
 * frames, the payloads parse to exactly the listed field values, and encoding the listed messages
 * gives exactly that hex.
 */
class GoldenBytesTest {

  private static final HexFormat HEX = HexFormat.of();

  private static byte[] hex(String spaced) {
    return HEX.parseHex(spaced.replace(" ", ""));
  }

  private static ByteString utf8(String s) {
    return ByteString.copyFromUtf8(s);
  }

  /** Encodes the messages as frames of one command and checks the body against the hex. */
  private static List<Frame> roundTrip(String hex, int commandId, Message... messages) {
    byte[] body = hex(hex);
    List<Frame> frames = Frames.decode(body);
    assertEquals(messages.length, frames.size());
    for (int i = 0; i < messages.length; i++) {
      assertEquals(commandId, frames.get(i).commandId());
      assertArrayEquals(messages[i].toByteArray(), frames.get(i).payload());
    }
    List<Frame> built =
        java.util.Arrays.stream(messages).map(m -> new Frame(commandId, m.toByteArray())).toList();
    assertEquals(HEX.formatHex(body), HEX.formatHex(Frames.encode(built)));
    return frames;
  }

  @Test
  void createKeyName() throws Exception {
    List<Frame> frames =
        roundTrip("00c9 00000003 0a016b", 201, CreateKeyRequest.newBuilder().setName("k").build());
    CreateKeyRequest req = CreateKeyRequest.parseFrom(frames.get(0).payload());
    assertEquals("k", req.getName());
    assertEquals("", req.getType());
    assertEquals(false, req.getAddVersion());
  }

  @Test
  void createKeyNameAndType() throws Exception {
    List<Frame> frames =
        roundTrip(
            "00c9 0000000b 0a016b 1206414553323536",
            201,
            CreateKeyRequest.newBuilder().setName("k").setType("AES256").build());
    CreateKeyRequest req = CreateKeyRequest.parseFrom(frames.get(0).payload());
    assertEquals("k", req.getName());
    assertEquals("AES256", req.getType());
    assertEquals(false, req.getAddVersion());
  }

  @Test
  void clusterStatus() throws Exception {
    List<Frame> frames = roundTrip("0003 00000000", 3, ClusterStatusRequest.getDefaultInstance());
    assertEquals(0, frames.get(0).payload().length);
    assertEquals(
        ClusterStatusRequest.getDefaultInstance(),
        ClusterStatusRequest.parseFrom(frames.get(0).payload()));
  }

  @Test
  void encryptBatch() throws Exception {
    List<Frame> frames =
        roundTrip(
            "00cd 00000007 0a0161 1a027031 00cd 0000000d 0a0162 1003 1a027032 22026164",
            205,
            EncryptRequest.newBuilder().setName("a").setPlaintext(utf8("p1")).build(),
            EncryptRequest.newBuilder()
                .setName("b")
                .setVersion(3)
                .setPlaintext(utf8("p2"))
                .setAssociatedData(utf8("ad"))
                .build());
    EncryptRequest first = EncryptRequest.parseFrom(frames.get(0).payload());
    assertEquals("a", first.getName());
    assertEquals(0, first.getVersion());
    assertEquals(utf8("p1"), first.getPlaintext());
    assertEquals(ByteString.EMPTY, first.getAssociatedData());
    EncryptRequest second = EncryptRequest.parseFrom(frames.get(1).payload());
    assertEquals("b", second.getName());
    assertEquals(3, second.getVersion());
    assertEquals(utf8("p2"), second.getPlaintext());
    assertEquals(utf8("ad"), second.getAssociatedData());
  }

  @Test
  void listKeys() throws Exception {
    List<Frame> frames =
        roundTrip(
            "00d0 00000008 0a0170 120171 1807",
            208,
            ListRequest.newBuilder().setPrefix("p").setContinueAt("q").setLimit(7).build());
    ListRequest req = ListRequest.parseFrom(frames.get(0).payload());
    assertEquals("p", req.getPrefix());
    assertEquals("q", req.getContinueAt());
    assertEquals(7, req.getLimit());
  }

  @Test
  void generateKey() throws Exception {
    List<Frame> frames =
        roundTrip(
            "00cf 0000000d 0a056d696e696f 1a026164 2020",
            207,
            GenerateKeyRequest.newBuilder()
                .setName("minio")
                .setAssociatedData(utf8("ad"))
                .setLength(32)
                .build());
    GenerateKeyRequest req = GenerateKeyRequest.parseFrom(frames.get(0).payload());
    assertEquals("minio", req.getName());
    assertEquals(0, req.getVersion());
    assertEquals(utf8("ad"), req.getAssociatedData());
    assertEquals(32, req.getLength());
  }

  @Test
  void decrypt() throws Exception {
    List<Frame> frames =
        roundTrip(
            "00ce 00000011 0a056d696e696f 1001 1a020102 22026164",
            206,
            DecryptRequest.newBuilder()
                .setName("minio")
                .setVersion(1)
                .setCiphertext(ByteString.copyFrom(new byte[] {1, 2}))
                .setAssociatedData(utf8("ad"))
                .build());
    DecryptRequest req = DecryptRequest.parseFrom(frames.get(0).payload());
    assertEquals("minio", req.getName());
    assertEquals(1, req.getVersion());
    assertEquals(ByteString.copyFrom(new byte[] {1, 2}), req.getCiphertext());
    assertEquals(utf8("ad"), req.getAssociatedData());
  }

  @Test
  void deleteKeyAllVersions() throws Exception {
    List<Frame> frames =
        roundTrip(
            "00ca 00000005 0a016b 1801",
            202,
            DeleteKeyRequest.newBuilder().setName("k").setAllVersions(true).build());
    DeleteKeyRequest req = DeleteKeyRequest.parseFrom(frames.get(0).payload());
    assertEquals("k", req.getName());
    assertEquals(0, req.getVersion());
    assertEquals(true, req.getAllVersions());
  }

  @Test
  void createPolicy() throws Exception {
    RuleSet rules = RuleSet.newBuilder().putRules("my-*", Rule.getDefaultInstance()).build();
    List<Frame> frames =
        roundTrip(
            "012d 0000001e 0a0170 12190a0b4b45593a454e4352595054120a0a080a046d792d2a1200",
            301,
            CreatePolicyRequest.newBuilder().setName("p").putAllow("KEY:ENCRYPT", rules).build());
    CreatePolicyRequest req = CreatePolicyRequest.parseFrom(frames.get(0).payload());
    assertEquals("p", req.getName());
    assertEquals(1, req.getAllowCount());
    assertEquals(0, req.getDenyCount());
    assertEquals(
        List.of("my-*"), List.copyOf(req.getAllowOrThrow("KEY:ENCRYPT").getRulesMap().keySet()));
    assertEquals(
        Rule.getDefaultInstance(), req.getAllowOrThrow("KEY:ENCRYPT").getRulesOrThrow("my-*"));
  }

  @Test
  void generateKeyResponse() throws Exception {
    GenerateKeyResponse resp =
        GenerateKeyResponse.newBuilder()
            .setVersion(1)
            .setPlaintext(ByteString.copyFrom(new byte[] {(byte) 0xaa}))
            .setCiphertext(ByteString.copyFrom(new byte[] {(byte) 0xbb}))
            .build();
    List<Frame> frames = roundTrip("00cf 00000008 0801 1201aa 1a01bb", 207, resp);
    GenerateKeyResponse parsed = GenerateKeyResponse.parseFrom(frames.get(0).payload());
    assertEquals(1, parsed.getVersion());
    assertEquals(ByteString.copyFrom(new byte[] {(byte) 0xaa}), parsed.getPlaintext());
    assertEquals(ByteString.copyFrom(new byte[] {(byte) 0xbb}), parsed.getCiphertext());
    // Byte for byte, also through the padded encoder (8 + 6 bytes: no padding).
    assertArrayEquals(
        hex("00cf 00000008 0801 1201aa 1a01bb"),
        Frames.encodePadded(List.of(new Frame(207, resp.toByteArray()))));
  }

  @Test
  void errResponseOfSection62() throws Exception {
    // docs/PROTOCOL.md §6.2: ErrResponse{"key does not exist"} = 0a12 "key does not exist".
    byte[] bytes =
        io.openkms.http.proto.ErrResponse.newBuilder()
            .setMessage("key does not exist")
            .build()
            .toByteArray();
    assertEquals("0a126b657920646f6573206e6f74206578697374", HEX.formatHex(bytes));
  }
}
