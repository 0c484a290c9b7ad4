package io.openkms.cli.ops;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * Runs an external program for the ops tests: standard input empty, standard output and error
 * captured through temporary files (so that background children that keep a descriptor cannot block
 * the test), a bounded run time.
 */
final class Exec {
  private Exec() {}

  /** The outcome of one run: exit code and the UTF-8 text of standard output and error. */
  record Result(int exitCode, String stdout, String stderr) {
    /** Both streams, for assertion messages. */
    String describe() {
      return "exit " + exitCode + "\n--- stdout:\n" + stdout + "--- stderr:\n" + stderr;
    }
  }

  /** Runs {@code command} with the environment of the test plus {@code env}, at most 120 s. */
  static Result run(List<String> command, Map<String, String> env)
      throws IOException, InterruptedException {
    return run(command, env, Duration.ofSeconds(120));
  }

  /**
   * Runs {@code command} with the environment of the test plus {@code env} (a {@code null} value
   * removes the variable).
   *
   * @throws AssertionError if it runs longer than {@code timeout} (it is then killed)
   */
  static Result run(List<String> command, Map<String, String> env, Duration timeout)
      throws IOException, InterruptedException {
    Path out = Files.createTempFile("ops-exec", ".out");
    Path err = Files.createTempFile("ops-exec", ".err");
    try {
      ProcessBuilder builder =
          new ProcessBuilder(command)
              .redirectInput(ProcessBuilder.Redirect.from(Path.of("/dev/null").toFile()))
              .redirectOutput(out.toFile())
              .redirectError(err.toFile());
      env.forEach(
          (name, value) -> {
            if (value == null) {
              builder.environment().remove(name);
            } else {
              builder.environment().put(name, value);
            }
          });
      Process process = builder.start();
      if (!process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
        process.destroyForcibly();
        throw new AssertionError(command + " did not finish within " + timeout);
      }
      return new Result(
          process.exitValue(),
          Files.readString(out, StandardCharsets.UTF_8),
          Files.readString(err, StandardCharsets.UTF_8));
    } finally {
      Files.deleteIfExists(out);
      Files.deleteIfExists(err);
    }
  }
}
