package io.openkms.http.client;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** Endpoint forms of docs/PROTOCOL.md §1 and request paths of §3. */
class EndpointsTest {

  @ParameterizedTest
  @CsvSource({
    "node1, node1:7373",
    "node1:7000, node1:7000",
    "https://node1:7000, node1:7000",
    "HTTPS://node1, node1:7373",
    "http://node1:7000/, node1:7000",
    "' 10.0.0.1 ', 10.0.0.1:7373",
    "10.0.0.1:1, 10.0.0.1:1",
    "::1, '[::1]:7373'",
    "'[::1]', '[::1]:7373'",
    "'[fe80::1]:65535', '[fe80::1]:65535'",
    "https://[::1]:8000, '[::1]:8000'",
  })
  void normalize(String endpoint, String expected) {
    assertEquals(expected, Endpoints.normalize(endpoint));
  }

  @ParameterizedTest
  @CsvSource({
    "'', 'invalid endpoint '''': empty host'",
    "https://, 'invalid endpoint ''https://'': empty host'",
    "node1:0, 'invalid endpoint ''node1:0'': invalid port ''0'''",
    "node1:65536, 'invalid endpoint ''node1:65536'': invalid port ''65536'''",
    "node1:x, 'invalid endpoint ''node1:x'': invalid port ''x'''",
    "node1:+1, 'invalid endpoint ''node1:+1'': invalid port ''+1'''",
    "node1:, 'invalid endpoint ''node1:'': invalid port '''''",
    ":7373, 'invalid endpoint '':7373'': empty host'",
    "node1/v1, 'invalid endpoint ''node1/v1'': an endpoint is host or host:port'",
    "user@node1, 'invalid endpoint ''user@node1'': an endpoint is host or host:port'",
    "'[::1', 'invalid endpoint ''[::1'': missing '']'''",
    "'[::1]x', 'invalid endpoint ''[::1]x'': unexpected text after '']'''",
  })
  void malformedEndpoints(String endpoint, String message) {
    assertEquals(
        message,
        assertThrows(IllegalArgumentException.class, () -> Endpoints.normalize(endpoint))
            .getMessage());
  }

  @Test
  void nullEndpoint() {
    assertEquals(
        "invalid endpoint 'null': empty host",
        assertThrows(IllegalArgumentException.class, () -> Endpoints.normalize(null)).getMessage());
  }

  @Test
  void listDefaultsAndDuplicates() {
    assertEquals(List.of("127.0.0.1:7373"), Endpoints.normalizeAll(List.of()));
    assertEquals(
        List.of("a:7373", "b:1"), Endpoints.normalizeAll(List.of("a", "https://a:7373", "b:1")));
  }

  @Test
  void kmsPaths() {
    assertEquals("/v1/kms", Endpoints.kmsPath(""));
    assertEquals("/v1/kms", Endpoints.kmsPath(null));
    assertEquals("/v1/kms/myenclave", Endpoints.kmsPath("myenclave"));
    assertEquals("/v1/kms/a-b_c.d~e", Endpoints.kmsPath("a-b_c.d~e"));
    assertEquals("/v1/kms/my%20enclave%2Fx%3F%25", Endpoints.kmsPath("my enclave/x?%"));
    assertEquals("/v1/kms/%C3%A9", Endpoints.kmsPath("é"));
    assertEquals(
        "invalid enclave name '..'",
        assertThrows(IllegalArgumentException.class, () -> Endpoints.kmsPath("..")).getMessage());
    assertThrows(IllegalArgumentException.class, () -> Endpoints.kmsPath("."));
  }
}
