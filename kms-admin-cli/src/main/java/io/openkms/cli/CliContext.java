package io.openkms.cli;

import io.openkms.cli.server.LocalAddresses;
import io.openkms.cli.server.NodeLauncher;
import java.nio.file.Path;
import java.util.Map;
import java.util.Objects;

/**
 * Everything a {@code minkms} command reads from the world outside its arguments, gathered so that
 * tests can replace it: environment variables, the home directory, whether standard output is a
 * terminal, the server implementation and the machine's IP addresses. Commands reach it through
 * {@link Minkms#context()} (picocli {@code @ParentCommand}).
 *
 * @param env environment variables (name → value); never read {@link System#getenv()} elsewhere
 * @param home the user's home directory ({@code $HOME/.minkms/certs/CAs} holds client CAs)
 * @param terminal true when standard output is a terminal ({@code System.console() != null})
 * @param nodeLauncher what {@code minkms server} calls once its arguments and config are valid
 * @param localAddresses the machine's IP addresses, for the default {@code --host}
 */
public record CliContext(
    Map<String, String> env,
    Path home,
    boolean terminal,
    NodeLauncher nodeLauncher,
    LocalAddresses localAddresses) {

  public CliContext {
    env = Map.copyOf(env);
    Objects.requireNonNull(home, "home");
    Objects.requireNonNull(nodeLauncher, "nodeLauncher");
    Objects.requireNonNull(localAddresses, "localAddresses");
  }

  /**
   * The real context: {@link System#getenv()}, {@code $HOME} (Java's {@code user.home} only when
   * {@code HOME} is unset or empty, as every Unix tool and the reference do), {@code
   * System.console()}, the {@link NodeLauncher#load() installed NodeLauncher} (looked up when
   * {@code minkms server} launches a node, so that client commands never load the server's classes)
   * and the network interfaces.
   */
  public static CliContext system() {
    return new CliContext(
        System.getenv(),
        home(System.getenv()),
        System.console() != null,
        (options, config) -> NodeLauncher.load().launch(options, config), // loaded by `server` only
        LocalAddresses.SYSTEM);
  }

  /** {@code $HOME}, or Java's {@code user.home} when {@code HOME} is unset or empty. */
  static Path home(Map<String, String> env) {
    String home = env.get("HOME");
    return Path.of(home == null || home.isBlank() ? System.getProperty("user.home") : home);
  }

  /** The value of environment variable {@code name}, or null when it is unset or empty. */
  public String getenv(String name) {
    String value = env.get(name);
    return value == null || value.isEmpty() ? null : value;
  }

  /** This context with other environment variables. */
  public CliContext withEnv(Map<String, String> newEnv) {
    return new CliContext(newEnv, home, terminal, nodeLauncher, localAddresses);
  }

  /** This context with another home directory. */
  public CliContext withHome(Path newHome) {
    return new CliContext(env, newHome, terminal, nodeLauncher, localAddresses);
  }

  /** This context with standard output a terminal or not. */
  public CliContext withTerminal(boolean newTerminal) {
    return new CliContext(env, home, newTerminal, nodeLauncher, localAddresses);
  }

  /** This context with another server implementation. */
  public CliContext withNodeLauncher(NodeLauncher newLauncher) {
    return new CliContext(env, home, terminal, newLauncher, localAddresses);
  }

  /** This context with other local IP addresses. */
  public CliContext withLocalAddresses(LocalAddresses newAddresses) {
    return new CliContext(env, home, terminal, nodeLauncher, newAddresses);
  }
}
