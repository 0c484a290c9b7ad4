package io.openkms.http.client;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.util.HexFormat;
import org.junit.jupiter.api.Test;

/** Error bodies as the Go client reads them (docs/PROTOCOL.md §6.1). */
class ErrorBodiesTest {

  private static byte[] utf8(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }

  @Test
  void protobufWhenExactlyOctetStream() {
    byte[] body = HexFormat.of().parseHex("0a126b657920646f6573206e6f74206578697374");
    assertEquals("key does not exist", ErrorBodies.message("application/octet-stream", body));
  }

  @Test
  void brokenProtobufGivesTheParserMessage() {
    String message = ErrorBodies.message("application/octet-stream", new byte[] {0x0a, 0x05, 'a'});
    assertTrue(message.contains("truncated"), message);
  }

  @Test
  void jsonWhenExactlyApplicationJson() {
    assertEquals(
        "access denied: insufficient permissions",
        ErrorBodies.message(
            "application/json", utf8("{\"message\":\"access denied: insufficient permissions\"}")));
  }

  @Test
  void jsonWithAnExtraKeyGivesTheParseError() {
    String message =
        ErrorBodies.message("application/json", utf8("{\"message\":\"x\",\"code\":1}"));
    assertTrue(message.contains("code"), message);
    assertTrue(!message.equals("x"));
  }

  @Test
  void anyOtherContentTypeGivesTheRawBody() {
    assertEquals(
        "{\"message\":\"key does not exist\"}",
        ErrorBodies.message(
            "application/json; charset=utf-8", utf8("{\"message\":\"key does not exist\"}")));
    assertEquals(
        "key does not exist\n",
        ErrorBodies.message("text/plain; charset=utf-8", utf8("key does not exist\n")));
    assertEquals("oops", ErrorBodies.message(null, utf8("oops")));
    assertEquals("", ErrorBodies.message("text/plain", new byte[0]));
  }
}
