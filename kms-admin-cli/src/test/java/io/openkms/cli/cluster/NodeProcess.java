package io.openkms.cli.cluster;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * One real {@code minkms server} process started from the built distribution: start (waits for the
 * banner), SIGKILL, SIGSTOP/SIGCONT, SIGTERM, restart, wipe. Every wait is bounded. Output goes to
 * {@code <dir>.stdout} and {@code <dir>.stderr} beside the node's volume, appended across restarts.
 */
final class NodeProcess implements Member {

  /** The launcher of the distribution that {@code mvn package} builds. */
  static final Path LAUNCHER = Path.of("target/minkms/bin/minkms").toAbsolutePath();

  /** JVM flags for test nodes: small heap, quick start on a loaded 2-core machine. */
  static final String JAVA_OPTS =
      "-Xss512k -XX:+UseSerialGC -Xmx160m -XX:TieredStopAtLevel=1 -XX:CICompilerCount=1";

  /** Bound on a start (JVM, store, bootstrap, HTTPS bind). */
  static final Duration START_TIMEOUT = Duration.ofSeconds(120);

  private static final String READY = "=> Server is up and running...";
  private static final Pattern API_KEY = Pattern.compile("API Key\\s+(k1:\\S+)");

  final String name;
  final String ip;
  final int port;
  final Path dir;
  final Path config;
  private String hsmKey;
  private final Path home;
  private Process process;
  private String hostName;

  /**
   * @param name a label for messages, e.g. {@code node1}
   * @param ip the loopback address it listens on, e.g. {@code 127.0.0.2}
   * @param port the API port (the cluster port is {@code port + 1})
   * @param dir its volume
   * @param config its {@code config.yaml}
   * @param hsmKey its {@code MINIO_KMS_HSM_KEY}
   * @param home the {@code HOME} of the process
   */
  NodeProcess(String name, String ip, int port, Path dir, Path config, String hsmKey, Path home) {
    this.name = name;
    this.ip = ip;
    this.port = port;
    this.dir = dir;
    this.config = config;
    this.hsmKey = hsmKey;
    this.home = home;
    this.hostName = ip;
  }

  @Override
  public String name() {
    return name;
  }

  /** {@code ip:port}: the node's address and, unless started otherwise, its {@code --host}. */
  @Override
  public String host() {
    return ip + ":" + port;
  }

  /** Replaces the HSM key used by the next start. */
  void hsmKey(String key) {
    this.hsmKey = key;
  }

  /** The stdout file. */
  Path stdout() {
    return dir.resolveSibling(dir.getFileName() + ".stdout");
  }

  /** The stderr file. */
  Path stderr() {
    return dir.resolveSibling(dir.getFileName() + ".stderr");
  }

  /** Starts the node with {@code --host ip:port} and waits for its banner; returns the banner. */
  String start() throws IOException, InterruptedException {
    return start(ip);
  }

  /**
   * Starts the node with {@code --host <hostName>:<port>} and waits until it prints its banner.
   *
   * @return the banner (this start's stdout)
   * @throws AssertionError if it exits or does not start within {@link #START_TIMEOUT}
   */
  String start(String hostName) throws IOException, InterruptedException {
    return awaitBanner(launchStart(hostName));
  }

  /**
   * Starts {@code nodes} at once (each with its own {@code --host ip:port}) and waits for every
   * banner: a cluster's nodes start in the time of the slowest, not of all of them in a row.
   *
   * @return the banners (this start's stdout), in the order of {@code nodes}
   * @throws AssertionError if one exits or does not start within {@link #START_TIMEOUT}
   */
  static List<String> startAll(List<NodeProcess> nodes) throws IOException, InterruptedException {
    List<Starting> starting = new ArrayList<>();
    for (NodeProcess n : nodes) {
      starting.add(n.launchStart(n.ip));
    }
    List<String> banners = new ArrayList<>();
    for (int i = 0; i < nodes.size(); i++) {
      banners.add(nodes.get(i).awaitBanner(starting.get(i)));
    }
    return banners;
  }

  /** A launched node process and where its stdout of this start begins. */
  private record Starting(Process process, long outStart) {}

  private Starting launchStart(String hostName) throws IOException {
    long outStart = Files.exists(stdout()) ? Files.size(stdout()) : 0;
    return new Starting(launch(hostName), outStart);
  }

  private String awaitBanner(Starting start) throws IOException, InterruptedException {
    Process p = start.process();
    long outStart = start.outStart();
    long deadline = System.nanoTime() + START_TIMEOUT.toNanos();
    while (System.nanoTime() < deadline) {
      String out = since(stdout(), outStart);
      if (out.contains(READY)) {
        return out;
      }
      if (!p.isAlive()) {
        throw new AssertionError(
            name + " exited with " + p.exitValue() + " at start: " + tail(stderr(), 20));
      }
      Thread.sleep(200);
    }
    throw new AssertionError(
        name + " did not start within " + START_TIMEOUT + ": " + tail(stderr(), 20));
  }

