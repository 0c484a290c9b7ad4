package io.openkms.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The launcher {@code src/main/dist/bin/minkms} (POSIX sh), run with a fake {@code java} that
 * prints its process id and arguments: symlink resolution, JAVA_HOME, MINKMS_JAVA_OPTS, exec.
 */
class LauncherScriptTest {
  private static final Path SCRIPT = Path.of("src/main/dist/bin/minkms");

  /** The launcher's JVM flags when MINKMS_JAVA_OPTS is unset. */
  private static final List<String> DEFAULT_OPTS =
      List.of(
          "-Xss512k",
          "-XX:+UseSerialGC",
          "-Xmx256m",
          "-Xms128m",
          "-Xmn80m",
          "-XX:MinHeapFreeRatio=20",
          "-XX:MaxHeapFreeRatio=40",
          "-XX:+IgnoreUnrecognizedVMOptions",
          "-XX:TrimNativeHeapInterval=5000");

  /** The launcher's JVM flags for client commands (all but server and bench). */
  private static final List<String> CLIENT_OPTS =
      List.of(
          "-Xss512k",
          "-XX:+UseSerialGC",
          "-XX:TieredStopAtLevel=1",
          "-Xmx256m",
          "-XX:-UsePerfData",
          "-Xshare:auto",
          "-Xlog:cds=off",
          "-Xlog:cds+dynamic=off");

  /**
   * Jars of the fake distribution: one only the server uses (left out of the class path of client
   * commands) and three others (kept, as every jar the launcher does not name).
   */
  private static final String CLI_JAR = "kms-admin-cli-0.1.0.jar";

  private static final String CORE_JAR = "kms-core-0.1.0.jar";
  private static final String PICOCLI = "picocli-4.7.7.jar";
  private static final String SERVER_JAR = "pekko-actor_2.13-1.7.0.jar";
  private static final String FAKE_JAVA =
      """
            #!/bin/sh
            echo "pid=$$"
            for a in "$@"; do echo "arg=$a"; done
            """;

  @TempDir Path tmp;

  private Path home;
  private Path javaHome;
  private Path tools;

  @BeforeEach
  void install() throws IOException {
    home = Files.createDirectories(tmp.resolve("opt/minkms"));
    Files.createDirectories(home.resolve("bin"));
    Files.createDirectories(home.resolve("lib"));
    Files.createDirectories(home.resolve("conf"));
    for (String jar : List.of(PICOCLI, SERVER_JAR, CORE_JAR, CLI_JAR)) {
      Files.writeString(home.resolve("lib").resolve(jar), "");
    }
    executable(Files.copy(SCRIPT, home.resolve("bin/minkms")));
    javaHome = Files.createDirectories(tmp.resolve("jdk"));
    Files.createDirectories(javaHome.resolve("bin"));
    executable(Files.writeString(javaHome.resolve("bin/java"), FAKE_JAVA));
    // a PATH with the tools the script needs and no java
    tools = Files.createDirectories(tmp.resolve("tools"));
    for (String tool : List.of("dirname", "readlink", "rm")) {
      Files.createSymbolicLink(tools.resolve(tool), Path.of("/usr/bin", tool));
    }
    home = home.toRealPath();
  }

  private static Path executable(Path file) throws IOException {
    Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rwxr-xr-x"));
    return file;
  }

  private record Result(int exitCode, long pid, List<String> args, String stdout, String stderr) {}

  private Result run(Path launcher, Map<String, String> env, String... args) throws Exception {
    List<String> command = new ArrayList<>(List.of(launcher.toString()));
    command.addAll(List.of(args));
    ProcessBuilder builder = new ProcessBuilder(command);
    builder.environment().clear();
    builder.environment().put("PATH", tools.toString());
    builder.environment().putAll(env);
    Process process = builder.start();
    String stdout = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    String stderr = new String(process.getErrorStream().readAllBytes(), StandardCharsets.UTF_8);
    if (!process.waitFor(30, TimeUnit.SECONDS)) {
      process.destroyForcibly();
      throw new AssertionError("launcher did not finish");
    }
    List<String> argLines =
        stdout.lines().filter(l -> l.startsWith("arg=")).map(l -> l.substring(4)).toList();
    long pid =
        stdout
            .lines()
            .filter(l -> l.startsWith("pid="))
            .mapToLong(l -> Long.parseLong(l.substring(4)))
            .findFirst()
            .orElse(-1);
    return new Result(
        process.exitValue(), process.pid() == pid ? pid : -pid, argLines, stdout, stderr);
  }

  /**
   * The arguments of a server command: conf/ first on the class path, then every jar in name order.
   */
  private List<String> expectedArgs(List<String> jvmFlags, String... programArgs) {
    return expectedArgs(
        home
            + "/conf:"
            + home
            + "/lib/"
            + CLI_JAR
            + ":"
            + home
            + "/lib/"
            + CORE_JAR
            + ":"
            + home
            + "/lib/"
            + SERVER_JAR
            + ":"
            + home
            + "/lib/"
            + PICOCLI,
        jvmFlags,
        programArgs);
  }

  /** The arguments of a client command: every jar but the server's (issue 16, item 9). */
  private List<String> expectedClientArgs(List<String> jvmFlags, String... programArgs) {
    return expectedArgs(
        home + "/lib/" + CLI_JAR + ":" + home + "/lib/" + CORE_JAR + ":" + home + "/lib/" + PICOCLI,
        jvmFlags,
        programArgs);
  }

  private List<String> expectedArgs(
      String classpath, List<String> jvmFlags, String... programArgs) {
    List<String> expected = new ArrayList<>(jvmFlags);
    expected.add("-Dminkms.home=" + home);
    expected.add("-cp");
    expected.add(classpath);
    expected.add("io.openkms.cli.Minkms");
    expected.addAll(List.of(programArgs));
    return expected;
  }

