package io.openkms.http.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** {@link Http2HeaderBlockScanner}: frames of a client's HTTP/2 stream, cut anywhere. */
class Http2HeaderBlockScannerTest {

  private static final int DATA = 0x0;
  private static final int HEADERS = Http2HeaderBlockScanner.HEADERS;
  private static final int PUSH_PROMISE = Http2HeaderBlockScanner.PUSH_PROMISE;
  private static final int SETTINGS = 0x4;
  private static final int PING = 0x6;
  private static final int CONTINUATION = Http2HeaderBlockScanner.CONTINUATION;
  private static final int END_STREAM = 0x1;
  private static final int END_HEADERS = Http2HeaderBlockScanner.END_HEADERS;

  private static final byte[] PREFACE =
      "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n".getBytes(StandardCharsets.US_ASCII);

  /** A client's bytes: the preface, then frames. */
  private static final class Wire {
    final ByteArrayOutputStream bytes = new ByteArrayOutputStream();

    Wire() {
      bytes.writeBytes(PREFACE);
    }

    Wire frame(int type, int flags, int stream, int payloadBytes) {
      bytes.writeBytes(
          new byte[] {
            (byte) (payloadBytes >>> 16),
            (byte) (payloadBytes >>> 8),
            (byte) payloadBytes,
            (byte) type,
            (byte) flags,
            (byte) (stream >>> 24),
            (byte) (stream >>> 16),
            (byte) (stream >>> 8),
            (byte) stream
          });
      byte[] payload = new byte[payloadBytes];
      // payload bytes that look like frame headers: the scanner must skip them by length
      java.util.Arrays.fill(payload, (byte) CONTINUATION);
      bytes.writeBytes(payload);
      return this;
    }

    byte[] toArray() {
      return bytes.toByteArray();
    }
  }

  /** Feeds {@code bytes} whole: the scanner's answer. */
  private static boolean whole(Http2HeaderBlockScanner s, byte[] bytes) {
    return s.feed(ByteBuffer.wrap(bytes), 0, bytes.length);
  }

  /**
   * Feeds {@code bytes} in pieces of random sizes (1 to 40 bytes), each inside a larger buffer with
   * other bytes around it; true if a piece was reported over.
   */
  private static boolean pieces(Http2HeaderBlockScanner s, byte[] bytes, long seed) {
    Random random = new Random(seed);
    boolean over = false;
    for (int pos = 0; pos < bytes.length; ) {
      int n = Math.min(1 + random.nextInt(40), bytes.length - pos);
      ByteBuffer buffer = ByteBuffer.allocate(n + 20);
      buffer.position(7);
      buffer.put(bytes, pos, n);
      buffer.position(3);
      over = s.feed(buffer, 7, 7 + n);
      assertEquals(3, buffer.position(), "the buffer's position is left alone");
      pos += n;
    }
    return over;
  }

  @Test
  void aBlockUpToTheBoundPassesAndOneByteMoreIsOver() {
    byte[] fits =
        new Wire()
            .frame(SETTINGS, 0, 0, 6)
            .frame(HEADERS, 0, 1, 16_384)
            .frame(CONTINUATION, 0, 1, 16_384)
            .frame(CONTINUATION, END_HEADERS, 1, 1_000)
            .toArray();
    Http2HeaderBlockScanner s = new Http2HeaderBlockScanner(33_768);
    assertFalse(whole(s, fits));
    assertEquals(33_768, s.blockBytes());

    byte[] over =
        new Wire()
            .frame(HEADERS, 0, 1, 16_384)
            .frame(CONTINUATION, 0, 1, 16_384)
            .frame(CONTINUATION, END_HEADERS, 1, 1_001)
            .toArray();
    Http2HeaderBlockScanner t = new Http2HeaderBlockScanner(33_768);
    assertTrue(whole(t, over));
    assertTrue(t.over());
    assertEquals(33_769, t.blockBytes());
  }

  @Test
  void overIsReportedAtTheFrameHeaderBeforeItsPayload() {
    byte[] bytes =
        new Wire().frame(HEADERS, 0, 1, 1_000).frame(CONTINUATION, 0, 1, 1_000).toArray();
    Http2HeaderBlockScanner s = new Http2HeaderBlockScanner(1_500);
    int headerEnd = PREFACE.length + 9 + 1_000 + 9;
    assertFalse(s.feed(ByteBuffer.wrap(bytes), 0, headerEnd - 1));
    assertTrue(s.feed(ByteBuffer.wrap(bytes), headerEnd - 1, headerEnd));
    // and it stays over, whatever follows
    assertTrue(s.feed(ByteBuffer.wrap(new byte[100]), 0, 100));
  }