  /**
   * Starts the node with {@code --host <hostName>:<port>} and waits until it exits (a start that
   * must fail).
   *
   * @return the exit code and this run's stderr
   */
  Exit startExpectingExit(String hostName) throws IOException, InterruptedException {
    long errStart = Files.exists(stderr()) ? Files.size(stderr()) : 0;
    Process p = launch(hostName);
    if (!p.waitFor(START_TIMEOUT.toSeconds(), TimeUnit.SECONDS)) {
      kill();
      throw new AssertionError(name + " did not exit within " + START_TIMEOUT);
    }
    process = null;
    return new Exit(p.exitValue(), since(stderr(), errStart));
  }

  /** A finished process: its exit code and stderr. */
  record Exit(int code, String stderr) {}

  private Process launch(String hostName) throws IOException {
    if (process != null && process.isAlive()) {
      throw new IllegalStateException(name + " is already running");
    }
    this.hostName = hostName;
    List<String> command =
        new ArrayList<>(
            List.of(
                LAUNCHER.toString(),
                "server",
                dir.toString(),
                "--address",
                host(),
                "--host",
                hostName + ":" + port,
                "--config",
                config.toString()));
    ProcessBuilder builder =
        new ProcessBuilder(command)
            .redirectOutput(ProcessBuilder.Redirect.appendTo(stdout().toFile()))
            .redirectError(ProcessBuilder.Redirect.appendTo(stderr().toFile()));
    Map<String, String> env = builder.environment();
    env.put("MINIO_KMS_HSM_KEY", hsmKey);
    env.put("MINKMS_JAVA_OPTS", JAVA_OPTS);
    env.put("HOME", home.toString());
    env.remove("MINIO_KMS_SERVER");
    env.remove("MINIO_KMS_API_KEY");
    env.remove("INVOCATION_ID"); // a test JVM under systemd: restarts stay in the process
    process = builder.start();
    return process;
  }

  /** The root API key printed in {@code banner}. */
  static String apiKey(String banner) {
    Matcher m = API_KEY.matcher(banner);
    if (!m.find()) {
      throw new AssertionError("no API key in the banner:\n" + banner);
    }
    return m.group(1);
  }

  /** True while the process runs (paused included). */
  boolean alive() {
    return process != null && process.isAlive();
  }

  /** The process id. */
  long pid() {
    return process.pid();
  }

  /** SIGKILL, and waits until it is gone (10 s). */
  void kill() throws InterruptedException {
    if (process == null) {
      return;
    }
    process.destroyForcibly();
    if (!process.waitFor(10, TimeUnit.SECONDS)) {
      throw new AssertionError(name + " survived SIGKILL");
    }
    process = null;
  }

  /** SIGTERM, waits up to 30 s, then SIGKILL. */
  void stop() throws InterruptedException {
    if (process == null) {
      return;
    }
    process.destroy();
    if (!process.waitFor(30, TimeUnit.SECONDS)) {
      process.destroyForcibly();
      process.waitFor(10, TimeUnit.SECONDS);
    }
    process = null;
  }

  /** SIGSTOP. */
  void pause() throws IOException, InterruptedException {
    signal("-STOP");
  }

  /** SIGCONT. */
  void resume() throws IOException, InterruptedException {
    signal("-CONT");
  }

  private void signal(String signal) throws IOException, InterruptedException {
    Process kill =
        new ProcessBuilder("kill", signal, Long.toString(process.pid()))
            .redirectErrorStream(true)
            .start();
    if (!kill.waitFor(10, TimeUnit.SECONDS) || kill.exitValue() != 0) {
      throw new AssertionError("kill " + signal + " " + process.pid() + " failed");
    }
  }

  /** Deletes the node's volume (the guide's {@code rm kms.db}, and the journal beside it). */
  void wipe() throws IOException {
    if (alive()) {
      throw new IllegalStateException(name + " is running");
    }
    TestCluster.deleteTree(dir);
    Files.createDirectories(dir);
  }

  /** How many times the node printed its banner into {@link #stdout()} (starts and restarts). */
  int banners() throws IOException {
    String out = since(stdout(), 0);
    int n = 0;
    for (int i = out.indexOf(READY); i >= 0; i = out.indexOf(READY, i + 1)) {
      n++;
    }
    return n;
  }

  /** The last {@code lines} lines of a file, for failure messages. */
  static String tail(Path file, int lines) {
    try {
      List<String> all = Files.readAllLines(file, StandardCharsets.UTF_8);
      return String.join("\n", all.subList(Math.max(0, all.size() - lines), all.size()));
    } catch (IOException e) {
      return "(no " + file + ")";
    }
  }

  private static String since(Path file, long offset) throws IOException {
    if (!Files.exists(file)) {
      return "";
    }
    byte[] all = Files.readAllBytes(file);
    if (offset >= all.length) {
      return "";
    }
    return new String(all, (int) offset, all.length - (int) offset, StandardCharsets.UTF_8);
  }

  @Override
  public String toString() {
    return name + "(" + hostName + ":" + port + ")";
  }
}
