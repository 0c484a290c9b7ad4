package io.openkms.http.wire;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.ByteString;
import io.openkms.http.proto.EncryptResponse;
import io.openkms.http.proto.KeyStatusResponse;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Frame layout and padding rules of docs/PROTOCOL.md §4.1. */
class FramesTest {

  private static final HexFormat HEX = HexFormat.of();

  @Test
  void emptyBodyIsRejected() {
    FrameException e = assertThrows(FrameException.class, () -> Frames.decode(new byte[0]));
    assertEquals("empty request body", e.getMessage());
    assertEquals(
        "empty request body",
        assertThrows(FrameException.class, () -> Frames.decode(null)).getMessage());
  }

  @Test
  void shortHeaderIsRejected() {
    for (int n = 1; n < 6; n++) {
      byte[] body = new byte[n];
      assertEquals(
          "invalid command format: truncated frame header",
          assertThrows(FrameException.class, () -> Frames.decode(body)).getMessage());
    }
    // One good frame followed by 3 stray bytes.
    byte[] trailing = HEX.parseHex("000300000000" + "000300");
    assertEquals(
        "invalid command format: truncated frame header",
        assertThrows(FrameException.class, () -> Frames.decode(trailing)).getMessage());
  }

  @Test
  void lengthPastTheEndIsRejected() {
    byte[] oneShort = HEX.parseHex("00c9000000030a01");
    assertEquals(
        "invalid length for received arguments",
        assertThrows(FrameException.class, () -> Frames.decode(oneShort)).getMessage());
    // A length with the top bit set must not turn negative.
    byte[] huge = HEX.parseHex("00c9ffffffff0a016b");
    assertEquals(
        "invalid length for received arguments",
        assertThrows(FrameException.class, () -> Frames.decode(huge)).getMessage());
  }

  @Test
  void frameCountIsCapped() {
    byte[] three = HEX.parseHex("000300000000000300000000000300000000");
    assertEquals(3, Frames.decode(three, 3).size());
    assertEquals(
        "too many commands in request: more than 2",
        assertThrows(FrameException.class, () -> Frames.decode(three, 2)).getMessage());
    byte[] many = new byte[6 * (Frames.DEFAULT_MAX_FRAMES + 1)];
    assertEquals(
        "too many commands in request: more than 1000",
        assertThrows(FrameException.class, () -> Frames.decode(many)).getMessage());
    byte[] max = new byte[6 * Frames.DEFAULT_MAX_FRAMES];
    assertEquals(1000, Frames.decode(max).size());
    assertThrows(IllegalArgumentException.class, () -> Frames.decode(three, 0));
  }

  @Test
  void commandIdIsUnsigned16Bit() {
    byte[] body = HEX.parseHex("ffff00000001aa");
    List<Frame> frames = Frames.decode(body);
    assertEquals(new Frame(65535, new byte[] {(byte) 0xaa}), frames.get(0));
    assertArrayEquals(body, Frames.encode(frames));
    assertThrows(IllegalArgumentException.class, () -> new Frame(65536, new byte[0]));
    assertThrows(IllegalArgumentException.class, () -> new Frame(-1, new byte[0]));
    assertThrows(NullPointerException.class, () -> new Frame(1, null));
  }

  @Test
  void frameEqualityIsByContent() {
    assertEquals(new Frame(3, new byte[] {1, 2}), new Frame(3, new byte[] {1, 2}));
    assertEquals(
        new Frame(3, new byte[] {1, 2}).hashCode(), new Frame(3, new byte[] {1, 2}).hashCode());
    assertNotEquals(new Frame(3, new byte[] {1, 2}), new Frame(4, new byte[] {1, 2}));
    assertNotEquals(new Frame(3, new byte[] {1, 2}), new Frame(3, new byte[] {1, 3}));
    assertEquals("Frame[commandId=3, payload=0102]", new Frame(3, new byte[] {1, 2}).toString());
    assertEquals(8, new Frame(3, new byte[] {1, 2}).encodedLength());
  }

  @Test
  void encodeEmptyListGivesEmptyBody() {
    assertEquals(0, Frames.encode(List.of()).length);
    assertEquals(0, Frames.encodePadded(List.of()).length);
  }