  @Test
  void theCutIsWhereTheFrameThatTookTheBlockOverBegins() {
    byte[] bytes =
        new Wire()
            .frame(HEADERS, 0, 1, 1_000)
            .frame(CONTINUATION, 0, 1, 1_000)
            .frame(CONTINUATION, 0, 1, 1_000)
            .toArray();
    int secondContinuation = PREFACE.length + 2 * 9 + 2_000;
    // the frame and its header in one piece that starts earlier: cut at its header
    Http2HeaderBlockScanner s = new Http2HeaderBlockScanner(2_500);
    assertFalse(s.feed(ByteBuffer.wrap(bytes), 0, secondContinuation - 100));
    assertTrue(s.feed(ByteBuffer.wrap(bytes), secondContinuation - 100, bytes.length));
    assertEquals(secondContinuation, s.cut());
    // a header split over two pieces: the second piece's start
    Http2HeaderBlockScanner t = new Http2HeaderBlockScanner(2_500);
    assertFalse(t.feed(ByteBuffer.wrap(bytes), 0, secondContinuation + 4));
    assertTrue(t.feed(ByteBuffer.wrap(bytes), secondContinuation + 4, bytes.length));
    assertEquals(secondContinuation + 4, t.cut());
  }

  @Test
  void eachBlockIsCountedOnItsOwn() {
    Wire w = new Wire().frame(SETTINGS, 0, 0, 0);
    for (int stream = 1; stream < 200; stream += 2) {
      w.frame(HEADERS, 0, stream, 10_000)
          .frame(CONTINUATION, END_HEADERS, stream, 10_000)
          .frame(DATA, END_STREAM, stream, 16_384);
    }
    w.frame(HEADERS, END_HEADERS | END_STREAM, 201, 20_000);
    Http2HeaderBlockScanner s = new Http2HeaderBlockScanner(20_000);
    assertFalse(whole(s, w.toArray()));
    assertFalse(pieces(new Http2HeaderBlockScanner(20_000), w.toArray(), 1));
    assertEquals(20_000, s.blockBytes());
  }

  @Test
  void aSingleHeadersFramePastTheBoundIsOver() {
    byte[] bytes = new Wire().frame(HEADERS, END_HEADERS, 1, 2_001).toArray();
    assertTrue(whole(new Http2HeaderBlockScanner(2_000), bytes));
  }

  @Test
  void piecesCutAnywhereGiveTheSameAnswer() {
    Wire w = new Wire().frame(SETTINGS, 0, 0, 12).frame(HEADERS, 0, 1, 300);
    for (int i = 0; i < 40; i++) {
      w.frame(CONTINUATION, 0, 1, 100);
    }
    byte[] bytes = w.toArray(); // a block of 4,300 bytes, still open
    for (long seed = 0; seed < 50; seed++) {
      assertFalse(pieces(new Http2HeaderBlockScanner(4_300), bytes, seed), "seed " + seed);
      assertTrue(pieces(new Http2HeaderBlockScanner(4_299), bytes, seed), "seed " + seed);
    }
    // byte by byte
    Http2HeaderBlockScanner s = new Http2HeaderBlockScanner(4_299);
    boolean over = false;
    for (int i = 0; i < bytes.length && !over; i++) {
      over = s.feed(ByteBuffer.wrap(bytes), i, i + 1);
    }
    assertTrue(over);
    assertEquals(4_300, s.blockBytes());
  }

  @Test
  void emptyContinuationFramesDoNotGrowTheBlock() {
    Wire w = new Wire().frame(HEADERS, 0, 1, 100);
    for (int i = 0; i < 10_000; i++) {
      w.frame(CONTINUATION, 0, 1, 0); // the throttle's business, not the bound's
    }
    Http2HeaderBlockScanner s = new Http2HeaderBlockScanner(100);
    assertFalse(whole(s, w.toArray()));
    assertEquals(100, s.blockBytes());
  }

  @Test
  void aClientThatBreaksTheRulesIsCountedConservatively() {
    // other frames inside an open block (a protocol error) do not end it
    byte[] interleaved =
        new Wire()
            .frame(HEADERS, 0, 1, 600)
            .frame(PING, 0, 0, 8)
            .frame(DATA, 0, 3, 5_000)
            .frame(CONTINUATION, 0, 1, 600)
            .toArray();
    assertTrue(whole(new Http2HeaderBlockScanner(1_000), interleaved));
    // a HEADERS frame inside an open block adds to it
    byte[] restarted =
        new Wire().frame(HEADERS, 0, 1, 600).frame(HEADERS, END_HEADERS, 3, 600).toArray();
    assertTrue(whole(new Http2HeaderBlockScanner(1_000), restarted));
    // PUSH_PROMISE opens a block too; a CONTINUATION without a block is one of its own
    byte[] push =
        new Wire().frame(PUSH_PROMISE, 0, 1, 600).frame(CONTINUATION, 0, 1, 600).toArray();
    assertTrue(whole(new Http2HeaderBlockScanner(1_000), push));
    byte[] stray = new Wire().frame(CONTINUATION, 0, 1, 1_001).toArray();
    assertTrue(whole(new Http2HeaderBlockScanner(1_000), stray));
  }

