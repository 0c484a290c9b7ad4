package io.openkms.cli.node;

import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.Reader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;

/**
 * A real {@code minkms} process started from the built distribution ({@code
 * kms-admin-cli/target/minkms/bin/minkms}, made by {@code mvn package}), for process tests (tag
 * {@code process}).
 *
 * <p>Environment: only {@code PATH}, {@code JAVA_HOME} (when the test JVM has it), {@code HOME} and
 * {@code MINKMS_JAVA_OPTS}, plus what the test passes — so no {@code MINIO_KMS_*} variable leaks in
 * from the developer's shell. {@code MINKMS_JAVA_OPTS} is {@link #LIGHT_JAVA_OPTS} (C1 only, serial
 * GC: about half the start time and CPU of the launcher's defaults on 2 shared cores; the defaults
 * themselves are covered by {@code LauncherScriptTest}); the system property {@value
 * #JAVA_OPTS_PROPERTY} replaces it.
 *
 * <p>Standard output and error are captured as text (UTF-8) from the start. Every wait is bounded
 * and fails with an {@link AssertionError} that shows the command and everything the process
 * printed. {@link #close()} always leaves no process behind: it continues a stopped process and
 * kills it with SIGKILL; a JVM shutdown hook does the same for processes a test forgot.
 */
final class MinkmsProcess implements AutoCloseable {

  /** The launcher of the distribution, relative to the module directory (surefire's cwd). */
  static final Path LAUNCHER = Path.of("target", "minkms", "bin", "minkms").toAbsolutePath();

  /** System property that replaces {@link #LIGHT_JAVA_OPTS}. */
  static final String JAVA_OPTS_PROPERTY = "minkms.process.javaOpts";

  /** JVM flags of the processes: the launcher's stack and heap, serial GC, C1 only. */
  static final String LIGHT_JAVA_OPTS =
      "-Xss512k -Xmx256m -XX:+UseSerialGC -XX:TieredStopAtLevel=1";

  /** Bound on a node's start (JVM, store, actors, TLS) on a loaded 2-core machine. */
  static final Duration START_TIMEOUT = Duration.ofSeconds(90);

  /** Bound on a command that fails or finishes without starting a node. */
  static final Duration SHORT_TIMEOUT = Duration.ofSeconds(45);

  /** The last line of the banner (docs/REFERENCE.md §14 step 3). */
  static final String UP_LINE = "=> Server is up and running...";

  /** Signals {@link #signal} sends with {@code kill -s NAME}. */
  enum Signal {
    TERM,
    INT,
    KILL,
    STOP,
    CONT
  }

  private static final Set<MinkmsProcess> LIVE = ConcurrentHashMap.newKeySet();

  static {
    Runtime.getRuntime()
        .addShutdownHook(
            new Thread(() -> LIVE.forEach(MinkmsProcess::kill), "minkms-process-reaper"));
  }

  private final List<String> command;
  private final Process process;
  private final Output stdout;
  private final Output stderr;

  private MinkmsProcess(List<String> command, Process process) {
    this.command = command;
    this.process = process;
    this.stdout = new Output(process.getInputStream(), "stdout of " + process.pid());
    this.stderr = new Output(process.getErrorStream(), "stderr of " + process.pid());
  }

  /**
   * Starts {@code minkms ARGS...}.
   *
   * @param env extra environment variables (e.g. {@code MINIO_KMS_HSM_KEY})
   * @param args the program arguments
   * @throws IllegalStateException when the distribution is not built
   */
  static MinkmsProcess start(Map<String, String> env, String... args) throws IOException {
    return start(List.of(), env, args);
  }

  /**
   * Starts {@code PREFIX... minkms ARGS...}, e.g. with {@code setpriv --reuid=65534 …} as the
   * prefix to run the program as another user.
   */
  static MinkmsProcess start(List<String> prefix, Map<String, String> env, String... args)
      throws IOException {
    return start(LAUNCHER, prefix, env, args);
  }

