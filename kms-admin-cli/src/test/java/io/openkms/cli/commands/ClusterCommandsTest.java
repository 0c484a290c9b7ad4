package io.openkms.cli.commands;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.openkms.cli.BuildInfo;
import io.openkms.cli.CliRun;
import io.openkms.cli.client.ClientTrustStore;
import io.openkms.http.testing.FreePorts;
import io.openkms.kms.crypto.ApiKey;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * {@link ClusterCommands} against a real single node (docs/REFERENCE.md §2.4, docs/REFERENCE.md §14
 * step 5), and what every client command shares: server list, failover, trust store, {@code -k},
 * colour, API key and connection errors (§2.1).
 */
class ClusterCommandsTest {
  private static TestNode node;

  @BeforeAll
  static void startNode() throws Exception {
    node = TestNode.start();
  }

  @AfterAll
  static void stopNode() throws Exception {
    node.close();
  }

  private static String arch() {
    String a = System.getProperty("os.arch");
    return a.equals("x86_64") || a.equals("amd64") ? "amd64" : a.equals("aarch64") ? "arm64" : a;
  }

  /** The {@code stat} text of the test node, with uptime, heartbeat and memory as {@code X}. */
  private static String expectedStat(String dot, String check) {
    return dot
        + "  Node 0 at "
        + node.host()
        + "\n"
        + "   Version     "
        + BuildInfo.current().release()
        + "\n"
        + "   Uptime      X\n"
        + "   HSMs        1\n"
        + "   Commit      1\n"
        + "   State       Leader\n"
        + "   Leader      Node 0\n"
        + "   Heartbeat   X ago\n"
        + "   System\n"
        + "       OS       "
        + System.getProperty("os.name").toLowerCase()
        + "\n"
        + "       CPUs     "
        + Runtime.getRuntime().availableProcessors()
        + " "
        + arch()
        + "\n"
        + "       Memory   X\n"
        + "\n"
        + "All [1/1] nodes are up "
        + check
        + "\n";
  }

  private static CliRun varying(CliRun run) {
    String out =
        run.out()
            .replaceAll("(?m)^(   Uptime      )\\d+(ms|s|m\\d+s|m|h\\d+m|h)$", "$1X")
            .replaceAll("(?m)^(   Heartbeat   )\\S+ ago$", "$1X ago")
            .replaceAll("(?m)^(       Memory   )\\d+(\\.\\d\\d[KMGTPE]iB|B)$", "$1X");
    return new CliRun(run.exitCode(), out, run.err());
  }

  @Test
  void statShowsTheNodeBlockAndTheSummary() {
    assertEquals(new CliRun(0, expectedStat("●", "✔"), ""), varying(node.run("stat")));
  }

  @Test
  void statIsColouredOnATerminalUnlessNoColor() {
    CliRun coloured = TestNode.runIn(node.context(Map.of()).withTerminal(true), "stat");
    assertEquals(
        new CliRun(0, expectedStat("\u001b[32m●\u001b[0m", "\u001b[32m✔\u001b[0m"), ""),
        varying(coloured));
    CliRun plain = TestNode.runIn(node.context(Map.of("NO_COLOR", "1")).withTerminal(true), "stat");
    assertEquals(new CliRun(0, expectedStat("●", "✔"), ""), varying(plain));
  }

