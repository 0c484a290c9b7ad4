package io.openkms.cli.client;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.openkms.cli.CliContext;
import io.openkms.cli.CliException;
import io.openkms.cli.CliRun;
import java.net.URI;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;

/** {@link ClientOptions}: flags and environment of client commands (docs/REFERENCE.md §2.1). */
class ClientOptionsTest {

  @Command(name = "probe")
  static final class Probe {
    @Mixin ClientOptions client;
  }

  private static ClientSettings resolve(CliContext context, String... args) throws CliException {
    Probe probe = new Probe();
    new CommandLine(probe).parseArgs(args);
    return probe.client.resolve(context);
  }

  @Test
  void defaultsWithoutEnvironment() throws Exception {
    assertEquals(
        new ClientSettings(
            Optional.empty(),
            false,
            Optional.empty(),
            false,
            List.of(URI.create("https://localhost:7373")),
            false),
        resolve(CliRun.quietContext()));
  }

  @Test
  void environmentSuppliesKeyAndServers() throws Exception {
    CliContext context =
        CliRun.quietContext()
            .withEnv(
                Map.of(
                    "MINIO_KMS_API_KEY", "k1:ENV",
                    "MINIO_KMS_SERVER", "https://n0:7373,n1"));
    assertEquals(
        new ClientSettings(
            Optional.of("k1:ENV"),
            false,
            Optional.empty(),
            false,
            List.of(URI.create("https://n0:7373"), URI.create("https://n1:7373")),
            false),
        resolve(context));
  }

  @Test
  void flagsOverrideTheEnvironment() throws Exception {
    CliContext context = CliRun.quietContext().withEnv(Map.of("MINIO_KMS_API_KEY", "k1:ENV"));
    ClientSettings longForm =
        resolve(
            context, "--api-key", "k1:FLAG", "--insecure", "--enclave", "aistor-primary", "--json");
    assertEquals(
        new ClientSettings(
            Optional.of("k1:FLAG"),
            true,
            Optional.of("aistor-primary"),
            true,
            List.of(URI.create("https://localhost:7373")),
            false),
        longForm);
    assertEquals(
        longForm, resolve(context, "-a", "k1:FLAG", "-k", "-e", "aistor-primary", "--json"));
    assertEquals(longForm, resolve(context, "-ka", "k1:FLAG", "-eaistor-primary", "--json"));
  }

  @Test
  void colourOnlyOnATerminalWithoutNoColor() throws Exception {
    CliContext terminal = CliRun.quietContext().withTerminal(true);
    assertEquals(true, resolve(terminal).colour());
    assertEquals(false, resolve(terminal.withEnv(Map.of("NO_COLOR", "1"))).colour());
    assertEquals(true, resolve(terminal.withEnv(Map.of("NO_COLOR", ""))).colour());
    assertEquals(false, resolve(CliRun.quietContext()).colour());
  }

  @Test
  void missingApiKeyIsAUsageError() throws Exception {
    ClientSettings settings =
        resolve(CliRun.quietContext().withEnv(Map.of("MINIO_KMS_API_KEY", "")));
    CliException e = assertThrows(CliException.class, settings::requireApiKey);
    assertEquals("no API key: use --api-key or set MINIO_KMS_API_KEY", e.getMessage());
    assertEquals(CliException.USAGE, e.exitCode());
    assertEquals("k1:X", resolve(CliRun.quietContext(), "-a", "k1:X").requireApiKey());
  }

  @Test
  void badServerListIsAUsageError() {
    CliContext context =
        CliRun.quietContext().withEnv(Map.of("MINIO_KMS_SERVER", "http://n0:7373"));
    CliException e = assertThrows(CliException.class, () -> resolve(context));
    assertEquals(
        "invalid MINIO_KMS_SERVER entry 'http://n0:7373': only https is supported", e.getMessage());
  }

  @Test
  void toStringHidesTheApiKey() throws Exception {
    assertEquals(
        "ClientSettings[apiKey=***, insecure=false, enclave=, json=false, servers=[https://localhost:7373],"
            + " colour=false]",
        resolve(CliRun.quietContext(), "-a", "k1:SECRET").toString());
  }
}
