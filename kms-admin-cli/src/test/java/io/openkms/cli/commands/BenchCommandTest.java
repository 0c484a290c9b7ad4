package io.openkms.cli.commands;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.openkms.bench.load.BenchReport;
import io.openkms.cli.CliContext;
import io.openkms.cli.CliRun;
import io.openkms.cli.config.ServerConfig;
import io.openkms.cli.server.HostPort;
import io.openkms.cli.server.NodeMain;
import io.openkms.cli.server.ServerOptions;
import io.openkms.http.client.KmsClient;
import io.openkms.http.proto.CreateEnclaveRequest;
import io.openkms.http.testing.FreePorts;
import io.openkms.kms.domain.EnclaveState;
import io.openkms.persistence.HsmKey;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code minkms bench} against an in-process node on 127.0.0.1 (NodeMain.start), with steps of a
 * few hundred milliseconds: the shapes of the table and the JSON, the clean-up in both modes (own
 * enclave; {@code -e} with its keys only) and the usage errors. No timing assertions.
 */
class BenchCommandTest {

  @TempDir static Path dir;

  private static NodeMain.RunningNode node;
  private static String server;

  @BeforeAll
  static void startNode() throws Exception {
    int port = FreePorts.pair();
    HostPort address = new HostPort("127.0.0.1", port);
    node =
        new NodeMain()
            .start(
                new ServerOptions(
                    dir,
                    address,
                    address,
                    Optional.empty(),
                    false,
                    Optional.of(HsmKey.generate().toString())),
                ServerConfig.defaults());
    server = "https://" + address;
  }

  @AfterAll
  static void stopNode() {
    if (node != null) {
      node.close();
    }
  }

  private static CliContext context(String apiKey) {
    return CliRun.quietContext()
        .withEnv(Map.of("MINIO_KMS_SERVER", server, "MINIO_KMS_API_KEY", apiKey));
  }

  private static CliRun bench(String... args) {
    List<String> all =
        new ArrayList<>(List.of("bench", "-k", "--warmup", "50ms", "--duration", "300ms"));
    all.addAll(List.of(args));
    return CliRun.run(context(node.rootApiKey().toString()), all.toArray(new String[0]));
  }

  private static List<String> benchEnclaves() {
    return node.node().state().enclaves().keySet().stream()
        .filter(n -> n.startsWith("bench-"))
        .toList();
  }

  @Test
  void printsOneTableRowPerOperationAndConcurrencyAndDeletesItsEnclave() {
    CliRun run = bench("--concurrency", "1,2", "--batch", "3");
    assertEquals("", run.err());
    assertEquals(0, run.exitCode());
    List<String> lines = run.out().lines().toList();
    assertEquals(1 + 1 + 8, lines.size(), run.out());
    assertTrue(
        lines
            .get(0)
            .matches(
                "minkms bench: 1 server, HTTP/1\\.1 \\(socket\\), "
                    + "enclave bench-[0-9a-f]{8}, "
                    + "batch 3, warm-up 50ms \\+ 300ms measured per step"),
        lines.get(0));
    assertEquals(BenchReport.header(), lines.get(1));
    List<String> expected =
        List.of(
            "generate 1 3",
            "generate 2 3",
            "decrypt 1 3",
            "decrypt 2 3",
            "encrypt 1 3",
            "encrypt 2 3",
            "create 1 1",
            "create 2 1");
    long total = 0;
    for (int i = 0; i < expected.size(); i++) {
      String[] cells = lines.get(2 + i).trim().split(" +");
      assertEquals(10, cells.length, lines.get(2 + i));
      assertEquals(expected.get(i), cells[0] + " " + cells[1] + " " + cells[2]);
      // on a loaded machine one request may outlast a short step: count the whole run
      total += Long.parseLong(cells[3]);
      assertEquals("0", cells[4], lines.get(2 + i));
      for (int c = 5; c < 10; c++) {
        assertTrue(Double.parseDouble(cells[c]) >= 0, lines.get(2 + i));
      }
      assertEquals(BenchReport.header().length(), lines.get(2 + i).length());
    }
    assertTrue(total > 0, run.out());
    assertEquals(List.of(), benchEnclaves());
  }