  @Test
  void statAsJson() {
    CliRun result = node.run("stat", "--json");
    String out =
        result
            .out()
            .replaceAll("\"uptime\":\"[0-9.]+s\"", "\"uptime\":\"U\"")
            .replaceAll("\"last_heartbeat\":\"[0-9.]+s\"", "\"last_heartbeat\":\"H\"")
            .replaceAll("\"sys_mem_heap_used\":\"\\d+\"", "\"sys_mem_heap_used\":\"M\"");
    int cpus = Runtime.getRuntime().availableProcessors();
    String expected =
        "{\"nodes_up\":{\"0\":{\"version\":\""
            + BuildInfo.current().release()
            + "\","
            + "\"api_version\":\"v1\",\"host\":\""
            + node.host()
            + "\",\"uptime\":\"U\",\"role\":\"Leader\","
            + "\"commit\":\"1\",\"nodes\":{\"0\":\""
            + node.host()
            + "\"},\"node_id\":0,\"leader_id\":\"0\","
            + "\"last_heartbeat\":\"H\",\"heartbeat_interval\":\"1s\",\"election_timeout\":\"7s\","
            + "\"sys_os\":\""
            + System.getProperty("os.name").toLowerCase()
            + "\","
            + "\"sys_cpu_arch\":\""
            + arch()
            + "\",\"sys_cpu_num\":"
            + cpus
            + ",\"sys_cpu_used\":"
            + cpus
            + ","
            + "\"sys_mem_heap_used\":\"M\",\"sys_mem_stack_used\":\"0\",\"hsm\":[\"hsm:minio:soft\"],"
            + "\"hsm_active\":[\"hsm:minio:soft\"]}},\"nodes_down\":{}}\n";
    assertEquals(new CliRun(0, expected, ""), new CliRun(result.exitCode(), out, result.err()));
  }

  @Test
  void lsShowsOneRowPerNode() {
    CliRun result = node.run("ls");
    assertEquals(0, result.exitCode(), result.err());
    Matcher m =
        Pattern.compile(
                "ID  Status  Role    Uptime  Host\n0   up      Leader  (\\S+)( +)"
                    + Pattern.quote(node.host())
                    + "\n")
            .matcher(result.out());
    assertTrue(m.matches(), result.out());
    assertEquals(Math.max(6, m.group(1).length()) + 2, m.group(1).length() + m.group(2).length());
    assertTrue(node.run("ls", "--json").out().startsWith("{\"nodes_up\":{\"0\":{\"version\":"));
  }

  @Test
  void membershipChangesPrintTheServersAnswer() throws java.io.IOException {
    int closed = FreePorts.single();
    String nobody = "127.0.0.1:" + closed;
    assertEquals(
        new CliRun(1, "", "minkms: node " + nobody + " is not reachable: connection refused\n"),
        node.run("add", nobody));
    // a port that reads the TLS ClientHello and resets (as the cluster port does for HTTPS)
    try (java.net.ServerSocket resetting = new java.net.ServerSocket(0)) {
      Thread closer =
          new Thread(
              () -> {
                while (!resetting.isClosed()) {
                  try (java.net.Socket c = resetting.accept()) {
                    c.getInputStream().read(new byte[512]); // the TLS ClientHello, not answered
                    c.setSoLinger(true, 0); // RST
                  } catch (java.io.IOException e) {
                    return;
                  }
                }
              });
      closer.setDaemon(true);
      closer.start();
      CliRun wrongPort = node.run("add", "127.0.0.1:" + resetting.getLocalPort());
      assertEquals(1, wrongPort.exitCode(), wrongPort.err());
      assertTrue(
          wrongPort.err().endsWith(ClusterCommands.Add.NOT_HTTPS_HINT + "\n"), wrongPort.err());
    }
    assertEquals(
        new CliRun(1, "", "minkms: kms: node '" + nobody + "' is not part of the cluster\n"),
        node.run("rm", "https://" + nobody));
    assertEquals(
        new CliRun(1, "", "minkms: kms: node 1 is not part of the cluster\n"),
        node.run("edit", "https://" + node.host(), "--rm", "1", "--rm", "2"));
  }

  /**
   * The guide's troubleshooting says "re-add the node" after a reset, but the leader may have
   * re-admitted it already: the 409 names that there is nothing to do (issue 16 trial).
   */
  @Test
  void addingAMemberSaysThereIsNothingToAdd() {
    assertEquals(
        new CliRun(
            1,
            "",
            "minkms: kms: node '"
                + node.host()
                + "' is already part of the cluster: nothing to add ('minkms ls' lists it;"
                + " the leader re-admits a reset member by itself)\n"),
        node.run("add", node.host()));
  }

