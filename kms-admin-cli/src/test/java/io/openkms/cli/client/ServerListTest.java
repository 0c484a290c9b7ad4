package io.openkms.cli.client;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.openkms.cli.CliException;
import java.net.URI;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** {@link ServerList}: MINIO_KMS_SERVER (docs/REFERENCE.md §2.1). */
class ServerListTest {

  @Test
  void defaultIsLocalhost() throws Exception {
    assertEquals(List.of(URI.create("https://localhost:7373")), ServerList.parse(null));
    assertEquals(List.of(URI.create("https://localhost:7373")), ServerList.parse(""));
    assertEquals(List.of(URI.create("https://localhost:7373")), ServerList.parse(" , "));
  }

  @Test
  void guideClusterList() throws Exception {
    assertEquals(
        List.of(
            URI.create("https://minkms-node0.example.net:7373"),
            URI.create("https://minkms-node1.example.net:7373"),
            URI.create("https://minkms-node2.example.net:7373")),
        ServerList.parse(
            "https://minkms-node0.example.net:7373,https://minkms-node1.example.net:7373,"
                + "https://minkms-node2.example.net:7373"));
  }

  @Test
  void schemeAndPortAreOptional() throws Exception {
    assertEquals(
        List.of(
            URI.create("https://a:7373"),
            URI.create("https://b:9000"),
            URI.create("https://c:7373"),
            URI.create("https://127.0.0.1:7373"),
            URI.create("https://[::1]:7373"),
            URI.create("https://d:7373")),
        ServerList.parse("a, b:9000 ,HTTPS://c,127.0.0.1,[::1],https://d:7373/"));
  }

  @ParameterizedTest(name = "{0}")
  @CsvSource(
      delimiter = '|',
      textBlock =
          """
            http://a:7373        | only https is supported
            ftp://a              | only https is supported
            https://             | Expected authority
            https://:7373        | missing host
            https://a:b          | invalid host or port
            https://a:70000      | invalid port
            https://a:7373/v1    | must not have a path, query or user
            https://a:7373?x=1   | must not have a path, query or user
            https://u@a:7373     | must not have a path, query or user
            a b                  | Illegal character in authority
            """)
  void rejects(String entry, String reason) {
    CliException e = assertThrows(CliException.class, () -> ServerList.parse("ok:7373," + entry));
    assertEquals("invalid MINIO_KMS_SERVER entry '" + entry + "': " + reason, e.getMessage());
    assertEquals(CliException.USAGE, e.exitCode());
  }
}