  @Test
  void runsJavaFromJavaHomeWithDefaultFlagsThroughSymlinks() throws Exception {
    Path links = Files.createDirectories(tmp.resolve("usr/local/bin"));
    // relative link to a relative link: /usr/local/bin/minkms -> ../share/minkms ->
    // ../../../opt/minkms/bin/minkms
    Path share = Files.createDirectories(tmp.resolve("usr/local/share"));
    Files.createSymbolicLink(share.resolve("minkms"), Path.of("../../../opt/minkms/bin/minkms"));
    Path link = Files.createSymbolicLink(links.resolve("minkms"), Path.of("../share/minkms"));
    Result result =
        run(link, Map.of("JAVA_HOME", javaHome.toString()), "server", "/mnt/minio kms", "--dev");
    assertEquals(0, result.exitCode(), result.stderr());
    assertEquals(expectedArgs(DEFAULT_OPTS, "server", "/mnt/minio kms", "--dev"), result.args());
    assertEquals(true, result.pid() > 0, "java replaced the shell (exec): " + result.stdout());
  }

  @Test
  void minkmsJavaOptsReplaceTheDefaults() throws Exception {
    Result result =
        run(
            home.resolve("bin/minkms"),
            Map.of(
                "JAVA_HOME",
                javaHome.toString(),
                "MINKMS_JAVA_OPTS",
                "-Xmx1g  -Dpekko.loglevel=DEBUG"),
            "--version");
    assertEquals(
        expectedClientArgs(List.of("-Xmx1g", "-Dpekko.loglevel=DEBUG"), "--version"),
        result.args());

    Result empty =
        run(
            home.resolve("bin/minkms"),
            Map.of("JAVA_HOME", javaHome.toString(), "MINKMS_JAVA_OPTS", ""),
            "--version");
    assertEquals(expectedClientArgs(List.of(), "--version"), empty.args());
  }

  @Test
  void javaFromPathWithoutJavaHome() throws Exception {
    Result result =
        run(
            home.resolve("bin/minkms"),
            Map.of("PATH", javaHome.resolve("bin") + ":" + tools),
            "-h");
    assertEquals(0, result.exitCode(), result.stderr());
    assertEquals(expectedClientArgs(CLIENT_OPTS, "-h"), result.args());
  }

  /**
   * Client commands start fast: C1 only, no conf/, the AppCDS archive when it exists (issue 16,
   * item 9).
   */
  @Test
  void clientCommandsUseTheClassDataSharingArchive() throws Exception {
    Map<String, String> env = Map.of("JAVA_HOME", javaHome.toString());
    assertEquals(
        expectedClientArgs(CLIENT_OPTS, "ls-key", "-e", "x"),
        run(home.resolve("bin/minkms"), env, "ls-key", "-e", "x").args());

    Files.writeString(home.resolve("lib/minkms-cli.jsa"), "archive");
    List<String> withArchive = new ArrayList<>(CLIENT_OPTS);
    withArchive.add("-XX:SharedArchiveFile=" + home + "/lib/minkms-cli.jsa");
    assertEquals(
        expectedClientArgs(withArchive, "version"),
        run(home.resolve("bin/minkms"), env, "version").args());
    assertEquals(
        expectedArgs(DEFAULT_OPTS, "bench"), run(home.resolve("bin/minkms"), env, "bench").args());
  }

  /**
   * A training run lists the classes of a client command ({@link CdsTraining}), a second JVM
   * archives them (a static archive).
   */
  @Test
  void cdsDumpRecordsATrainingRunIntoTheArchive() throws Exception {
    Files.writeString(home.resolve("lib/minkms-cli.jsa"), "stale");
    Result result =
        run(
            home.resolve("bin/minkms"),
            Map.of("JAVA_HOME", javaHome.toString(), "MINKMS_CDS_DUMP", "1"));
    assertEquals(0, result.exitCode(), result.stderr());
    String archive = home + "/lib/minkms-cli.jsa";
    List<String> training = new ArrayList<>(CLIENT_OPTS);
    training.add("-XX:DumpLoadedClassList=" + archive + ".classlist");
    // the training command: ls-key against a stand-in HTTPS server in the same JVM
    List<String> expected = new ArrayList<>(expectedClientArgs(training));
    expected.set(expected.indexOf("io.openkms.cli.Minkms"), "io.openkms.cli.CdsTraining");
    expected.addAll(CLIENT_OPTS);
    expected.addAll(
        List.of(
            "-Xshare:dump",
            "-XX:SharedClassListFile=" + archive + ".classlist",
            "-XX:SharedArchiveFile=" + archive,
            "-cp",
            home + "/lib/" + CLI_JAR + ":" + home + "/lib/" + CORE_JAR + ":" + home + "/lib/"
                + PICOCLI));
    assertEquals(expected, result.args());
    assertEquals(
        false,
        Files.exists(home.resolve("lib/minkms-cli.jsa")),
        "the stale archive is removed first");
  }

  @Test
  void noJava() throws Exception {
    Result result = run(home.resolve("bin/minkms"), Map.of(), "-h");
    assertEquals(1, result.exitCode());
    assertEquals(
        "minkms: no java found: install Java 17 or later, or set JAVA_HOME\n", result.stderr());

    Path badHome = tmp.resolve("no-jdk");
    Result bad = run(home.resolve("bin/minkms"), Map.of("JAVA_HOME", badHome.toString()), "-h");
    assertEquals(1, bad.exitCode());
    assertEquals(
        "minkms: JAVA_HOME is set to '"
            + badHome
            + "' but "
            + badHome
            + "/bin/java is not executable\n",
        bad.stderr());
  }
}