  @Test
  void theBoundIsAtLeastOneByte() {
    assertThrows(IllegalArgumentException.class, () -> new Http2HeaderBlockScanner(0));
  }

  /** Preface, then SETTINGS with (id, value) entries; flags 0 or ACK. */
  private static byte[] settings(int flags, int... entries) {
    ByteArrayOutputStream b = new ByteArrayOutputStream();
    b.writeBytes(PREFACE);
    int n = entries.length / 2 * 6;
    b.writeBytes(
        new byte[] {(byte) (n >>> 16), (byte) (n >>> 8), (byte) n, SETTINGS, (byte) flags});
    b.writeBytes(new byte[4]);
    ByteBuffer e = ByteBuffer.allocate(n);
    for (int i = 0; i < entries.length; i += 2) {
      e.putShort((short) entries[i]).putInt(entries[i + 1]);
    }
    b.writeBytes(e.array());
    return b.toByteArray();
  }

  /** The value of setting number {@code k} in {@link #settings}' bytes. */
  private static int settingValue(byte[] bytes, int k) {
    return ByteBuffer.wrap(bytes, PREFACE.length + 9 + 6 * k + 2, 4).getInt();
  }

  @Test
  void clampsTheClientsMaxFrameSizeTo16KiBInPlace() {
    // SETTINGS_INITIAL_WINDOW_SIZE 0, SETTINGS_MAX_FRAME_SIZE 16 MiB - 1, MAX_CONCURRENT_STREAMS 7
    byte[] bytes = settings(0, 0x4, 0, 0x5, 0xffffff, 0x3, 7);
    for (int cut = 0; cut <= bytes.length; cut++) {
      byte[] copy = bytes.clone();
      Http2HeaderBlockScanner s = new Http2HeaderBlockScanner(1024);
      ByteBuffer buf = ByteBuffer.wrap(copy);
      // cut inside the value after its first two bytes (0x00, 0xff): those are delivered already
      int valueStart = PREFACE.length + 9 + 6 + 2;
      boolean unclampable = cut == valueStart + 2 || cut == valueStart + 3;
      assertEquals(unclampable, s.feed(buf, 0, cut) | s.feed(buf, cut, copy.length), "cut " + cut);
      assertEquals(unclampable, s.frameSizeUnclamped(), "cut " + cut);
      if (!unclampable) {
        assertEquals(16_384, settingValue(copy, 1), "cut " + cut);
        assertEquals(0, settingValue(copy, 0), "cut " + cut);
        assertEquals(7, settingValue(copy, 2), "cut " + cut);
        assertEquals(1, s.clampedFrameSizes());
      }
      assertEquals(0, buf.position());
    }
  }

  @Test
  void leavesFrameSizesUpTo16KiBAndAcknowledgementsAlone() {
    byte[] small = settings(0, 0x5, 16_384);
    Http2HeaderBlockScanner s = new Http2HeaderBlockScanner(1024);
    assertFalse(s.feed(ByteBuffer.wrap(small), 0, small.length));
    assertEquals(16_384, settingValue(small, 0));
    assertEquals(0, s.clampedFrameSizes());
    // an ACK carries no settings (a payload would be a FRAME_SIZE_ERROR for the server to raise)
    byte[] ack = settings(0x1, 0x5, 0xffffff);
    s = new Http2HeaderBlockScanner(1024);
    assertFalse(s.feed(ByteBuffer.wrap(ack), 0, ack.length));
    assertEquals(0xffffff, settingValue(ack, 0));
    // a value split so that the delivered bytes are 0x00 0x00: the rest is rewritten
    byte[] split = settings(0, 0x5, 0x8000);
    int valueStart = PREFACE.length + 9 + 2;
    s = new Http2HeaderBlockScanner(1024);
    ByteBuffer buf = ByteBuffer.wrap(split);
    assertFalse(s.feed(buf, 0, valueStart + 2) | s.feed(buf, valueStart + 2, split.length));
    assertEquals(16_384, settingValue(split, 0));
  }
}
