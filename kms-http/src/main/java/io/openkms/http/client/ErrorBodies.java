package io.openkms.http.client;

import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.util.JsonFormat;
import io.openkms.http.proto.ErrResponse;
import java.nio.charset.StandardCharsets;

/** The error message of a non-200 answer, read as the Go client's {@code readError} (§6.1). */
final class ErrorBodies {

  /** The client reads at most this many bytes of an error body: 5000 (5 × mem.KB). */
  static final int MAX_ERROR_BYTES = 5000;

  private ErrorBodies() {}

  /**
   * The message of an error body: a binary {@link ErrResponse} when the content type is exactly
   * {@code application/octet-stream}; protojson {@code {"message":…}} (unknown keys refused) when
   * it is exactly {@code application/json}; otherwise the whole body as UTF-8 text. A body that
   * does not parse gives the parser's message instead.
   *
   * @param contentType the Content-Type header, or null
   * @param body at most {@link #MAX_ERROR_BYTES} bytes of the body
   */
  static String message(String contentType, byte[] body) {
    if ("application/octet-stream".equals(contentType)) {
      try {
        return ErrResponse.parseFrom(body).getMessage();
      } catch (InvalidProtocolBufferException e) {
        return e.getMessage();
      }
    }
    String text = new String(body, StandardCharsets.UTF_8);
    if ("application/json".equals(contentType)) {
      ErrResponse.Builder builder = ErrResponse.newBuilder();
      try {
        JsonFormat.parser().merge(text, builder);
        return builder.getMessage();
      } catch (InvalidProtocolBufferException | RuntimeException e) {
        return String.valueOf(e.getMessage());
      }
    }
    return text;
  }
}
