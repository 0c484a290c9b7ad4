package io.openkms.cli.server;

import io.openkms.cli.CliContext;
import io.openkms.cli.CliException;
import io.openkms.cli.Minkms;
import io.openkms.cli.config.ConfigException;
import io.openkms.cli.config.ServerConfig;
import java.io.PrintWriter;
import java.net.SocketException;
import java.nio.file.Files;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.util.Optional;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;

/**
 * {@code minkms server DIR [--address IP[:PORT]] [--host HOST[:PORT]] [--config FILE] [--dev]}
 * (docs/REFERENCE.md §2.3): validates the arguments into {@link ServerOptions}, reads the config
 * file into {@link ServerConfig}, then runs the node through {@link CliContext#nodeLauncher()}.
 *
 * <p>Errors: bad arguments exit 2 with e.g. {@code minkms: invalid --address 'x:y': invalid port
 * 'y'}; config errors exit 1 ({@link ConfigException}); no {@code MINIO_KMS_HSM_KEY} without {@code
 * --dev} exits 1 with {@code minkms: kms: no HSM provided}. {@code --license FILE} is accepted and
 * ignored with a note on standard error; {@code --addr} is an alias of {@code --address}.
 */
@Command(
    name = "server",
    mixinStandardHelpOptions = true,
    description = "Start a KMS server node that keeps its state in DIR.",
    footer = {
      "",
      "Environment:",
      "  MINIO_KMS_HSM_KEY  the HSM key hsm:aes256:... (minkms --soft-hsm), the same on every node",
      "Ports:",
      "  the API listens on --address (default port 7373); cluster traffic between nodes uses",
      "  a second port, by default the API port + 1 (7374; config.yaml 'cluster: port:').",
      "  Open both between the nodes.",
      "Exit codes: 0 stopped, 1 startup error, 2 usage error."
    })
public final class ServerCommand implements Callable<Integer> {

  @ParentCommand private Minkms minkms;

  @Spec private CommandSpec spec;

  @Parameters(
      index = "0",
      paramLabel = "DIR",
      description = "The directory of the node's state (key database).")
  private String dir;

  @Option(
      names = "--address",
      paramLabel = "IP[:PORT]",
      description =
          "Listen address of the API (default: "
              + ServerOptions.DEFAULT_ADDRESS
              + "; port 7373 if omitted). Alias: --addr.")
  private String address;

  /**
   * {@code --addr}: the reference's alternative spelling of {@code --address} (a separate, hidden
   * option so that help shows {@code --address}; the last one given wins).
   */
  @Option(names = "--addr", paramLabel = "IP[:PORT]", hidden = true)
  private void setAddr(String value) {
    address = value;
  }

  @Option(
      names = "--host",
      paramLabel = "HOST[:PORT]",
      description =
          "This node's name in the cluster, as used by 'minkms add' "
              + "(default: the first unicast IP and the listen port).")
  private String host;

  @Option(names = "--config", paramLabel = "FILE", description = "The YAML config file.")
  private String config;

  @Option(
      names = "--dev",
      description = "Development mode: random root key, state lost on restart.")
  private boolean dev;

  @Option(names = "--license", paramLabel = "FILE", description = "Deprecated and ignored.")
  private String license;

  @Override
  public Integer call() throws Exception {
    CliContext context = minkms.context();
    PrintWriter err = spec.commandLine().getErr();
    ServerOptions options = options(context);
    if (license != null) {
      err.println(Minkms.ERROR_PREFIX + "note: --license is deprecated and ignored");
    }
    ServerConfig serverConfig =
        options.configFile().isPresent()
            ? ServerConfig.load(options.configFile().get(), context.env())
            : ServerConfig.defaults();
    for (String warning : serverConfig.warnings()) {
      err.println(Minkms.ERROR_PREFIX + "warning: " + warning);
    }
    err.flush();
    checkClusterPort(options, serverConfig);
    if (options.hsmKey().isEmpty() && !options.dev()) {
      throw CliException.failure("kms: no HSM provided");
    }
    return context.nodeLauncher().launch(options, serverConfig);
  }

  /** The arguments as {@link ServerOptions}; usage errors (exit 2) for bad values. */
  private ServerOptions options(CliContext context) throws CliException {
    Path volume = path("DIR", dir);
    if (Files.exists(volume) && !Files.isDirectory(volume)) {
      throw CliException.usage("invalid DIR '" + dir + "': not a directory");
    }
    String listenText = address == null ? ServerOptions.DEFAULT_ADDRESS : address;
    HostPort listen =
        hostPort(
            "--address",
            listenText.startsWith(":") ? "0.0.0.0" + listenText : listenText,
            ServerOptions.DEFAULT_PORT);
    HostPort name;
    if (host != null) {
      name = hostPort("--host", host, listen.port());
    } else {
      try {
        name = ServerOptions.defaultHost(listen, context.localAddresses().addresses());
      } catch (SocketException e) {
        throw CliException.failure(
            "cannot list the network interfaces: " + e.getMessage() + " (use --host)");
      }
    }
    Optional<Path> configFile =
        config == null ? Optional.empty() : Optional.of(path("--config", config));
    return new ServerOptions(
        volume,
        listen,
        name,
        configFile,
        dev,
        Optional.ofNullable(context.getenv(ServerOptions.HSM_KEY_ENV)));
  }

  private static void checkClusterPort(ServerOptions options, ServerConfig serverConfig)
      throws CliException {
    int apiPort = options.address().port();
    int clusterPort = serverConfig.cluster().portFor(apiPort);
    if (clusterPort > 65535) {
      throw CliException.usage(
          "the cluster port would be "
              + clusterPort
              + " (API port + 1): set cluster.port in the config file");
    }
    if (clusterPort == apiPort) {
      throw new ConfigException(
          "config file "
              + options.configFile().map(Path::toString).orElse("")
              + ": cluster.port "
              + clusterPort
              + " is the API port of --address");
    }
  }

  private static HostPort hostPort(String option, String text, int defaultPort)
      throws CliException {
    try {
      return HostPort.parse(text, defaultPort);
    } catch (IllegalArgumentException e) {
      throw CliException.usage("invalid " + option + " '" + text + "': " + e.getMessage());
    }
  }

  private static Path path(String name, String text) throws CliException {
    if (text.isBlank()) {
      throw CliException.usage("invalid " + name + ": empty");
    }
    try {
      return Path.of(text);
    } catch (InvalidPathException e) {
      throw CliException.usage("invalid " + name + " '" + text + "': " + e.getReason());
    }
  }
}
