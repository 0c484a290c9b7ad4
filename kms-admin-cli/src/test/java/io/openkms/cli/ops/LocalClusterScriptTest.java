package io.openkms.cli.ops;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.openkms.http.testing.FreePorts;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code ops/cluster/local-cluster.sh} driven against a fake {@code minkms} (set through the
 * script's {@code MINKMS} variable), so that the script's own work is checked whatever state the
 * server is in: HSM key, certificates, per-node config, start arguments, health wait over mTLS,
 * {@code minkms add}, the printed client settings, status, bounded stop. The fake records every
 * call; its {@code server} is {@code openssl s_server -WWW} with the node's certificate, which
 * requires a client certificate like the real server (docs/PROTOCOL.md §2.4) and answers {@code
 * /v1/health/live}. The real server: {@link LocalClusterProcessTest}. Needs bash, openssl and curl,
 * and 127.0.0.2 / 127.0.0.3 on the loopback interface (Linux).
 */
@Tag("process")
class LocalClusterScriptTest {

  /** The loopback addresses of the script's three nodes. */
  static final List<String> NODES = List.of("127.0.0.1", "127.0.0.2", "127.0.0.3");

  private static final Path SCRIPT = OpsPaths.ops("cluster/local-cluster.sh");
  private static final String HSM_KEY = "hsm:aes256:AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=";
  private static final String BANNER_KEY = "k1:QkFOTkVSLWtleS0wMTIzNDU2Nzg5YWJjZGVmZ2hpams";
  private static final String IDENTITY_KEY = "k1:SURFTlRJVFkta2V5LTAxMjM0NTY3ODlhYmNkZWZnaGk";
  private static final String FAKE_MINKMS =
      """
            #!/usr/bin/env bash
            # fake minkms: records its calls in $FAKE_RECORD
            set -euo pipefail
            case ${1:-} in
              --soft-hsm) echo "@HSM_KEY@" ;;
              identity)
                echo "identity ${*:2}" >>"$FAKE_RECORD"
                printf 'Your API key:\\n\\n   %s\\n\\nYour API key'"'"'s identity:\\n\\n   h1:x\\n' "$FAKE_IDENTITY_KEY" ;;
              add)
                echo "add SERVER=$MINIO_KMS_SERVER KEY=$MINIO_KMS_API_KEY ${*:2}" >>"$FAKE_RECORD"
                if [[ -n ${FAKE_FAIL_ADD:-} ]]; then echo "minkms: server not part of cluster" >&2; exit 1; fi ;;
              server)
                dir=$2 address=$4 config=$8
                echo "server ${*:2} HSM=$MINIO_KMS_HSM_KEY" >>"$FAKE_RECORD"
                if [[ ${FAKE_FAIL_NODE:-} == "${address%%:*}" ]]; then
                  echo "minkms: failed to unseal root encryption key with HSM: invalid ciphertext" >&2
                  exit 1
                fi
                key=$(sed -n 's/^ *- key: //p' "$config")
                cert=$(sed -n 's/^ *cert: //p' "$config")
                mkdir -p "$dir/www/v1/health" && echo ok >"$dir/www/v1/health/live" && cd "$dir/www"
                if [[ -z ${FAKE_NO_BANNER:-} ]]; then echo "API Key        $FAKE_BANNER_KEY"; fi
                echo "=> Server is up and running..."
                if [[ -n ${FAKE_IGNORE_TERM:-} ]]; then trap '' TERM; fi
                exec openssl s_server -quiet -accept "$address" -cert "$cert" -key "$key" -Verify 1 \\
                  -CApath "$dir" -WWW ;;
              *) echo "minkms: fake: unexpected $*" >&2; exit 2 ;;
            esac
            """
          .replace("@HSM_KEY@", HSM_KEY);

  @TempDir Path tmp;

  private Path dir;
  private Path record;
  private int port;
  private final Map<String, String> env = new HashMap<>();

  /** Called first by the {@code @BeforeEach}, so that a skip shows per test with its reason. */
  private void needsTools() {
    for (String tool : List.of("bash", "openssl", "curl")) {
      Assumptions.assumeTrue(
          OpsPaths.onPath(tool).isPresent(), tool + " not found: apt-get install -y " + tool);
    }
  }

  @BeforeEach
  void fakeMinkms() throws Exception {
    needsTools();
    Path fake = Files.writeString(tmp.resolve("fake-minkms"), FAKE_MINKMS);
    Files.setPosixFilePermissions(fake, PosixFilePermissions.fromString("rwxr-xr-x"));
    dir = tmp.resolve("cluster");
    record = tmp.resolve("calls");
    port = FreePorts.pair(NODES);
    env.put("MINKMS", fake.toString());
    env.put("FAKE_RECORD", record.toString());
    env.put("FAKE_BANNER_KEY", BANNER_KEY);
    env.put("FAKE_IDENTITY_KEY", IDENTITY_KEY);
    env.put("MINKMS_CLUSTER_PORT", Integer.toString(port));
    env.put("MINKMS_START_TIMEOUT_SECONDS", "30");
  }

  @AfterEach
  void stopEverything() throws Exception {
    if (dir != null && Files.isDirectory(dir)) {
      Map<String, String> stopEnv = new HashMap<>(env);
      stopEnv.put("MINKMS_STOP_TIMEOUT_SECONDS", "1");
      script(stopEnv, "stop", dir.toString());
    }
  }

  private Exec.Result script(Map<String, String> environment, String... args) throws Exception {
    List<String> command = new ArrayList<>(List.of(SCRIPT.toString()));
    command.addAll(List.of(args));
    return Exec.run(command, environment);
  }

  private Exec.Result script(String... args) throws Exception {
    return script(env, args);
  }

  private List<String> calls() throws Exception {
    return Files.exists(record) ? Files.readAllLines(record) : List.of();
  }

  /** The fake's {@code server} calls, sorted: the nodes start in the background, in any order. */
  private List<String> serverCallsMade() throws Exception {
    return calls().stream().filter(c -> c.startsWith("server ")).sorted().toList();
  }

  /** The fake's other calls ({@code add}, {@code identity}), in order. */
  private List<String> clientCallsMade() throws Exception {
    return calls().stream().filter(c -> !c.startsWith("server ")).toList();
  }

  private String endpoint(int n) {
    return "127.0.0." + (n + 1) + ":" + port;
  }

  private long pid(int n) throws Exception {
    return Long.parseLong(Files.readString(dir.resolve("node" + n + "/pid")).strip());
  }

  /**
   * Whether the process exists and is not a zombie (its parent may be an init that does not reap).
   */
  private static boolean alive(long pid) throws Exception {
    Path stat = Path.of("/proc/" + pid + "/stat");
    if (!Files.exists(stat)) {
      return false;
    }
    try {
      String text = Files.readString(stat);
      return !text.substring(text.lastIndexOf(')') + 2).startsWith("Z");
    } catch (java.nio.file.NoSuchFileException e) {
      return false;
    }
  }

  private List<String> serverCalls() {
    List<String> expected = new ArrayList<>();
    for (int n = 0; n <= 2; n++) {
      Path node = dir.resolve("node" + n);
      expected.add(
          "server "
              + node
              + " --address "
              + endpoint(n)
              + " --host "
              + endpoint(n)
              + " --config "
              + node.resolve("config.yaml")
              + " HSM="
              + HSM_KEY);
    }
    return expected;
  }

  private List<String> addCalls(String apiKey) {
    return List.of(
        "add SERVER=https://" + endpoint(0) + " KEY=" + apiKey + " -k " + endpoint(1),
        "add SERVER=https://" + endpoint(0) + " KEY=" + apiKey + " -k " + endpoint(2));
  }

  @Test
  void startFormsTheClusterAndPrintsTheClientSettings() throws Exception {
    Exec.Result start = script("start", dir.toString());
    assertEquals(0, start.exitCode(), start.describe());
    dir = dir.toRealPath();

    assertEquals(serverCalls(), serverCallsMade());
    assertEquals(addCalls(BANNER_KEY), clientCallsMade());

    String servers =
        "https://" + endpoint(0) + ",https://" + endpoint(1) + ",https://" + endpoint(2);
    List<String> out = start.stdout().lines().toList();
    assertEquals("Using " + env.get("MINKMS"), out.get(0));
    assertTrue(out.contains("Root API key: " + BANNER_KEY), start.describe());
    assertTrue(out.contains("  export MINIO_KMS_SERVER=" + servers), start.describe());
    assertTrue(out.contains("  export MINIO_KMS_API_KEY=" + BANNER_KEY), start.describe());
    assertTrue(
        out.contains(
            "  mkdir -p ~/.minkms/certs/CAs && cp "
                + dir
                + "/certs/ca/ca.crt ~/.minkms/certs/CAs/minkms-local-cluster-ca.crt"),
        start.describe());
    for (int n = 0; n <= 2; n++) {
      assertTrue(
          out.contains(
              "  node"
                  + n
                  + "  https://"
                  + endpoint(n)
                  + "  pid "
                  + pid(n)
                  + "  log "
                  + dir.resolve("node" + n + "/minkms.log")),
          start.describe());
      assertTrue(alive(pid(n)));
    }
    assertEquals(
        "export MINIO_KMS_SERVER=" + servers + "\nexport MINIO_KMS_API_KEY=" + BANNER_KEY + "\n",
        Files.readString(dir.resolve("client.env")));

    assertEquals(HSM_KEY + "\n", Files.readString(dir.resolve("hsm.key")));
    assertEquals(
        "rw-------",
        PosixFilePermissions.toString(Files.getPosixFilePermissions(dir.resolve("hsm.key"))));
    Path certs = dir.resolve("certs/127.0.0.2");
    assertEquals(
        """
                # Written by local-cluster.sh: node1 of the local cluster in %s.
                version: v1
                tls:
                  certs:
                    - key: %s/private.key
                      cert: %s/public.crt
                  ca: %s/CAs
                """
            .formatted(dir, certs, certs, certs),
        Files.readString(dir.resolve("node1/config.yaml")));
    assertEquals("node0\nnode1\nnode2\n", Files.readString(dir.resolve("cluster.formed")));

    Exec.Result status = script("status", dir.toString());
    assertEquals(0, status.exitCode(), status.describe());
    assertEquals(
        List.of(
            "node0  https://" + endpoint(0) + "  running (pid " + pid(0) + "), live",
            "node1  https://" + endpoint(1) + "  running (pid " + pid(1) + "), live",
            "node2  https://" + endpoint(2) + "  running (pid " + pid(2) + "), live"),
        status.stdout().lines().toList());

    long[] pids = {pid(0), pid(1), pid(2)};
    Exec.Result stop = script("stop", dir.toString());
    assertEquals(0, stop.exitCode(), stop.describe());
    assertEquals(
        List.of(
            "node0 stopped (pid " + pids[0] + ")",
            "node1 stopped (pid " + pids[1] + ")",
            "node2 stopped (pid " + pids[2] + ")"),
        stop.stdout().lines().toList());
    for (int n = 0; n <= 2; n++) {
      assertFalse(alive(pids[n]));
      assertFalse(Files.exists(dir.resolve("node" + n + "/pid")));
    }

    Exec.Result stopped = script("status", dir.toString());
    assertEquals(3, stopped.exitCode(), stopped.describe());
    assertEquals(
        List.of(
            "node0  https://" + endpoint(0) + "  stopped",
            "node1  https://" + endpoint(1) + "  stopped",
            "node2  https://" + endpoint(2) + "  stopped"),
        stopped.stdout().lines().toList());
  }

  /** A second start reuses the HSM key and the CA, and adds no node again. */
  @Test
  void restartReusesKeyAndCertificatesAndDoesNotAddAgain() throws Exception {
    assertEquals(0, script("start", dir.toString()).exitCode());
    byte[] ca = Files.readAllBytes(dir.resolve("certs/ca/ca.crt"));
    assertEquals(0, script("stop", dir.toString()).exitCode());

    Exec.Result again = script("start", dir.toString());
    assertEquals(0, again.exitCode(), again.describe());
    dir = dir.toRealPath();
    List<String> twice = new ArrayList<>(serverCalls());
    twice.addAll(serverCalls());
    assertEquals(twice.stream().sorted().toList(), serverCallsMade());
    assertEquals(addCalls(BANNER_KEY), clientCallsMade());
    assertEquals(HSM_KEY + "\n", Files.readString(dir.resolve("hsm.key")));
    assertArrayEquals(ca, Files.readAllBytes(dir.resolve("certs/ca/ca.crt")));
  }

  @Test
  void rootKeyFromMinkmsIdentityWhenTheBannerHasNone() throws Exception {
    env.put("FAKE_NO_BANNER", "1");
    Exec.Result start = script("start", dir.toString());
    assertEquals(0, start.exitCode(), start.describe());
    dir = dir.toRealPath();
    assertEquals(serverCalls(), serverCallsMade());
    List<String> expected = new ArrayList<>();
    expected.add("identity " + HSM_KEY);
    expected.addAll(addCalls(IDENTITY_KEY));
    assertEquals(expected, clientCallsMade());
    assertTrue(
        start.stdout().lines().toList().contains("Root API key: " + IDENTITY_KEY),
        start.describe());
  }

  @Test
  void startWhileEveryNodeRunsFails() throws Exception {
    assertEquals(0, script("start", dir.toString()).exitCode());
    Exec.Result again = script("start", dir.toString());
    assertEquals(1, again.exitCode(), again.describe());
    String real = dir.toRealPath().toString();
    assertEquals(
        "local-cluster.sh: every node is already running: see 'local-cluster.sh status "
            + real
            + "', or 'local-cluster.sh stop "
            + real
            + "' first\n",
        again.stderr());
  }

  /**
   * A crashed node comes back with {@code start}; the running ones are left alone (issue 16, item
   * 11).
   */
  @Test
  void startRestartsOnlyACrashedNode() throws Exception {
    assertEquals(0, script("start", dir.toString()).exitCode());
    dir = dir.toRealPath();
    long node0 = pid(0);
    long node2 = pid(2);
    ProcessHandle victim = ProcessHandle.of(pid(1)).orElseThrow();
    victim.destroyForcibly();
    victim.onExit().get();

    Exec.Result again = script("start", dir.toString());
    assertEquals(0, again.exitCode(), again.describe());
    assertEquals(node0, pid(0));
    assertEquals(node2, pid(2));
    assertTrue(
        ProcessHandle.of(pid(1)).map(ProcessHandle::isAlive).orElse(false), again.describe());
    List<String> calls = new ArrayList<>(serverCalls());
    calls.add(serverCalls().get(1));
    assertEquals(calls.stream().sorted().toList(), serverCallsMade());
    assertEquals(addCalls(BANNER_KEY), clientCallsMade());
    assertTrue(
        again
            .stdout()
            .contains(
                "Left running: node0 (pid "
                    + node0
                    + ") node2 (pid "
                    + node2
                    + "); started: node1"),
        again.describe());
  }

  @Test
  void nodeThatExitsFailsTheStartWithItsLog() throws Exception {
    env.put("FAKE_FAIL_NODE", "127.0.0.2");
    Exec.Result start = script("start", dir.toString());
    assertEquals(1, start.exitCode(), start.describe());
    String real = dir.toRealPath().toString();
    List<String> err = start.stderr().lines().toList();
    assertTrue(err.contains("--- last lines of " + real + "/node1/minkms.log:"), start.describe());
    assertTrue(
        err.contains("minkms: failed to unseal root encryption key with HSM: invalid ciphertext"),
        start.describe());
    assertEquals(
        "local-cluster.sh: node1 ("
            + endpoint(1)
            + ") exited during startup; see "
            + real
            + "/node1/minkms.log; stop the others with: local-cluster.sh stop "
            + real,
        err.get(err.size() - 1));
    assertTrue(
        calls().stream().noneMatch(c -> c.startsWith("add ")), "no add before all nodes are live");
  }

  @Test
  void failedAddFailsTheStart() throws Exception {
    env.put("FAKE_FAIL_ADD", "1");
    Exec.Result start = script("start", dir.toString());
    assertEquals(1, start.exitCode(), start.describe());
    String real = dir.toRealPath().toString();
    assertEquals(
        "minkms: server not part of cluster\nlocal-cluster.sh: 'minkms add "
            + endpoint(1)
            + "' failed; the nodes keep running (stop them with: local-cluster.sh stop "
            + real
            + ")\n",
        start.stderr());
    assertFalse(Files.exists(dir.resolve("cluster.formed")));
  }

  @Test
  void stopSendsSigkillAfterTheTimeout() throws Exception {
    env.put("FAKE_IGNORE_TERM", "1");
    assertEquals(0, script("start", dir.toString()).exitCode());
    long[] pids = {pid(0), pid(1), pid(2)};
    env.put("MINKMS_STOP_TIMEOUT_SECONDS", "1");
    long before = System.nanoTime();
    Exec.Result stop = script("stop", dir.toString());
    long millis = (System.nanoTime() - before) / 1_000_000;
    assertEquals(0, stop.exitCode(), stop.describe());
    assertEquals(
        List.of(
            "node0 killed (pid " + pids[0] + "): no exit within 1s of SIGTERM",
            "node1 killed (pid " + pids[1] + "): no exit within 1s of SIGTERM",
            "node2 killed (pid " + pids[2] + "): no exit within 1s of SIGTERM"),
        stop.stdout().lines().toList());
    assertTrue(millis >= 1000, "waited " + millis + " ms before SIGKILL");
    Thread.sleep(200);
    for (long pid : pids) {
      assertFalse(alive(pid), "pid " + pid);
    }
  }

  @Test
  void stopOfStoppedNodesSaysSo() throws Exception {
    Files.createDirectories(dir);
    Exec.Result stop = script("stop", dir.toString());
    assertEquals(0, stop.exitCode(), stop.describe());
    assertEquals(
        List.of("node0 is not running", "node1 is not running", "node2 is not running"),
        stop.stdout().lines().toList());
  }

  /** A PID file whose process is not this node's (e.g. a reused PID) is not signalled. */
  @Test
  void stalePidFileIsIgnored() throws Exception {
    Files.createDirectories(dir.resolve("node0"));
    Files.writeString(dir.resolve("node0/pid"), ProcessHandle.current().pid() + "\n");
    Exec.Result stop = script("stop", dir.toString());
    assertEquals(0, stop.exitCode(), stop.describe());
    assertEquals("node0 is not running", stop.stdout().lines().findFirst().orElseThrow());
    assertFalse(Files.exists(dir.resolve("node0/pid")));
  }

  @Test
  void usageErrors() throws Exception {
    for (List<String> args :
        List.of(List.<String>of(), List.of("restart"), List.of("start", "a", "b"))) {
      Exec.Result result = script(args.toArray(String[]::new));
      assertEquals(2, result.exitCode(), args + ": " + result.describe());
      assertEquals(
          "usage: local-cluster.sh start|stop|status [DIR]   (DIR defaults to ./local-cluster)\n",
          result.stderr());
    }
  }

  @Test
  void statusAndStopNeedAnExistingDirectory() throws Exception {
    for (String command : List.of("status", "stop")) {
      Exec.Result result = script(command, tmp.resolve("none").toString());
      assertEquals(1, result.exitCode(), result.describe());
      assertEquals(
          "local-cluster.sh: " + tmp.resolve("none") + " does not exist\n", result.stderr());
    }
  }

  @Test
  void badSettingsAreClearErrors() throws Exception {
    Map<String, String> badMinkms = new HashMap<>(env);
    badMinkms.put("MINKMS", tmp.resolve("missing").toString());
    Exec.Result result = script(badMinkms, "start", dir.toString());
    assertEquals(1, result.exitCode(), result.describe());
    assertEquals(
        "local-cluster.sh: MINKMS=" + tmp.resolve("missing") + " is not an executable file\n",
        result.stderr());

    Map<String, String> badPort = new HashMap<>(env);
    badPort.put("MINKMS_CLUSTER_PORT", "70000");
    result = script(badPort, "start", dir.toString());
    assertEquals(1, result.exitCode(), result.describe());
    assertEquals(
        "local-cluster.sh: MINKMS_CLUSTER_PORT=70000 is not a port number\n", result.stderr());

    Map<String, String> badTimeout = new HashMap<>(env);
    badTimeout.put("MINKMS_STOP_TIMEOUT_SECONDS", "1.5");
    result = script(badTimeout, "stop", dir.toString());
    assertEquals(1, result.exitCode(), result.describe());
    assertEquals(
        "local-cluster.sh: MINKMS_STOP_TIMEOUT_SECONDS=1.5 is not a number of seconds\n",
        result.stderr());
  }

  @Test
  void corruptHsmKeyFileIsAnError() throws Exception {
    Files.createDirectories(dir);
    Files.writeString(dir.resolve("hsm.key"), "hsm:aes256:short\n");
    Exec.Result result = script("start", dir.toString());
    assertEquals(1, result.exitCode(), result.describe());
    assertEquals(
        "local-cluster.sh: "
            + dir.toRealPath()
            + "/hsm.key does not hold an HSM key (hsm:aes256:...)\n",
        result.stderr());
    assertEquals(List.of(), calls(), "no node started");
  }
}
