package io.openkms.cli.commands;

import io.openkms.cli.CliContext;
import io.openkms.cli.CliRun;
import io.openkms.cli.config.ServerConfig;
import io.openkms.cli.server.HostPort;
import io.openkms.cli.server.NodeMain;
import io.openkms.cli.server.ServerOptions;
import io.openkms.http.testing.FreePorts;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Stream;

/**
 * One real node for a test class: {@link NodeMain#start} on 127.0.0.1 with a free port, a temporary
 * DIR, the self-signed certificate of {@code --dev} and the fixed HSM key {@link #HSM_KEY} (so its
 * root API key is known). {@link #run} runs {@code minkms} against it with {@code MINIO_KMS_SERVER}
 * and {@code MINIO_KMS_API_KEY} (the root key) set and {@code -k}.
 */
final class TestNode implements AutoCloseable {
  /** The HSM key of every test node. */
  static final String HSM_KEY = "hsm:aes256:AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=";

  final Path dir;
  final Path home;
  final int port;
  final NodeMain.RunningNode node;

  private TestNode(Path dir, Path home, int port, NodeMain.RunningNode node) {
    this.dir = dir;
    this.home = home;
    this.port = port;
    this.node = node;
  }

  /** Starts a node; close it in {@code @AfterAll}. */
  static TestNode start() throws Exception {
    Path dir = Files.createTempDirectory("minkms-cli-node");
    Path home = Files.createTempDirectory("minkms-cli-home");
    int port = FreePorts.pair();
    HostPort address = new HostPort("127.0.0.1", port);
    ServerOptions options =
        new ServerOptions(dir, address, address, Optional.empty(), true, Optional.of(HSM_KEY));
    NodeMain.RunningNode node = new NodeMain().start(options, ServerConfig.defaults());
    return new TestNode(dir, home, port, node);
  }

  /** {@code 127.0.0.1:<port>}. */
  String host() {
    return "127.0.0.1:" + port;
  }

  /** The root API key, {@code k1:…}. */
  String rootKey() {
    return node.rootApiKey().toString();
  }

  /** The root identity, {@code h1:…}. */
  String rootIdentity() {
    return node.rootApiKey().identity().toString();
  }

  /** The environment of {@link #run}: the server and the root API key. */
  Map<String, String> env() {
    Map<String, String> env = new HashMap<>();
    env.put("MINIO_KMS_SERVER", "https://" + host());
    env.put("MINIO_KMS_API_KEY", rootKey());
    return env;
  }

  /** A context with {@link #env()} plus {@code extra}, not a terminal, home {@link #home}. */
  CliContext context(Map<String, String> extra) {
    Map<String, String> env = env();
    env.putAll(extra);
    return CliRun.quietContext().withEnv(env).withHome(home);
  }

  /** Runs {@code minkms -k args...} (the {@code -k} after the command name) against this node. */
  CliRun run(String... args) {
    return runIn(context(Map.of()), args);
  }

  /** Runs {@code minkms args...} with {@code -k} added after the command name. */
  static CliRun runIn(CliContext context, String... args) {
    String[] withInsecure = new String[args.length + 1];
    withInsecure[0] = args[0];
    withInsecure[1] = "-k";
    System.arraycopy(args, 1, withInsecure, 2, args.length - 1);
    return CliRun.run(context, withInsecure);
  }

  @Override
  public void close() throws IOException {
    node.close();
    delete(dir);
    delete(home);
  }

  private static void delete(Path path) throws IOException {
    if (!Files.exists(path)) {
      return;
    }
    try (Stream<Path> files = Files.walk(path)) {
      for (Path p : files.sorted(Comparator.reverseOrder()).toList()) {
        Files.deleteIfExists(p);
      }
    }
  }
}
