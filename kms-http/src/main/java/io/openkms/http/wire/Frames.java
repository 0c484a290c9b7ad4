package io.openkms.http.wire;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Encoding and decoding of {@code /v1/kms} bodies: frames back to back, each {@code uint16 BE
 * command id ‖ uint32 BE payload length N ‖ N payload bytes} (docs/PROTOCOL.md §4.1). Stateless and
 * thread-safe.
 */
public final class Frames {

  /** Bytes of a frame header: 2 (command id) + 4 (payload length). */
  public static final int HEADER_BYTES = 6;

  /** Default cap on the number of frames {@link #decode(byte[])} accepts in one body. */
  public static final int DEFAULT_MAX_FRAMES = 1000;

  /** First body length (bytes) the Go client cannot read for batch responses (§4.1). */
  public static final int GO_POOL_GAP_FIRST = 1001;

  /** Last body length (bytes) the Go client cannot read for batch responses (§4.1). */
  public static final int GO_POOL_GAP_LAST = 1024;

  /** Protobuf field number of the padding field {@link #encodePadded} adds; unused by §5. */
  public static final int PADDING_FIELD_NUMBER = 2047;

  /** Message for an empty body. */
  public static final String EMPTY_BODY = "empty request body";

  /** Message when fewer than {@value #HEADER_BYTES} bytes remain for a header. */
  public static final String TRUNCATED_HEADER = "invalid command format: truncated frame header";

  /** Message when a payload length runs past the end of the body (the Go client's text). */
  public static final String INVALID_LENGTH = "invalid length for received arguments";

  /** Message prefix when a body holds more frames than allowed. */
  public static final String TOO_MANY_FRAMES = "too many commands in request: more than ";

  // Tag of field 2047, wire type 2 (length-delimited): (2047 << 3) | 2 = 16378 as a varint.
  private static final byte[] PADDING_TAG = {(byte) 0xFA, (byte) 0x7F};

  private Frames() {}

  /**
   * Decodes a body with at most {@link #DEFAULT_MAX_FRAMES} frames.
   *
   * @see #decode(byte[], int)
   */
  public static List<Frame> decode(byte[] body) {
    return decode(body, DEFAULT_MAX_FRAMES);
  }

  /**
   * Splits a body into frames, in order. Each payload is copied out of {@code body}.
   *
   * @param body the whole request or response body
   * @param maxFrames the largest number of frames accepted (≥ 1)
   * @return one or more frames, never empty
   * @throws FrameException (HTTP 400) with message {@value #EMPTY_BODY} for an empty body, {@value
   *     #TRUNCATED_HEADER} when 1–5 bytes are left where a header should start, {@value
   *     #INVALID_LENGTH} when a payload length runs past the end of the body, and {@code too many
   *     commands in request: more than <maxFrames>}
   */
  public static List<Frame> decode(byte[] body, int maxFrames) {
    if (maxFrames < 1) {
      throw new IllegalArgumentException("maxFrames must be at least 1: " + maxFrames);
    }
    if (body == null || body.length == 0) {
      throw new FrameException(EMPTY_BODY);
    }
    List<Frame> frames = new ArrayList<>();
    int pos = 0;
    while (pos < body.length) {
      if (body.length - pos < HEADER_BYTES) {
        throw new FrameException(TRUNCATED_HEADER);
      }
      if (frames.size() == maxFrames) {
        throw new FrameException(TOO_MANY_FRAMES + maxFrames);
      }
      int commandId = ((body[pos] & 0xFF) << 8) | (body[pos + 1] & 0xFF);
      long length =
          ((long) (body[pos + 2] & 0xFF) << 24)
              | ((body[pos + 3] & 0xFF) << 16)
              | ((body[pos + 4] & 0xFF) << 8)
              | (body[pos + 5] & 0xFF);
      pos += HEADER_BYTES;
      if (length > body.length - pos) {
        throw new FrameException(INVALID_LENGTH);
      }
      int end = pos + (int) length;
      frames.add(new Frame(commandId, Arrays.copyOfRange(body, pos, end)));
      pos = end;
    }
    return frames;
  }

  /**
   * Writes frames back to back, in list order.
   *
   * @param frames zero or more frames
   * @return the body; its length is the sum of {@link Frame#encodedLength()}
   * @throws IllegalArgumentException if the body would exceed {@code Integer.MAX_VALUE} bytes
   */
  public static byte[] encode(List<Frame> frames) {
    ByteBuffer out = ByteBuffer.allocate(checkedLength(frames));
    for (Frame f : frames) {
      putFrame(out, f.commandId(), f.payload(), null);
    }
    return out.array();
  }

  /**
   * Like {@link #encode} but never returns a body of 1001…1024 bytes, which the Go client cannot
   * read for batch and {@code CLUSTER:STATUS} responses (docs/PROTOCOL.md §4.1, "client bug to work
   * around"). When the plain body falls in that range, a length-delimited field with number {@value
   * #PADDING_FIELD_NUMBER} holding zero bytes is appended to the last frame's payload (its length
   * header grows accordingly), making the body 1025…1027 bytes. Proto3 parsers skip the unknown
   * field, so the payload still parses to the same message.
   *
   * @param frames zero or more frames
   * @return the body, never 1001…1024 bytes long
   */
  public static byte[] encodePadded(List<Frame> frames) {
    int total = checkedLength(frames);
    if (frames.isEmpty() || total < GO_POOL_GAP_FIRST || total > GO_POOL_GAP_LAST) {
      return encode(frames);
    }
    // tag (2 bytes) + length varint (1 byte, n < 128) + n zero bytes; at least 1025 in all.
    int n = Math.max(0, GO_POOL_GAP_LAST + 1 - total - PADDING_TAG.length - 1);
    byte[] padding = new byte[PADDING_TAG.length + 1 + n];
    padding[0] = PADDING_TAG[0];
    padding[1] = PADDING_TAG[1];
    padding[2] = (byte) n;
    ByteBuffer out = ByteBuffer.allocate(total + padding.length);
    int last = frames.size() - 1;
    for (int i = 0; i < frames.size(); i++) {
      Frame f = frames.get(i);
      putFrame(out, f.commandId(), f.payload(), i == last ? padding : null);
    }
    return out.array();
  }

  private static void putFrame(ByteBuffer out, int commandId, byte[] payload, byte[] extra) {
    int extraLength = extra == null ? 0 : extra.length;
    out.putShort((short) commandId);
    out.putInt(payload.length + extraLength);
    out.put(payload);
    if (extra != null) {
      out.put(extra);
    }
  }

  private static int checkedLength(List<Frame> frames) {
    long total = 0;
    for (Frame f : frames) {
      total += f.encodedLength();
    }
    // Leave room for the padding of encodePadded.
    if (total > Integer.MAX_VALUE - 64) {
      throw new IllegalArgumentException("frames too large to encode: " + total + " bytes");
    }
    return (int) total;
  }
}
