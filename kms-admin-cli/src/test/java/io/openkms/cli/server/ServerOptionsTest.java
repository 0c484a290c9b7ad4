package io.openkms.cli.server;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** {@link ServerOptions#defaultHost}: the default --host (docs/REFERENCE.md §2.3). */
class ServerOptionsTest {
  private static final HostPort WILDCARD = new HostPort("0.0.0.0", 7373);

  private static List<InetAddress> addresses(String... literals) throws UnknownHostException {
    List<InetAddress> result = new ArrayList<>();
    for (String literal : literals) {
      result.add(InetAddress.getByName(literal));
    }
    return result;
  }

  @Test
  void firstIpv4UnicastAddressWithTheListenPort() throws Exception {
    assertEquals(
        new HostPort("10.0.0.5", 7373),
        ServerOptions.defaultHost(
            WILDCARD,
            addresses(
                "127.0.0.1",
                "::1",
                "fe80::1",
                "169.254.1.1",
                "2001:db8::5",
                "10.0.0.5",
                "10.0.0.6")));
    assertEquals(
        new HostPort("192.168.1.2", 7474),
        ServerOptions.defaultHost(new HostPort("::", 7474), addresses("192.168.1.2")));
  }

  @Test
  void ipv6UnicastWhenThereIsNoIpv4() throws Exception {
    HostPort host =
        ServerOptions.defaultHost(WILDCARD, addresses("127.0.0.1", "fe80::1", "2001:db8::5"));
    assertEquals(new HostPort("2001:db8:0:0:0:0:0:5", 7373), host);
    assertEquals("[2001:db8:0:0:0:0:0:5]:7373", host.toString());
  }

  @Test
  void loopbackWhenThereIsNoUnicastAddress() throws Exception {
    assertEquals(
        new HostPort("127.0.0.1", 7373),
        ServerOptions.defaultHost(WILDCARD, addresses("127.0.0.1", "::1")));
    assertEquals(new HostPort("127.0.0.1", 7373), ServerOptions.defaultHost(WILDCARD, List.of()));
  }

  @Test
  void aSpecificListenAddressIsItsOwnHost() throws Exception {
    HostPort listen = new HostPort("127.0.0.2", 7000);
    assertEquals(listen, ServerOptions.defaultHost(listen, addresses("10.0.0.5")));
  }

  @Test
  void toStringHidesTheHsmKey() {
    ServerOptions options =
        new ServerOptions(
            Path.of("/data"),
            WILDCARD,
            new HostPort("h", 7373),
            Optional.empty(),
            false,
            Optional.of("hsm:aes256:secret"));
    assertEquals(
        "ServerOptions[dir=/data, address=0.0.0.0:7373, host=h:7373, configFile=, dev=false, hsmKey=***]",
        options.toString());
  }

  /**
   * Issue 13 (edge trial, F7): {@code --host H:7373} without {@code --address} listens on every
   * interface, as the reference does; the node says so in one line at start.
   */
  @Test
  void theStartupNoticeNamesTheListenAddressAndAWildcardAsAllInterfaces() {
    assertEquals(
        "listening on 0.0.0.0:7373 (all interfaces); use --address to restrict",
        ServerOptions.listeningNotice(WILDCARD));
    assertEquals(
        "listening on [::]:7474 (all interfaces); use --address to restrict",
        ServerOptions.listeningNotice(new HostPort("::", 7474)));
    assertEquals(
        "listening on 10.0.0.5:7373",
        ServerOptions.listeningNotice(new HostPort("10.0.0.5", 7373)));
  }
}
