package io.openkms.cli.ops;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.openkms.http.testing.FreePorts;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.jar.JarFile;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The operator procedure end to end with the real distribution ({@code
 * kms-admin-cli/target/minkms/}, built by {@code mvn package}): {@code ops/cluster/local-cluster.sh
 * start} brings up three nodes on 127.0.0.1-3 and joins them with {@code minkms add}; {@code minkms
 * stat} then shows the deployment guide's healthy cluster (step 5); {@code stop} ends every node
 * with SIGTERM. Skipped, with the reason, while the distribution lacks what the procedure needs: a
 * node implementation registered for {@code minkms server} (a {@code
 * META-INF/services/io.openkms.cli.server.NodeLauncher} in {@code lib/}) and the {@code add} and
 * {@code stat} commands. Needs bash, openssl and curl.
 */
@Tag("process")
class LocalClusterProcessTest {
  private static final Path SCRIPT = OpsPaths.ops("cluster/local-cluster.sh");
  private static final Pattern API_KEY =
      Pattern.compile("^export MINIO_KMS_API_KEY=(k1:[A-Za-z0-9_-]{43})$", Pattern.MULTILINE);

  /**
   * JVM flags of the script's processes ({@code MINKMS_JAVA_OPTS}), those of the other process
   * tests ({@code node.MinkmsProcess.LIGHT_JAVA_OPTS}: C1 only, serial GC, about half the start
   * time of the launcher's defaults on 2 shared cores; the defaults are covered by {@code
   * LauncherScriptTest}); the system property {@code minkms.process.javaOpts} replaces them.
   */
  private static final String JAVA_OPTS =
      System.getProperty(
          "minkms.process.javaOpts", "-Xss512k -Xmx256m -XX:+UseSerialGC -XX:TieredStopAtLevel=1");

  private static Path minkms;

  @TempDir Path tmp;

  private Path dir;
  private int port;
  private final Map<String, String> env = new HashMap<>();

  /** Called first by the {@code @BeforeEach}, so that a skip shows per test with its reason. */
  private void needsACompleteDistribution() throws Exception {
    for (String tool : List.of("bash", "openssl", "curl")) {
      Assumptions.assumeTrue(
          OpsPaths.onPath(tool).isPresent(), tool + " not found: apt-get install -y " + tool);
    }
    minkms = OpsPaths.distLauncher();
    Assumptions.assumeTrue(
        Files.isExecutable(minkms),
        "no distribution " + minkms + ": build it with `mvn -B package -DskipTests`");
    Assumptions.assumeTrue(
        hasNodeLauncher(minkms.getParent().getParent().resolve("lib")),
        "`minkms server` is not available in this build (no NodeLauncher registered in lib/*.jar)");
    for (String command : List.of("add", "stat")) {
      Exec.Result help = Exec.run(List.of(minkms.toString(), command, "--help"), Map.of());
      Assumptions.assumeTrue(
          help.exitCode() == 0, "`minkms " + command + "` is not available in this build");
    }
  }

  private static boolean hasNodeLauncher(Path lib) throws Exception {
    try (Stream<Path> jars = Files.list(lib)) {
      for (Path jar : jars.filter(j -> j.toString().endsWith(".jar")).toList()) {
        try (JarFile file = new JarFile(jar.toFile())) {
          if (file.getEntry("META-INF/services/io.openkms.cli.server.NodeLauncher") != null) {
            return true;
          }
        }
      }
    }
    return false;
  }

  @BeforeEach
  void settings() throws Exception {
    needsACompleteDistribution();
    dir = tmp.resolve("cluster");
    port = FreePorts.pair(LocalClusterScriptTest.NODES);
    env.put("MINKMS", minkms.toString());
    env.put("MINKMS_CLUSTER_PORT", Integer.toString(port));
    env.put("MINKMS_START_TIMEOUT_SECONDS", "120");
    env.put("MINKMS_JAVA_OPTS", JAVA_OPTS);
  }

  @AfterEach
  void stopEverything() throws Exception {
    if (dir != null && Files.isDirectory(dir)) {
      Map<String, String> stopEnv = new HashMap<>(env);
      stopEnv.put("MINKMS_STOP_TIMEOUT_SECONDS", "5");
      script(stopEnv, "stop", dir.toString());
    }
  }

  private Exec.Result script(Map<String, String> environment, String... args) throws Exception {
    List<String> command = new ArrayList<>(List.of(SCRIPT.toString()));
    command.addAll(List.of(args));
    return Exec.run(command, environment, Duration.ofMinutes(4));
  }

  private String endpoint(int n) {
    return "127.0.0." + n + ":" + port;
  }

  @Test
  void threeNodeClusterFromScratch() throws Exception {
    Exec.Result start = script(env, "start", dir.toString());
    assertEquals(0, start.exitCode(), start.describe());
    dir = dir.toRealPath();

    Matcher key = API_KEY.matcher(Files.readString(dir.resolve("client.env")));
    assertTrue(key.find(), "client.env holds the root API key");
    String apiKey = key.group(1);
    assertTrue(
        start.stdout().lines().toList().contains("Root API key: " + apiKey), start.describe());

    Exec.Result status = script(env, "status", dir.toString());
    assertEquals(0, status.exitCode(), status.describe());
    for (int n = 0; n < 3; n++) { // node0..2, as stat names them Node 0..2
      assertTrue(
          status.stdout().contains("node" + n + "  https://" + endpoint(n + 1) + "  running (pid "),
          status.describe());
    }
    assertEquals(
        3, status.stdout().lines().filter(l -> l.endsWith("), live")).count(), status.describe());

    // the deployment guide, step 5: every node up, one leader
    Exec.Result stat =
        Exec.run(
            List.of(minkms.toString(), "stat", "-k"),
            Map.of("MINIO_KMS_SERVER", "https://" + endpoint(1), "MINIO_KMS_API_KEY", apiKey));
    assertEquals(0, stat.exitCode(), stat.describe());
    for (int n = 0; n < 3; n++) {
      assertTrue(stat.stdout().contains("Node " + n + " at " + endpoint(n + 1)), stat.describe());
    }
    assertEquals(
        1,
        stat.stdout().lines().filter(l -> l.strip().matches("State\\s+Leader")).count(),
        stat.describe());
    assertTrue(
        stat.stdout().lines().anyMatch(l -> l.strip().equals("All [3/3] nodes are up ✔")),
        stat.describe());

    // every node ends on SIGTERM, within the script's 30 s
    Exec.Result stop = script(env, "stop", dir.toString());
    assertEquals(0, stop.exitCode(), stop.describe());
    List<String> lines = stop.stdout().lines().toList();
    assertEquals(3, lines.size(), stop.describe());
    for (int n = 0; n < 3; n++) {
      String prefix = "node" + n + " stopped (pid ";
      assertTrue(lines.stream().anyMatch(l -> l.startsWith(prefix)), stop.describe());
    }
  }
}
