package io.openkms.http.server;

import io.openkms.http.proto.ErrResponse;
import io.openkms.kms.domain.KmsException;
import java.nio.charset.StandardCharsets;
import org.apache.pekko.http.javadsl.model.ContentType;
import org.apache.pekko.http.javadsl.model.ContentTypes;
import org.apache.pekko.http.javadsl.model.HttpEntities;
import org.apache.pekko.http.javadsl.model.HttpRequest;
import org.apache.pekko.http.javadsl.model.HttpResponse;
import org.apache.pekko.http.javadsl.model.StatusCodes;

/**
 * Builds every response the API sends. All bodies are strict (so Pekko HTTP sends a Content-Length)
 * and never compressed (docs/PROTOCOL.md §1). Error bodies follow §6.1: exactly {@code
 * application/json} with {@code {"message":"…"}} and no other key and no trailing newline, or, when
 * the client accepts only {@code application/octet-stream}, a protobuf {@code ErrResponse}.
 */
public final class Responses {

  /** {@code application/octet-stream}. */
  public static final ContentType.Binary OCTET_STREAM = ContentTypes.APPLICATION_OCTET_STREAM;

  private Responses() {}

  /** 200 with a binary body of exactly {@code body.length} bytes. */
  public static HttpResponse ok(byte[] body) {
    return HttpResponse.create()
        .withStatus(StatusCodes.OK)
        .withEntity(HttpEntities.create(OCTET_STREAM, body));
  }

  /** 200 with a JSON body (already encoded). */
  public static HttpResponse okJson(String json) {
    return HttpResponse.create()
        .withStatus(StatusCodes.OK)
        .withEntity(
            HttpEntities.create(
                ContentTypes.APPLICATION_JSON, json.getBytes(StandardCharsets.UTF_8)));
  }

  /**
   * The error response of {@code error} (made by the catalogue, {@link
   * io.openkms.kms.domain.ApiError}): its HTTP status and exact message. The only place an error
   * body is built.
   *
   * @param request decides the body format: protobuf if its Accept header is exactly {@code
   *     application/octet-stream}, JSON otherwise
   */
  public static HttpResponse error(HttpRequest request, KmsException error) {
    int status = error.status();
    String message = error.message();
    boolean protobuf =
        request != null
            && request
                .getHeader("Accept")
                .map(h -> h.value().trim().equals("application/octet-stream"))
                .orElse(false);
    byte[] body;
    ContentType type;
    if (protobuf) {
      body = ErrResponse.newBuilder().setMessage(message).build().toByteArray();
      type = OCTET_STREAM;
    } else {
      body = json(ErrResponse.newBuilder().setMessage(message)).getBytes(StandardCharsets.UTF_8);
      type = ContentTypes.APPLICATION_JSON;
    }
    return HttpResponse.create()
        .withStatus(StatusCodes.get(status))
        .withEntity(HttpEntities.create(type, body));
  }

  /** Compact protojson of {@code message} (docs/PROTOCOL.md §5.3): json_names, no whitespace. */
  public static String json(com.google.protobuf.MessageOrBuilder message) {
    try {
      return JSON.print(message);
    } catch (com.google.protobuf.InvalidProtocolBufferException e) {
      throw new IllegalStateException("cannot encode " + message.getClass().getSimpleName(), e);
    }
  }

  private static final com.google.protobuf.util.JsonFormat.Printer JSON =
      com.google.protobuf.util.JsonFormat.printer()
          .omittingInsignificantWhitespace()
          .alwaysPrintFieldsWithNoPresence();
}
