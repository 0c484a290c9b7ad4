package io.openkms.http.client;

import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.Message;
import com.google.protobuf.Parser;
import io.openkms.http.proto.KeyStatusResponse;
import io.openkms.http.wire.Frame;
import io.openkms.http.wire.FrameException;
import io.openkms.http.wire.Frames;
import java.util.ArrayList;
import java.util.List;

/** Checks and decodes the frames of a 200 answer to a {@code /v1/kms} command (§4.1). */
final class ResponseFrames {

  private ResponseFrames() {}

  /**
   * Splits a body into payloads: every frame must carry {@code commandId} and there must be exactly
   * {@code expected} of them. An empty body counts as zero frames.
   *
   * @throws KmsProtocolException {@code cmds: failed to decode command <id>: <reason>} for
   *     malformed frames or a frame of another command ({@code received command <x>}), or {@code
   *     kms: expected <n> responses, received <m>}
   */
  static List<byte[]> payloads(String host, int commandId, byte[] body, int expected) {
    List<Frame> frames;
    if (body.length == 0) {
      frames = List.of();
    } else {
      try {
        frames = Frames.decode(body, Integer.MAX_VALUE);
      } catch (FrameException e) {
        throw new KmsProtocolException(failed(commandId, e.getMessage()), host);
      }
    }
    List<byte[]> payloads = new ArrayList<>(frames.size());
    for (Frame f : frames) {
      if (f.commandId() != commandId) {
        throw new KmsProtocolException(
            failed(commandId, "received command " + f.commandId()), host);
      }
      payloads.add(f.payload());
    }
    if (payloads.size() != expected) {
      if (expected == 1 && payloads.size() > 1) {
        throw new KmsProtocolException("kms: response body contains additional data", host);
      }
      throw new KmsProtocolException(
          "kms: expected " + expected + " responses, received " + payloads.size(), host);
    }
    return payloads;
  }

  /** Parses each payload with {@code parser}. */
  static <T extends Message> List<T> parse(
      String host, int commandId, List<byte[]> payloads, Parser<T> parser) {
    List<T> messages = new ArrayList<>(payloads.size());
    for (byte[] p : payloads) {
      try {
        messages.add(parser.parseFrom(p));
      } catch (InvalidProtocolBufferException e) {
        throw new KmsProtocolException(failed(commandId, e.getMessage()), host);
      }
    }
    return List.copyOf(messages);
  }

  /**
   * The Go client fails a whole call when a key's type is not exactly {@code AES256} or {@code
   * ChaCha20} (docs/PROTOCOL.md §5.2).
   *
   * @throws KmsProtocolException {@code kms: key type '<type>' is not supported}
   */
  static void checkKeyType(String host, KeyStatusResponse key) {
    String type = key.getType();
    if (!type.equals("AES256") && !type.equals("ChaCha20")) {
      throw new KmsProtocolException("kms: key type '" + type + "' is not supported", host);
    }
  }

  private static String failed(int commandId, String reason) {
    return "cmds: failed to decode command " + commandId + ": " + reason;
  }
}
