package io.openkms.http.server;

import java.nio.ByteBuffer;

/**
 * Follows the HTTP/2 frames that a client sends (the decrypted bytes, fed in pieces cut anywhere)
 * and reports when one header block grows past a bound. RFC 9113: the client's connection preface
 * is 24 bytes (§3.4); each frame is a 9-byte header — 24-bit payload length, 8-bit type, 8-bit
 * flags, 31-bit stream id — and that many payload bytes (§4.1). A header block is a HEADERS (§6.2)
 * or PUSH_PROMISE (§6.6) frame without the END_HEADERS flag (0x4) followed by CONTINUATION frames
 * (§6.10) until one carries END_HEADERS; nothing else may come in between, and a server holds the
 * whole block until its end, because it can decode it only then.
 *
 * <p>The size of a block is the sum of the payload lengths of its frames (padding and priority
 * fields included), in bytes; a block is over the bound as soon as a frame header announces a
 * payload that takes the sum past {@code maxBlockBytes}, before that payload arrives. Conservative
 * where the client breaks the rules: other frames inside an open block do not end it, a HEADERS
 * frame inside it adds to it, and a CONTINUATION frame outside one counts as a block of its own.
 * The preface is skipped without being checked (the HTTP/2 server checks it).
 *
 * <p>It also clamps the client's SETTINGS_MAX_FRAME_SIZE (RFC 9113 §6.5.2) to 16,384 bytes in place
 * ({@link #settingsByte}), the one change it makes to the bytes.
 *
 * <p>Pure, allocation-free after construction; not thread-safe (one connection, one reader).
 */
final class Http2HeaderBlockScanner {

  /** Length of the client connection preface {@code PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n}, bytes. */
  static final int PREFACE_BYTES = 24;

  /** Length of a frame header, bytes. */
  static final int FRAME_HEADER_BYTES = 9;

  static final int HEADERS = 0x1;
  static final int PUSH_PROMISE = 0x5;
  static final int CONTINUATION = 0x9;
  static final int END_HEADERS = 0x4;
  static final int SETTINGS = 0x4;
  static final int ACK = 0x1;

  /** SETTINGS_MAX_FRAME_SIZE (RFC 9113 §6.5.2). */
  static final int MAX_FRAME_SIZE = 0x5;

  /**
   * The largest SETTINGS_MAX_FRAME_SIZE passed on to the server: 16,384, the protocol's default.
   */
  static final int FRAME_SIZE_CLAMP = 16_384;

  private static final byte[] CLAMPED = {0, 0, 0x40, 0};

  private final long maxBlockBytes;
  private final byte[] header = new byte[FRAME_HEADER_BYTES];
  private int headerBytes;
  private int prefaceLeft = PREFACE_BYTES;
  private long payloadLeft;
  private boolean blockOpen;
  private long blockBytes;
  private boolean over;
  private int cut;
  private boolean inSettings;
  private int settingsPos;
  private final byte[] entry = new byte[6];
  private final int[] entryAt = new int[6];
  private final long[] entryPiece = new long[6];
  private long piece;
  private long clamped;
  private boolean frameSizeUnclamped;

  /**
   * @param maxBlockBytes the largest header block allowed, in bytes (at least 1)
   * @throws IllegalArgumentException if {@code maxBlockBytes < 1}
   */
  Http2HeaderBlockScanner(long maxBlockBytes) {
    if (maxBlockBytes < 1) {
      throw new IllegalArgumentException("maxBlockBytes must be at least 1: " + maxBlockBytes);
    }
    this.maxBlockBytes = maxBlockBytes;
  }

  /**
   * Feeds the client's next bytes: {@code bytes} from index {@code from} (inclusive) to {@code to}
   * (exclusive), read with absolute gets (and a SETTINGS_MAX_FRAME_SIZE over 16,384 rewritten with
   * absolute puts); the buffer's position and limit are left alone.
   *
   * @return true once a header block is over the bound, or a frame size could not be clamped (stays
   *     true; later bytes are ignored)
   */
  boolean feed(ByteBuffer bytes, int from, int to) {
    int i = from;
    piece++;
    while (!over && i < to) {
      if (prefaceLeft > 0) {
        int n = Math.min(prefaceLeft, to - i);
        prefaceLeft -= n;
        i += n;
      } else if (payloadLeft > 0 && inSettings) {
        settingsByte(bytes, i++, from);
        payloadLeft--;
      } else if (payloadLeft > 0) {
        int n = (int) Math.min(payloadLeft, to - i);
        payloadLeft -= n;
        i += n;
      } else {
        int headerStart = i - headerBytes; // below from when it began in an earlier piece
        header[headerBytes++] = bytes.get(i++);
        if (headerBytes == FRAME_HEADER_BYTES) {
          headerBytes = 0;
          frameHeader();
          cut = Math.max(from, headerStart);
        }
      }
    }
    return over;
  }

