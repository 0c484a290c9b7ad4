package io.openkms.cli.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** {@link HostPort}: the HOST[:PORT] forms of --address and --host. */
class HostPortTest {

  @ParameterizedTest(name = "{0}")
  @CsvSource(
      delimiter = '|',
      textBlock =
          """
            0.0.0.0:7373                    | 0.0.0.0                  | 7373 | 0.0.0.0:7373
            127.0.0.1                       | 127.0.0.1                | 9000 | 127.0.0.1:9000
            minkms-node0.example.net:7373   | minkms-node0.example.net | 7373 | minkms-node0.example.net:7373
            minkms-node1.example.net        | minkms-node1.example.net | 9000 | minkms-node1.example.net:9000
            [::1]:7000                      | ::1                      | 7000 | [::1]:7000
            [::]                            | ::                       | 9000 | [::]:9000
            ::1                             | ::1                      | 9000 | [::1]:9000
            fe80::1%eth0                    | fe80::1%eth0             | 9000 | [fe80::1%eth0]:9000
            host_1:1                        | host_1                   | 1    | host_1:1
            h:65535                         | h                        | 65535 | h:65535
            """)
  void parses(String text, String host, int port, String formatted) {
    HostPort parsed = HostPort.parse(text, 9000);
    assertEquals(new HostPort(host, port), parsed);
    assertEquals(formatted, parsed.toString());
  }

  @ParameterizedTest(name = "''{0}''")
  @CsvSource(
      delimiter = '|',
      textBlock =
          """
            ''              | missing host
            :7373           | missing host
            []:7373         | missing host
            [::1            | missing ']'
            [::1]x          | invalid host '[::1]x'
            host:           | invalid port ''
            host:http       | invalid port 'http'
            host:-1         | invalid port '-1'
            host:123456     | invalid port '123456'
            host:0          | port must be between 1 and 65535
            host:65536      | port must be between 1 and 65535
            a b:7373        | invalid host 'a b'
            https://host    | expected HOST[:PORT] without a scheme
            user@host       | invalid host 'user@host'
            [g::1]:7373     | invalid host 'g::1'
            """)
  void rejects(String text, String message) {
    IllegalArgumentException e =
        assertThrows(IllegalArgumentException.class, () -> HostPort.parse(text, 7373));
    assertEquals(message, e.getMessage());
  }

  @Test
  void wildcards() {
    assertTrue(new HostPort("0.0.0.0", 1).isWildcard());
    assertTrue(new HostPort("::", 1).isWildcard());
    assertFalse(new HostPort("127.0.0.1", 1).isWildcard());
    assertFalse(new HostPort("localhost", 1).isWildcard());
  }
}
