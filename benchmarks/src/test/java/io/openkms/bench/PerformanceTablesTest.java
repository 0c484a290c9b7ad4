package io.openkms.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class PerformanceTablesTest {

  private static final ObjectMapper JSON = new ObjectMapper();

  private static JsonNode run(int batch, String results) throws Exception {
    return JSON.readTree(
        "{\"servers\":[\"https://127.0.0.1:7390\"],\"http\":\"HTTP/2\","
            + "\"batch\":"
            + batch
            + ",\"warmup_ms\":2000,\"duration_ms\":5000,\"results\":["
            + results
            + "]}");
  }

  private static String result(String op, int c, int batch, double rps, double p99) {
    return "{\"operation\":\""
        + op
        + "\",\"concurrency\":"
        + c
        + ",\"batch\":"
        + batch
        + ",\"requests\":100,\"errors\":0,\"elapsed_ms\":5000.0,\"requests_per_second\":"
        + rps
        + ",\"ops_per_second\":"
        + rps * batch
        + ",\"p50_ms\":1.0,\"p95_ms\":2.0,\"p99_ms\":"
        + p99
        + ",\"first_error\":\"\"}";
  }

  @Test
  void replacesOnlyBetweenTheMarkers() {
    String doc =
        "# Title\n<!-- BEGIN GENERATED: bench -->\nold\n<!-- END GENERATED: bench -->\n" + "tail\n";
    assertEquals(
        "# Title\n<!-- BEGIN GENERATED: bench -->\nnew\n<!-- END GENERATED: bench -->\n" + "tail\n",
        PerformanceTables.replace(doc, "bench", "new\n"));
    IllegalArgumentException e =
        assertThrows(
            IllegalArgumentException.class, () -> PerformanceTables.replace(doc, "jmh", "x"));
    assertEquals("docs marker missing: <!-- BEGIN GENERATED: jmh -->", e.getMessage());
  }

  @Test
  void benchTableHasOneRowPerStep() throws Exception {
    assertEquals(
        "HTTP/2, batch 1, warm-up 2000 ms + 5000 ms measured per step:\n\n"
            + "| operation | concurrency | frames/request | requests/s | ops/s | p50 ms | p95 ms | "
            + "p99 ms | errors |\n|---|---:|---:|---:|---:|---:|---:|---:|---:|\n"
            + "| generate | 16 | 1 | 12,345 | 12,345 | 1.00 | 2.00 | 3.50 | 0 |\n",
        PerformanceTables.bench(run(1, result("generate", 16, 1, 12345, 3.5))));
  }

  @Test
  void targetsAreCheckedAgainstTheIssueGoals() throws Exception {
    JsonNode single =
        run(1, result("generate", 16, 1, 16000, 4) + "," + result("generate", 64, 1, 14000, 12.25));
    JsonNode batch =
        run(
            100,
            result("generate", 4, 100, 1000, 5)
                + ","
                + result("generate", 16, 100, 1600, 9)
                + ","
                + result("decrypt", 16, 100, 2000, 9));
    Map<String, String> env = new LinkedHashMap<>();
    env.put("node_rss_peak_kb", "409600");
    assertEquals(
        "| target | goal | measured | met |\n|---|---|---|---|\n"
            + "| GenerateKey, single frames, concurrency 16 | ≥ 15,000 ops/s | 16,000 ops/s | yes |\n"
            + "| GenerateKey p99, single frames, concurrency 64 | < 10 ms | 12.25 ms | no |\n"
            + "| GenerateKey, batches of 100 frames | ≥ 150,000 data keys/s | 160,000 data keys/s "
            + "(concurrency 16) | yes |\n"
            + "| Node RSS under load, -Xmx256m | < 512 MB | 400 MB | yes |\n",
        PerformanceTables.targets(single, batch, env));
    assertEquals(
        "| target | goal | measured | met |\n|---|---|---|---|\n"
            + "| GenerateKey, single frames, concurrency 16 | ≥ 15,000 ops/s | — | no |\n"
            + "| GenerateKey p99, single frames, concurrency 64 | < 10 ms | — | no |\n"
            + "| GenerateKey, batches of 100 frames | ≥ 150,000 data keys/s | — | no |\n"
            + "| Node RSS under load, -Xmx256m | < 512 MB | — | no |\n",
        PerformanceTables.targets(run(1, ""), run(100, ""), Map.of()));
  }

  @Test
  void jmhTableShowsScoresAndParameters() throws Exception {
    JsonNode jmh =
        JSON.readTree(
            "[{\"benchmark\":\"io.openkms.bench.AeadBenchmark.seal\","
                + "\"params\":{\"type\":\"AES256\"},\"primaryMetric\":{\"score\":1234.56,"
                + "\"scoreError\":12.34,\"scoreUnit\":\"ns/op\"}},"
                + "{\"benchmark\":\"io.openkms.bench.IdentityBenchmark.cached\",\"primaryMetric\":"
                + "{\"score\":45.0,\"scoreError\":\"NaN\",\"scoreUnit\":\"ns/op\"}}]");
    assertEquals(
        "| benchmark | parameters | score | ± error | unit |\n|---|---|---:|---:|---|\n"
            + "| AeadBenchmark.seal | type=AES256 | 1,234.6 | 12.3 | ns/op |\n"
            + "| IdentityBenchmark.cached |  | 45.0 | — | ns/op |\n",
        PerformanceTables.jmh(jmh));
  }

  @Test
  void environmentFileKeepsItsOrder(@TempDir Path dir) throws Exception {
    Path file = dir.resolve("env");
    Files.writeString(file, "date=2026-11-29\n\ncpu=AMD EPYC | 2 cores\nnot a fact\n");
    Map<String, String> env = PerformanceTables.readEnv(file);
    assertEquals(
        "| fact | value |\n|---|---|\n| date | 2026-11-29 |\n" + "| cpu | AMD EPYC \\| 2 cores |\n",
        PerformanceTables.environment(env));
  }
}
