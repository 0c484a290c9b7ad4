package io.openkms.cli.commands;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.openkms.cli.CliException;
import org.junit.jupiter.api.Test;

/** {@link Hosts}: the {@code HOST[:PORT]} argument of the cluster commands. */
class HostsTest {

  @Test
  void normalForms() throws CliException {
    assertEquals("node1:7373", Hosts.normalize("node1"));
    assertEquals("node1:7000", Hosts.normalize("node1:7000"));
    assertEquals("node1:7373", Hosts.normalize("https://node1"));
    assertEquals("node1:7373", Hosts.normalize("https://node1:7373/"));
    assertEquals("10.0.0.2:7373", Hosts.normalize(" 10.0.0.2 "));
    assertEquals("[::1]:7373", Hosts.normalize("[::1]"));
    assertEquals("[2001:db8::1]:8443", Hosts.normalize("HTTPS://[2001:db8::1]:8443"));
  }

  @Test
  void errors() {
    assertError("invalid host 'http://node1': only https is supported", "http://node1");
    assertError("invalid host ':7373': missing host", ":7373");
    assertError("invalid host 'https://': missing host", "https://");
    assertError("invalid host 'node_1:x': invalid host or port", "node_1:x");
    assertError("invalid host 'a b': invalid host or port", "a b");
    assertError("invalid host 'node1:0': invalid port", "node1:0");
    assertError("invalid host 'node1:65536': invalid port", "node1:65536");
    assertError("invalid host 'u@node1': must not have a path, query or user", "u@node1");
    assertError("invalid host 'node1?x': must not have a path, query or user", "node1?x");
  }

  private static void assertError(String message, String arg) {
    CliException e = assertThrows(CliException.class, () -> Hosts.normalize(arg));
    assertEquals(message, e.getMessage());
    assertEquals(CliException.USAGE, e.exitCode());
  }
}