  private void frameHeader() {
    long length = ((header[0] & 0xffL) << 16) | ((header[1] & 0xffL) << 8) | (header[2] & 0xffL);
    int type = header[3] & 0xff;
    boolean endHeaders = (header[4] & END_HEADERS) != 0;
    payloadLeft = length;
    int stream =
        ((header[5] & 0x7f) << 24)
            | ((header[6] & 0xff) << 16)
            | ((header[7] & 0xff) << 8)
            | (header[8] & 0xff);
    inSettings = type == SETTINGS && (header[4] & ACK) == 0 && stream == 0;
    settingsPos = 0;
    if (type == HEADERS || type == PUSH_PROMISE || type == CONTINUATION) {
      blockBytes = (blockOpen ? blockBytes : 0) + length;
      blockOpen = !endHeaders;
      if (blockBytes > maxBlockBytes) {
        over = true;
      }
    }
  }

  /**
   * One byte of a SETTINGS payload at index {@code i} of the piece that began at {@code from}: at
   * the end of each 6-byte entry (16-bit identifier, 32-bit value), a SETTINGS_MAX_FRAME_SIZE above
   * {@link #FRAME_SIZE_CLAMP} is rewritten to it in place. Why: Pekko HTTP pulls a response stream
   * while that stream buffers less than two of the client's frames (pekko-http 1.3 {@code
   * maxBytesToBufferPerSubstream} = 2 x the peer's max frame size), so a client announcing 16 MiB
   * frames and a zero window had whole answers pulled, their streams ended and their {@link
   * ResponseBudget} reservations released while nothing was sent. A server may always send frames
   * smaller than the client's maximum, so the clamp changes nothing a client can tell but the frame
   * sizes. Value bytes already delivered in an earlier piece cannot be rewritten: if they keep the
   * value above the clamp, the connection is refused ({@link #frameSizeUnclamped()}).
   */
  private void settingsByte(ByteBuffer bytes, int i, int from) {
    int o = settingsPos++ % 6;
    entry[o] = bytes.get(i);
    entryAt[o] = i;
    entryPiece[o] = piece;
    if (o < 5) {
      return;
    }
    int id = ((entry[0] & 0xff) << 8) | (entry[1] & 0xff);
    long value =
        ((entry[2] & 0xffL) << 24)
            | ((entry[3] & 0xffL) << 16)
            | ((entry[4] & 0xffL) << 8)
            | (entry[5] & 0xffL);
    if (id != MAX_FRAME_SIZE || value <= FRAME_SIZE_CLAMP) {
      return;
    }
    for (int k = 2; k < 6; k++) {
      if (entryPiece[k] == piece) {
        bytes.put(entryAt[k], CLAMPED[k - 2]);
      } else if (entry[k] != CLAMPED[k - 2]) {
        frameSizeUnclamped = true;
        over = true;
        cut = from;
        return;
      }
    }
    clamped++;
  }

  /** SETTINGS_MAX_FRAME_SIZE values clamped to {@link #FRAME_SIZE_CLAMP} so far. */
  long clampedFrameSizes() {
    return clamped;
  }

  /**
   * True if {@link #over()} because a SETTINGS_MAX_FRAME_SIZE above {@link #FRAME_SIZE_CLAMP} was
   * split across pieces so that bytes already delivered keep it above (not a header block).
   */
  boolean frameSizeUnclamped() {
    return frameSizeUnclamped;
  }

  /**
   * Once {@link #over()}: the index, in the piece whose bytes took the block over, where the frame
   * that did so begins (its header), or that piece's {@code from} if the header began in an earlier
   * piece. The bytes before it end on a frame boundary and keep the block within the bound.
   */
  int cut() {
    return cut;
  }

  /** True once a header block is over the bound. */
  boolean over() {
    return over;
  }

  /**
   * The size of the open header block, or of the last one, in bytes: payload lengths announced so
   * far (when {@link #over()}, the size that crossed the bound).
   */
  long blockBytes() {
    return blockBytes;
  }

  /** The bound, in bytes. */
  long maxBlockBytes() {
    return maxBlockBytes;
  }
}
