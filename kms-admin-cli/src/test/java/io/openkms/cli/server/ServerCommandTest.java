package io.openkms.cli.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import io.openkms.cli.CliContext;
import io.openkms.cli.CliRun;
import io.openkms.cli.config.ServerConfig;
import java.net.InetAddress;
import java.net.SocketException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@link ServerCommand}: {@code minkms server} arguments, defaults and errors (docs/REFERENCE.md
 * §2.3).
 */
class ServerCommandTest {
  private static final String KEY = "hsm:aes256:AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=";
  private static final String CONFIG_DIR = "src/test/resources/config/";

  private final AtomicReference<ServerOptions> launchedOptions = new AtomicReference<>();
  private final AtomicReference<ServerConfig> launchedConfig = new AtomicReference<>();
  private CliContext context;

  @BeforeEach
  void setUp() throws Exception {
    InetAddress lan = InetAddress.getByName("10.0.0.5");
    context =
        CliRun.quietContext()
            .withEnv(Map.of("MINIO_KMS_HSM_KEY", KEY))
            .withLocalAddresses(() -> List.of(InetAddress.getLoopbackAddress(), lan))
            .withNodeLauncher(
                (options, config) -> {
                  launchedOptions.set(options);
                  launchedConfig.set(config);
                  return 0;
                });
  }

  private CliRun run(String... args) {
    return CliRun.run(context, args);
  }

  private void assertLaunched(ServerOptions options, ServerConfig config) {
    assertEquals(options, launchedOptions.get());
    assertEquals(config, launchedConfig.get());
  }

  private void assertNotLaunched() {
    assertNull(launchedOptions.get());
  }

  @Test
  void defaults() {
    assertEquals(new CliRun(0, "", ""), run("server", "/mnt/minio-kms"));
    assertLaunched(
        new ServerOptions(
            Path.of("/mnt/minio-kms"),
            new HostPort("0.0.0.0", 7373),
            new HostPort("10.0.0.5", 7373),
            Optional.empty(),
            false,
            Optional.of(KEY)),
        ServerConfig.defaults());
  }

  @Test
  void guideOptions() {
    CliRun result =
        run(
            "server",
            "/mnt/minio-kms",
            "--host",
            "minkms-node0.example.net:7373",
            "--config",
            CONFIG_DIR + "guide-example.yaml");
    assertEquals(new CliRun(0, "", ""), result);
    ServerOptions options = launchedOptions.get();
    assertEquals(new HostPort("minkms-node0.example.net", 7373), options.host());
    assertEquals(Optional.of(Path.of(CONFIG_DIR + "guide-example.yaml")), options.configFile());
    assertEquals(1, launchedConfig.get().tls().certs().size());
  }

  @Test
  void addressForms() {
    run("server", "d", "--address", "127.0.0.2");
    assertEquals(new HostPort("127.0.0.2", 7373), launchedOptions.get().address());
    assertEquals(new HostPort("127.0.0.2", 7373), launchedOptions.get().host());

    run("server", "d", "--addr", ":7474");
    assertEquals(new HostPort("0.0.0.0", 7474), launchedOptions.get().address());
    assertEquals(new HostPort("10.0.0.5", 7474), launchedOptions.get().host());

    run("server", "d", "--address=[::1]:7000");
    assertEquals(new HostPort("::1", 7000), launchedOptions.get().address());
  }

  @Test
  void hostWithoutPortTakesTheListenPort() {
    run("server", "d", "--address", "0.0.0.0:7474", "--host", "node1.example.net");
    assertEquals(new HostPort("node1.example.net", 7474), launchedOptions.get().host());
  }

  @Test
  void hostDefaultsToLoopbackWithoutNetwork() {
    context = context.withLocalAddresses(List::of);
    run("server", "d");
    assertEquals(new HostPort("127.0.0.1", 7373), launchedOptions.get().host());
  }

  @Test
  void networkInterfaceFailure() {
    context =
        context.withLocalAddresses(
            () -> {
              throw new SocketException("no interfaces");
            });
    assertEquals(
        new CliRun(
            1, "", "minkms: cannot list the network interfaces: no interfaces (use --host)\n"),
        run("server", "d"));
    assertNotLaunched();
  }

  @Test
  void devModeNeedsNoHsmKey() {
    context = context.withEnv(Map.of());
    assertEquals(new CliRun(0, "", ""), run("server", "d", "--dev"));
    assertEquals(true, launchedOptions.get().dev());
    assertEquals(Optional.empty(), launchedOptions.get().hsmKey());
  }