  @Test
  void badHostsAndIdsAreUsageErrors() {
    assertEquals(
        new CliRun(2, "", "minkms: invalid host 'http://node1': only https is supported\n"),
        node.run("add", "http://node1"));
    assertEquals(
        new CliRun(2, "", "minkms: invalid host ':7373': missing host\n"), node.run("rm", ":7373"));
    assertEquals(
        new CliRun(2, "", "minkms: invalid host 'node1:99999': invalid port\n"),
        node.run("add", "node1:99999"));
    assertEquals(
        new CliRun(2, "", "minkms: invalid host 'node1/x': must not have a path, query or user\n"),
        node.run("add", "node1/x"));
    assertEquals(
        new CliRun(2, "", "minkms: invalid node id -1: must be 0 or more\n"),
        node.run("edit", node.host(), "--rm", "-1"));
    assertEquals(
        new CliRun(2, "", "minkms: Missing required option: '--rm=ID'\n"),
        node.run("edit", node.host()));
    assertEquals(
        new CliRun(2, "", "minkms: Invalid value for option '--rm' (ID): 'x' is not an int\n"),
        node.run("edit", node.host(), "--rm", "x"));
  }

  @Test
  void anUnknownIdentityIsDenied() {
    String stranger = ApiKey.generate().toString();
    assertEquals(
        new CliRun(1, "", "minkms: access denied: insufficient permissions\n"),
        node.run("stat", "-a", stranger));
  }

  @Test
  void aMissingApiKeyIsAUsageError() {
    CliRun result =
        TestNode.runIn(
            CliRun.quietContext().withEnv(Map.of("MINIO_KMS_SERVER", node.host())), "stat");
    assertEquals(
        new CliRun(2, "", "minkms: no API key: use --api-key or set MINIO_KMS_API_KEY\n"), result);
  }

  @Test
  void anUnreachableServerSaysWhatToCheck() throws Exception {
    int closed = FreePorts.single();
    CliRun result =
        TestNode.runIn(node.context(Map.of("MINIO_KMS_SERVER", "127.0.0.1:" + closed)), "stat");
    assertEquals(
        new CliRun(
            1,
            "",
            "minkms: cannot reach https://127.0.0.1:"
                + closed
                + ": connection refused —"
                + " is the server running? check MINIO_KMS_SERVER\n"),
        result);
  }

  @Test
  void theClientFailsOverToAServerThatAnswers() throws Exception {
    int closed = FreePorts.single();
    for (String servers :
        new String[] {
          "127.0.0.1:" + closed + "," + node.host(),
          "https://" + node.host() + ", https://127.0.0.1:" + closed
        }) {
      CliRun result = TestNode.runIn(node.context(Map.of("MINIO_KMS_SERVER", servers)), "stat");
      assertEquals(new CliRun(0, expectedStat("●", "✔"), ""), varying(result), servers);
    }
  }

  @Test
  void anUntrustedCertificateSaysToUseInsecureOrAddTheCa() {
    CliRun result = CliRun.run(node.context(Map.of()), "stat");
    assertEquals(
        new CliRun(
            1,
            "",
            "minkms: https://"
                + node.host()
                + ": certificate signed by unknown authority:"
                + " use -k/--insecure for self-signed certificates or add the CA to ~/.minkms/certs/CAs\n"),
        result);
  }

  @Test
  void aCertificateInTheHomeCaDirectoryIsTrusted() throws Exception {
    Path home = Files.createTempDirectory("minkms-cli-trust");
    try {
      Path cas = ClientTrustStore.casDirectory(home);
      Files.createDirectories(cas);
      Files.copy(node.dir.resolve("certs").resolve("public.crt"), cas.resolve("node.pem"));
      CliRun result = CliRun.run(node.context(Map.of()).withHome(home), "stat");
      assertEquals(new CliRun(0, expectedStat("●", "✔"), ""), varying(result));
    } finally {
      try (var files = Files.walk(home)) {
        for (Path p : files.sorted(java.util.Comparator.reverseOrder()).toList()) {
          Files.delete(p);
        }
      }
    }
  }

  @Test
  void aBadServerListIsAUsageError() {
    CliRun result = TestNode.runIn(node.context(Map.of("MINIO_KMS_SERVER", "http://x")), "stat");
    assertEquals(
        new CliRun(
            2, "", "minkms: invalid MINIO_KMS_SERVER entry 'http://x': only https is supported\n"),
        result);
  }
}
