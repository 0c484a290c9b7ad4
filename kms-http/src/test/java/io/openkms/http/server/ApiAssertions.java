package io.openkms.http.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.openkms.http.client.KmsClientException;
import io.openkms.http.wire.Frame;
import io.openkms.http.wire.Frames;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import org.junit.jupiter.api.function.Executable;

/** Byte helpers and exact-error assertions shared by the API tests. */
final class ApiAssertions {

  private ApiAssertions() {}

  /** Bytes of a hex string; spaces are ignored. */
  static byte[] hex(String hex) {
    return HexFormat.of().parseHex(hex.replace(" ", ""));
  }

  /** Lower-case hex of {@code bytes}. */
  static String hex(byte[] bytes) {
    return HexFormat.of().formatHex(bytes);
  }

  /** A body of one frame per payload, all with {@code commandId}. */
  static byte[] frames(int commandId, byte[]... payloads) {
    List<Frame> list = new ArrayList<>();
    for (byte[] p : payloads) {
      list.add(new Frame(commandId, p));
    }
    return Frames.encode(list);
  }

  /**
   * The call fails with exactly {@code status} and {@code message} (docs/PROTOCOL.md §6.2: both
   * must match).
   */
  static KmsClientException assertKmsError(int status, String message, Executable call) {
    KmsClientException e = assertThrows(KmsClientException.class, call);
    assertEquals(status + " " + message, e.status() + " " + e.getMessage());
    return e;
  }

  /**
   * The response is {@code status} with Content-Type exactly {@code application/json} and the body
   * the JSON object {@code {"message":"<message>"}} with no other key (docs/PROTOCOL.md §6.1),
   * byte-exact when the message has nothing to escape, with a Content-Length.
   */
  static void assertJsonError(int status, String message, HttpResponse<byte[]> response) {
    String body = new String(response.body(), StandardCharsets.UTF_8);
    JsonNode json;
    try {
      json = new ObjectMapper().readTree(body);
    } catch (java.io.IOException e) {
      throw new AssertionError("not JSON: " + body, e);
    }
    List<String> keys = new ArrayList<>();
    json.fieldNames().forEachRemaining(keys::add);
    assertEquals(
        status + " [message] " + message,
        response.statusCode() + " " + keys + " " + json.path("message").asText(),
        body);
    if (message.matches("[ -~&&[^'\"<>&=\\\\]]*")) {
      // Nothing to escape: the body is byte-exact (protojson writes ' < > & = as unicode escapes).
      assertEquals("{\"message\":\"" + message + "\"}", body);
    }
    assertEquals("application/json", response.headers().firstValue("content-type").orElse(""));
    assertContentLength(response);
  }

  /** The response has no 500 status and no Java stack trace or exception name in its body. */
  static void assertNoInternalError(HttpResponse<byte[]> response) {
    String body = new String(response.body(), StandardCharsets.UTF_8);
    assertFalse(response.statusCode() >= 500, "status " + response.statusCode() + ": " + body);
    assertFalse(
        body.contains("Exception") || body.contains("\tat ") || body.contains("at io."), body);
  }

  /** A Content-Length header equal to the body length, no chunking, no compression. */
  static void assertContentLength(HttpResponse<byte[]> response) {
    assertEquals(
        String.valueOf(response.body().length),
        response.headers().firstValue("content-length").orElse("missing"),
        "Content-Length");
    assertEquals("none", response.headers().firstValue("content-encoding").orElse("none"));
    assertEquals("none", response.headers().firstValue("transfer-encoding").orElse("none"));
  }
}
