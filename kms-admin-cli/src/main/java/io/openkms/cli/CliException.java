package io.openkms.cli;

/**
 * An error that ends a {@code minkms} invocation: {@link Minkms} prints it as the single line
 * {@code minkms: <message>} on standard error (never a stack trace) and exits with {@link
 * #exitCode()}.
 *
 * <p>Exit codes: {@link #USAGE} (2) for bad arguments, environment or input given by the user;
 * {@link #FAILURE} (1) for everything else (server, network, startup errors).
 */
public class CliException extends Exception {
  private static final long serialVersionUID = 1L;

  /** Exit code of a failure that is not the user's input: server, network, startup. */
  public static final int FAILURE = 1;

  /** Exit code of a usage error: bad arguments, options or environment variables. */
  public static final int USAGE = 2;

  /**
   * Exit code of {@code minkms stat} and {@code minkms ls} when the cluster answered but some of
   * its nodes are down, so that monitoring scripts see a degraded cluster.
   */
  public static final int NODES_DOWN = 3;

  private final int exitCode;

  /**
   * @param exitCode the process exit code, {@link #FAILURE} or {@link #USAGE}
   * @param message one line, without the {@code minkms: } prefix
   */
  public CliException(int exitCode, String message) {
    super(message, null, false, false);
    this.exitCode = exitCode;
  }

  /** A usage error (exit code 2) with the given one-line message. */
  public static CliException usage(String message) {
    return new CliException(USAGE, message);
  }

  /** A failure (exit code 1) with the given one-line message. */
  public static CliException failure(String message) {
    return new CliException(FAILURE, message);
  }

  /** The process exit code: 1 or 2. */
  public int exitCode() {
    return exitCode;
  }
}