  /** Starts {@code PREFIX... LAUNCHER ARGS...} with another copy of the distribution's launcher. */
  static MinkmsProcess start(
      Path launcher, List<String> prefix, Map<String, String> env, String... args)
      throws IOException {
    if (!Files.isExecutable(LAUNCHER)) {
      throw new IllegalStateException(
          LAUNCHER
              + " is missing: build the distribution first "
              + "(mvn -o -q -pl kms-admin-cli -am package -DskipTests); process tests run in the "
              + "integration-test phase (mvn verify)");
    }
    List<String> command = new ArrayList<>(prefix);
    command.add(launcher.toString());
    command.addAll(List.of(args));
    ProcessBuilder builder = new ProcessBuilder(command);
    Map<String, String> environment = builder.environment();
    environment.clear();
    environment.putAll(baseEnvironment());
    environment.putAll(env);
    MinkmsProcess p = new MinkmsProcess(List.copyOf(command), builder.start());
    LIVE.add(p);
    return p;
  }

  /**
   * Runs {@code minkms ARGS...} to its end.
   *
   * @param timeout bound on the run; on timeout the process is killed and the test fails
   */
  static Result run(Duration timeout, Map<String, String> env, String... args) throws IOException {
    return run(List.of(), timeout, env, args);
  }

  /** {@link #run(Duration, Map, String...)} of {@code PREFIX... minkms ARGS...}. */
  static Result run(List<String> prefix, Duration timeout, Map<String, String> env, String... args)
      throws IOException {
    return run(LAUNCHER, prefix, timeout, env, args);
  }

  /** As {@link #run(List, Duration, Map, String...)} with another copy of the launcher. */
  static Result run(
      Path launcher, List<String> prefix, Duration timeout, Map<String, String> env, String... args)
      throws IOException {
    try (MinkmsProcess p = start(launcher, prefix, env, args)) {
      int exit = p.awaitExit(timeout);
      return new Result(exit, p.stdoutText(), p.stderrText());
    }
  }

  /** What a finished process printed and its exit code. */
  record Result(int exitCode, String stdout, String stderr) {
    /** Standard error split into lines (no trailing empty line). */
    List<String> stderrLines() {
      return stderr.lines().toList();
    }

    /** Standard output split into lines (no trailing empty line). */
    List<String> stdoutLines() {
      return stdout.lines().toList();
    }
  }

  private static Map<String, String> baseEnvironment() {
    Map<String, String> env = new HashMap<>();
    env.put("PATH", Optional.ofNullable(System.getenv("PATH")).orElse("/usr/bin:/bin"));
    Optional.ofNullable(System.getenv("JAVA_HOME")).ifPresent(v -> env.put("JAVA_HOME", v));
    env.put("HOME", System.getProperty("user.home"));
    env.put("MINKMS_JAVA_OPTS", System.getProperty(JAVA_OPTS_PROPERTY, LIGHT_JAVA_OPTS));
    return env;
  }

  /** The OS process id (the JVM: the launcher {@code exec}s it). */
  long pid() {
    return process.pid();
  }

  boolean isAlive() {
    return process.isAlive();
  }

  /** Everything printed on standard output so far. */
  String stdoutText() {
    return stdout.text();
  }

  /** Everything printed on standard error so far. */
  String stderrText() {
    return stderr.text();
  }

  /** The complete lines (ended by {@code \n}) printed on standard output so far. */
  List<String> stdoutLines() {
    return stdout.lines();
  }

  /** The complete lines printed on standard error so far. */
  List<String> stderrLines() {
    return stderr.lines();
  }

  /**
   * Waits until the node printed the banner's last line ({@value #UP_LINE}), up to {@link
   * #START_TIMEOUT}.
   *
   * @return standard output up to and including that line
   */
  String awaitUp() {
    awaitStdout(UP_LINE::equals, START_TIMEOUT, "the line '" + UP_LINE + "'");
    return stdout.text();
  }

  /**
   * Waits for a complete line of standard output that matches.
   *
   * @return the first matching line
   * @throws AssertionError on timeout or when the process ends first
   */
  String awaitStdout(Predicate<String> match, Duration timeout, String what) {
    return await(stdout, match, timeout, what + " on stdout");
  }

  /** As {@link #awaitStdout}, on standard error. */
  String awaitStderr(Predicate<String> match, Duration timeout, String what) {
    return await(stderr, match, timeout, what + " on stderr");
  }

  private String await(Output out, Predicate<String> match, Duration timeout, String what) {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (true) {
      Optional<String> line = out.lines().stream().filter(match).findFirst();
      if (line.isPresent()) {
        return line.get();
      }
      if (out.isClosed()) {
        throw new AssertionError(
            "process ended (exit " + exitText() + ") without " + what + "\n" + describe());
      }
      long left = deadline - System.nanoTime();
      if (left <= 0) {
        throw new AssertionError(
            "no " + what + " within " + timeout.toSeconds() + " s\n" + describe());
      }
      out.awaitChange(Math.min(left, TimeUnit.MILLISECONDS.toNanos(200)));
    }
  }