  @Test
  void printsJson() throws Exception {
    CliRun run = bench("--json", "--ops", "generate,create", "--concurrency", "2", "--http1");
    assertEquals("", run.err());
    assertEquals(0, run.exitCode());
    JsonNode doc = new ObjectMapper().readTree(run.out());
    assertEquals(server, doc.get("servers").get(0).asText());
    assertEquals("HTTP/1.1", doc.get("http").asText());
    assertEquals("http1", doc.get("transport").asText());
    assertTrue(doc.get("enclave").asText().matches("bench-[0-9a-f]{8}"));
    assertEquals(doc.get("enclave").asText(), doc.get("key").asText());
    assertEquals(1, doc.get("batch").asInt());
    assertEquals(50, doc.get("warmup_ms").asLong());
    assertEquals(300, doc.get("duration_ms").asLong());
    JsonNode results = doc.get("results");
    assertEquals(2, results.size());
    assertEquals("generate", results.get(0).get("operation").asText());
    assertEquals("create", results.get(1).get("operation").asText());
    long total = 0;
    for (JsonNode r : results) {
      assertEquals(2, r.get("concurrency").asInt());
      assertEquals(1, r.get("batch").asInt());
      total += r.get("requests").asLong();
      assertEquals(0, r.get("errors").asLong());
      assertEquals("", r.get("first_error").asText());
      assertEquals(r.get("requests_per_second").asDouble(), r.get("ops_per_second").asDouble());
      assertTrue(r.get("elapsed_ms").asDouble() >= 300, r.toString());
      assertTrue(r.get("p99_ms").asDouble() >= r.get("p50_ms").asDouble(), r.toString());
    }
    assertTrue(total > 0, run.out());
    assertEquals(List.of(), benchEnclaves());
  }

  @Test
  void inAGivenEnclaveRemovesOnlyItsKeys() throws Exception {
    KmsClient admin =
        KmsClient.builder()
            .endpoints(server)
            .apiKey(node.rootApiKey().keyPair())
            .insecure(true)
            .build();
    admin.createEnclave(CreateEnclaveRequest.newBuilder().setName("tenant").build());
    CliRun run = bench("-e", "tenant", "--ops", "create,decrypt", "--concurrency", "1");
    assertEquals("", run.err());
    assertEquals(0, run.exitCode());
    assertTrue(
        run.out().lines().findFirst().orElseThrow().contains(", enclave tenant, "), run.out());
    EnclaveState tenant = node.node().state().enclave("tenant");
    assertEquals(List.of(), List.copyOf(tenant.keys().keySet()));
    assertEquals(List.of(), benchEnclaves());
  }

  @Test
  void failsWithoutRightsToCreateAnEnclave() {
    String stranger = io.openkms.kms.crypto.ApiKey.generate().toString();
    CliRun run = CliRun.run(context(stranger), "bench", "-k", "--duration", "100ms");
    assertEquals(1, run.exitCode());
    assertEquals("", run.out());
    assertTrue(
        run.err()
            .matches(
                "minkms: cannot create enclave 'bench-[0-9a-f]{8}': .*"
                    + "access denied: insufficient permissions.* \\(a SysAdmin API key is needed, or -e "
                    + "ENCLAVE\\)\\R"),
        run.err());
  }

  @Test
  void usageErrors() {
    assertEquals(
        new CliRun(
            2,
            "",
            "minkms: invalid --ops 'sign': expected generate, decrypt, " + "encrypt or create\n"),
        bench("--ops", "sign"));
    assertEquals(
        new CliRun(2, "", "minkms: invalid --batch 0: must be from 1 to 1000\n"),
        bench("--batch", "0"));
    assertEquals(
        new CliRun(2, "", "minkms: no API key: use --api-key or set " + "MINIO_KMS_API_KEY\n"),
        CliRun.run(CliRun.quietContext(), "bench"));
    CliRun badKey = CliRun.run(CliRun.quietContext(), "bench", "-a", "k1:nope");
    assertEquals(2, badKey.exitCode());
    assertTrue(badKey.err().startsWith("minkms: invalid API key: "), badKey.err());
  }
}
