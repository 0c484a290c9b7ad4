package io.openkms.cli;

import io.openkms.cli.server.NodeLauncher;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import picocli.CommandLine;

/** One in-process run of {@code minkms}: exit code and everything written to stdout and stderr. */
public record CliRun(int exitCode, String out, String err) {

  /** A context with no environment variables, no terminal, no server, no network interfaces. */
  public static CliContext quietContext() {
    return new CliContext(
        Map.of(), Path.of("/nonexistent-home"), false, NodeLauncher.UNAVAILABLE, List::of);
  }

  /**
   * Runs {@code minkms args...} in {@code context}, with the command line {@link Minkms#run} builds
   * for these arguments (only the named subcommand registered).
   */
  public static CliRun run(CliContext context, String... args) {
    CommandLine cmd = Minkms.commandLine(context, args);
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    cmd.setOut(new PrintWriter(out, true));
    cmd.setErr(new PrintWriter(err, true));
    int exitCode = cmd.execute(args);
    return new CliRun(exitCode, out.toString(), err.toString());
  }
}