  /**
   * Waits for the process to end and for its output to be read to the end.
   *
   * @return the exit code
   * @throws AssertionError on timeout (the process is then killed)
   */
  int awaitExit(Duration timeout) {
    try {
      if (!process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
        String state = describe();
        kill();
        throw new AssertionError(
            "process did not end within " + timeout.toSeconds() + " s\n" + state);
      }
      stdout.join(Duration.ofSeconds(10));
      stderr.join(Duration.ofSeconds(10));
      LIVE.remove(this);
      return process.exitValue();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new AssertionError("interrupted", e);
    }
  }

  /** Sends a signal with {@code kill -s NAME PID}; waits for {@code kill} itself (≤ 10 s). */
  void signal(Signal signal) throws IOException {
    Process kill =
        new ProcessBuilder("kill", "-s", signal.name(), Long.toString(pid()))
            .redirectErrorStream(true)
            .start();
    try {
      if (!kill.waitFor(10, TimeUnit.SECONDS)) {
        kill.destroyForcibly();
        throw new AssertionError("kill -s " + signal + " " + pid() + " did not end");
      }
      String out = new String(kill.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
      if (kill.exitValue() != 0) {
        throw new AssertionError(
            "kill -s " + signal + " " + pid() + " failed: " + out + "\n" + describe());
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new AssertionError("interrupted", e);
    }
  }

  /** The command and everything it printed, for assertion messages. */
  String describe() {
    return "command: "
        + String.join(" ", command)
        + "\n--- stdout ---\n"
        + stdout.text()
        + "--- stderr ---\n"
        + stderr.text()
        + "---";
  }

  private String exitText() {
    return process.isAlive() ? "still running" : Integer.toString(process.exitValue());
  }

  /** Kills the process (SIGCONT first, in case it is stopped, then SIGKILL) and waits ≤ 20 s. */
  @Override
  public void close() {
    kill();
  }

  private void kill() {
    LIVE.remove(this);
    if (process.isAlive()) {
      process.descendants().forEach(ProcessHandle::destroyForcibly);
      try {
        signal(Signal.CONT);
      } catch (IOException | AssertionError ignored) {
        // it may have ended meanwhile; SIGKILL below works on a stopped process anyway
      }
      process.destroyForcibly();
      try {
        process.waitFor(20, TimeUnit.SECONDS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
    stdout.join(Duration.ofSeconds(5));
    stderr.join(Duration.ofSeconds(5));
  }

  /** One captured stream: a daemon thread appends what it reads. */
  private static final class Output {
    private final StringBuilder text = new StringBuilder();
    private final Thread reader;
    private boolean closed;

    Output(InputStream in, String name) {
      reader = new Thread(() -> pump(in), name);
      reader.setDaemon(true);
      reader.start();
    }

    private void pump(InputStream in) {
      char[] buffer = new char[4096];
      try (Reader r = new InputStreamReader(in, StandardCharsets.UTF_8)) {
        for (int n = r.read(buffer); n >= 0; n = r.read(buffer)) {
          synchronized (this) {
            text.append(buffer, 0, n);
            notifyAll();
          }
        }
      } catch (IOException e) {
        synchronized (this) {
          text.append("\n[reading failed: ").append(e.getMessage()).append("]\n");
        }
      } finally {
        synchronized (this) {
          closed = true;
          notifyAll();
        }
      }
    }

    synchronized String text() {
      return text.toString();
    }

    /** Complete lines only: a line being written (no {@code \n} yet) is left out. */
    synchronized List<String> lines() {
      int end = text.lastIndexOf("\n");
      return end < 0 ? List.of() : List.of(text.substring(0, end).split("\n", -1));
    }

    synchronized boolean isClosed() {
      return closed;
    }

    synchronized void awaitChange(long nanos) {
      try {
        TimeUnit.NANOSECONDS.timedWait(this, nanos);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new UncheckedIOException(new IOException("interrupted"));
      }
    }

    void join(Duration timeout) {
      try {
        reader.join(timeout.toMillis());
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
  }
}
