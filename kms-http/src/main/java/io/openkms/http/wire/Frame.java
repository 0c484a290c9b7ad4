package io.openkms.http.wire;

import java.util.Arrays;
import java.util.HexFormat;
import java.util.Objects;

/**
 * One command frame of a {@code /v1/kms} request or response body (docs/PROTOCOL.md §4.1): a 16-bit
 * command id and a protobuf payload.
 *
 * <p>The payload array is <em>not</em> copied (this type sits on the hot path); callers must not
 * modify it after handing it over. {@link #equals} and {@link #hashCode} compare the payload by
 * content.
 *
 * @param commandId the command id of docs/PROTOCOL.md §4.2, 0…65535 (unsigned 16 bit on the wire)
 * @param payload the serialized proto3 message; may be empty, never null
 */
public record Frame(int commandId, byte[] payload) {

  /** Largest command id the 16-bit header field can carry. */
  public static final int MAX_COMMAND_ID = 0xFFFF;

  /**
   * @throws IllegalArgumentException if {@code commandId} is outside 0…65535
   * @throws NullPointerException if {@code payload} is null
   */
  public Frame {
    if (commandId < 0 || commandId > MAX_COMMAND_ID) {
      throw new IllegalArgumentException("command id out of range 0..65535: " + commandId);
    }
    Objects.requireNonNull(payload, "payload");
  }

  /** Number of bytes this frame takes on the wire: 6 header bytes plus the payload. */
  public int encodedLength() {
    return Frames.HEADER_BYTES + payload.length;
  }

  @Override
  public boolean equals(Object other) {
    return other instanceof Frame f
        && f.commandId == commandId
        && Arrays.equals(f.payload, payload);
  }

  @Override
  public int hashCode() {
    return 31 * commandId + Arrays.hashCode(payload);
  }

  @Override
  public String toString() {
    return "Frame[commandId=" + commandId + ", payload=" + HexFormat.of().formatHex(payload) + "]";
  }
}