  @Test
  void missingHsmKey() {
    context = context.withEnv(Map.of());
    assertEquals(new CliRun(1, "", "minkms: kms: no HSM provided\n"), run("server", "d"));
    context = context.withEnv(Map.of("MINIO_KMS_HSM_KEY", ""));
    assertEquals(new CliRun(1, "", "minkms: kms: no HSM provided\n"), run("server", "d"));
    assertNotLaunched();
  }

  @Test
  void licenseIsIgnoredWithANote() {
    assertEquals(
        new CliRun(0, "", "minkms: note: --license is deprecated and ignored\n"),
        run("server", "d", "--license", "minio.license"));
    assertEquals(Path.of("d"), launchedOptions.get().dir());
  }

  @Test
  void configWarningsArePrinted() {
    context =
        context.withEnv(
            Map.of("MINIO_KMS_HSM_KEY", KEY, "DB_HOST", "db", "MINKMS_DB_PASSWORD", "pw"));
    CliRun result = run("server", "d", "--config", CONFIG_DIR + "full.yaml");
    assertEquals(
        new CliRun(
            0,
            "",
            "minkms: warning: config file "
                + CONFIG_DIR
                + "full.yaml: the 'hsm' section is"
                + " ignored: this build supports only the software HSM key (MINIO_KMS_HSM_KEY)\n"),
        result);
    assertEquals(7474, launchedConfig.get().cluster().portFor(7373));
  }

  @Test
  void configErrorsExit1() {
    assertEquals(
        new CliRun(1, "", "minkms: cannot read config file missing.yaml: no such file\n"),
        run("server", "d", "--config", "missing.yaml"));
    assertEquals(
        new CliRun(
            1,
            "",
            "minkms: config file " + CONFIG_DIR + "unknown-tls.yaml: unknown key 'tls.foo'\n"),
        run("server", "d", "--config", CONFIG_DIR + "unknown-tls.yaml"));
    assertNotLaunched();
  }

  @Test
  void clusterPortMustDifferFromTheApiPort() {
    context =
        context.withEnv(
            Map.of("MINIO_KMS_HSM_KEY", KEY, "DB_HOST", "db", "MINKMS_DB_PASSWORD", "pw"));
    CliRun result = run("server", "d", "--address", ":7474", "--config", CONFIG_DIR + "full.yaml");
    assertEquals(1, result.exitCode());
    assertEquals(
        "config file " + CONFIG_DIR + "full.yaml: cluster.port 7474 is the API port of --address",
        result.err().lines().toList().get(1).substring("minkms: ".length()));
    assertNotLaunched();
  }

  @Test
  void clusterPortMustExist() {
    assertEquals(
        new CliRun(
            2,
            "",
            "minkms: the cluster port would be 65536 (API port + 1): set cluster.port in the"
                + " config file\n"),
        run("server", "d", "--address", "0.0.0.0:65535"));
    assertNotLaunched();
  }

  @Test
  void badArgumentsAreUsageErrors(@TempDir Path tmp) throws Exception {
    Path file = Files.writeString(tmp.resolve("file"), "x");
    assertEquals(
        new CliRun(2, "", "minkms: invalid --address 'host:port': invalid port 'port'\n"),
        run("server", "d", "--address", "host:port"));
    assertEquals(
        new CliRun(
            2, "", "minkms: invalid --address '1.2.3.4:70000': port must be between 1 and 65535\n"),
        run("server", "d", "--address", "1.2.3.4:70000"));
    assertEquals(
        new CliRun(2, "", "minkms: invalid --address '': missing host\n"),
        run("server", "d", "--address", ""));
    assertEquals(
        new CliRun(2, "", "minkms: invalid --host ':7373': missing host\n"),
        run("server", "d", "--host", ":7373"));
    assertEquals(
        new CliRun(
            2,
            "",
            "minkms: invalid --host 'https://n1:7373': expected HOST[:PORT] without a scheme\n"),
        run("server", "d", "--host", "https://n1:7373"));
    assertEquals(
        new CliRun(2, "", "minkms: invalid DIR '" + file + "': not a directory\n"),
        run("server", file.toString()));
    assertEquals(new CliRun(2, "", "minkms: invalid DIR: empty\n"), run("server", ""));
    assertEquals(
        new CliRun(2, "", "minkms: invalid --config: empty\n"), run("server", "d", "--config", ""));
    assertEquals(
        new CliRun(2, "", "minkms: Unmatched argument at index 2: 'extra'\n"),
        run("server", "d", "extra"));
    assertEquals(
        new CliRun(2, "", "minkms: Missing required parameter for option '--host' (HOST[:PORT])\n"),
        run("server", "d", "--host"));
    assertNotLaunched();
  }
}