  /**
   * A KeyStatusResponse of exactly {@code payloadBytes} bytes (≥ 141): 0a + 2-byte length + name,
   * 10 01 (version 1), 1a 06 "AES256".
   */
  private static KeyStatusResponse keyStatusOfSize(int payloadBytes) {
    return KeyStatusResponse.newBuilder()
        .setName("n".repeat(payloadBytes - 13))
        .setVersion(1)
        .setType("AES256")
        .build();
  }

  @Test
  void paddingMovesEveryTotalOutOfTheGoPoolGap() throws Exception {
    for (int total = 990; total <= 1030; total++) {
      // Two frames: a fixed first one and a second one sized to reach the total.
      EncryptResponse first =
          EncryptResponse.newBuilder()
              .setVersion(2)
              .setCiphertext(ByteString.copyFrom(new byte[40]))
              .build();
      int firstLength = 6 + first.getSerializedSize();
      int lastPayload = total - firstLength - 6;
      KeyStatusResponse last = keyStatusOfSize(lastPayload);
      assertEquals(lastPayload, last.getSerializedSize(), "test setup for total " + total);
      List<Frame> frames =
          List.of(new Frame(205, first.toByteArray()), new Frame(204, last.toByteArray()));
      byte[] plain = Frames.encode(frames);
      assertEquals(total, plain.length);

      byte[] padded = Frames.encodePadded(frames);
      boolean inGap = total >= 1001 && total <= 1024;
      if (inGap) {
        assertTrue(
            padded.length >= 1025 && padded.length <= 1027,
            "total " + total + " padded to " + padded.length);
      } else {
        assertArrayEquals(plain, padded, "total " + total + " must stay unpadded");
      }
      assertFalse(padded.length >= 1001 && padded.length <= 1024);
      List<Frame> decoded = Frames.decode(padded);
      assertEquals(2, decoded.size());
      assertEquals(frames.get(0), decoded.get(0));
      assertEquals(204, decoded.get(1).commandId());
      KeyStatusResponse reparsed = KeyStatusResponse.parseFrom(decoded.get(1).payload());
      assertEquals(last.getName(), reparsed.getName());
      assertEquals(last.getType(), reparsed.getType());
      assertEquals(last.getVersion(), reparsed.getVersion());
      // The only difference is the unknown padding field 2047.
      assertEquals(inGap ? 1 : 0, reparsed.getUnknownFields().asMap().size());
      assertEquals(
          last,
          reparsed.toBuilder()
              .setUnknownFields(com.google.protobuf.UnknownFieldSet.getDefaultInstance())
              .build());
      if (inGap) {
        assertTrue(reparsed.getUnknownFields().hasField(Frames.PADDING_FIELD_NUMBER));
      }
    }
  }

  @Test
  void paddingOfExactValues() {
    // 1001 bytes = header 6 + 995 payload bytes of zeros is not a valid proto, so use an
    // opaque payload and check the appended bytes directly: tag fa7f, length 21, 21 zeros.
    byte[] payload = new byte[995];
    Arrays.fill(payload, (byte) 0x08);
    byte[] padded = Frames.encodePadded(List.of(new Frame(3, payload)));
    assertEquals(1025, padded.length);
    assertEquals("0003000003fb", HEX.formatHex(padded, 0, 6));
    assertEquals("fa7f15" + "00".repeat(21), HEX.formatHex(padded, 1001, 1025));
    // 1024 bytes: tag and a zero length only, 1027 in all.
    byte[] padded1024 = Frames.encodePadded(List.of(new Frame(3, new byte[1018])));
    assertEquals(1027, padded1024.length);
    assertEquals("fa7f00", HEX.formatHex(padded1024, 1024, 1027));
  }

  @Test
  void manyFramesRoundTrip() {
    List<Frame> frames = new ArrayList<>();
    for (int i = 0; i < 50; i++) {
      frames.add(new Frame(207, new byte[i]));
    }
    assertEquals(frames, Frames.decode(Frames.encode(frames)));
  }
}
