package io.openkms.bench.load;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

class BenchReportTest {

  private static final StepResult GENERATE =
      new StepResult(
          BenchOperation.GENERATE,
          16,
          100,
          1500,
          2,
          5000.0,
          new Latencies(1.234, 5.5, 9.876),
          "kms: internal error");
  private static final StepResult CREATE =
      new StepResult(BenchOperation.CREATE, 1, 1, 10, 0, 2000.0, new Latencies(0.5, 0.75, 1), "");

  @Test
  void tableRowsAlignUnderTheHeader() {
    assertEquals(
        "OPERATION  CONCURRENCY  BATCH    REQUESTS   ERRORS       REQ/S        OPS/S"
            + "   P50(ms)   P95(ms)   P99(ms)",
        BenchReport.header());
    assertEquals(
        "generate            16    100        1500        2         300        30000"
            + "      1.23      5.50      9.88",
        BenchReport.row(GENERATE));
    assertEquals(BenchReport.header().length(), BenchReport.row(GENERATE).length());
    assertEquals(BenchReport.header().length(), BenchReport.row(CREATE).length());
  }

  @Test
  void headingNamesTheSetup() {
    BenchPlan plan =
        new BenchPlan(
            BenchOperation.parseList("generate"),
            List.of(1),
            100,
            Duration.ofMillis(500),
            Duration.ofSeconds(5),
            BenchTransport.parse("http1"));
    assertEquals(
        "minkms bench: 2 servers, HTTP/1.1 (http1), enclave bench-0a1b2c3d, batch 100, "
            + "warm-up 500ms + 5s measured per step",
        BenchReport.heading(2, plan, "bench-0a1b2c3d"));
  }

  @Test
  void errorLinesOnlyForStepsWithErrors() {
    assertEquals(
        List.of("generate at concurrency 16: 2 errors, first: kms: internal error"),
        BenchReport.errorLines(List.of(GENERATE, CREATE)));
    assertEquals(List.of(), BenchReport.errorLines(List.of(CREATE)));
  }

  @Test
  void jsonHoldsTheRunAndEveryStep() throws Exception {
    BenchPlan plan =
        new BenchPlan(
            BenchOperation.parseList("generate,create"),
            List.of(16),
            100,
            Duration.ofSeconds(2),
            Duration.ofSeconds(5),
            BenchTransport.parse("http2"));
    JsonNode doc =
        new ObjectMapper()
            .readTree(
                BenchReport.json(
                    List.of("https://127.0.0.1:7373"),
                    plan,
                    "bench-0a1b2c3d",
                    "bench-0a1b2c3d",
                    List.of(GENERATE, CREATE)));
    assertEquals(
        List.of(
            "servers",
            "http",
            "transport",
            "enclave",
            "key",
            "batch",
            "warmup_ms",
            "duration_ms",
            "results"),
        fieldNames(doc));
    assertEquals("https://127.0.0.1:7373", doc.get("servers").get(0).asText());
    assertEquals("HTTP/2", doc.get("http").asText());
    assertEquals("http2", doc.get("transport").asText());
    assertEquals(100, doc.get("batch").asInt());
    assertEquals(2000, doc.get("warmup_ms").asLong());
    assertEquals(5000, doc.get("duration_ms").asLong());
    JsonNode first = doc.get("results").get(0);
    assertEquals(
        List.of(
            "operation",
            "concurrency",
            "batch",
            "requests",
            "errors",
            "elapsed_ms",
            "requests_per_second",
            "ops_per_second",
            "p50_ms",
            "p95_ms",
            "p99_ms",
            "first_error"),
        fieldNames(first));
    assertEquals("generate", first.get("operation").asText());
    assertEquals(16, first.get("concurrency").asInt());
    assertEquals(1500, first.get("requests").asLong());
    assertEquals(2, first.get("errors").asLong());
    assertEquals(300.0, first.get("requests_per_second").asDouble());
    assertEquals(30000.0, first.get("ops_per_second").asDouble());
    assertEquals(1.234, first.get("p50_ms").asDouble());
    assertEquals(9.876, first.get("p99_ms").asDouble());
    assertEquals("kms: internal error", first.get("first_error").asText());
    assertEquals("create", doc.get("results").get(1).get("operation").asText());
    assertEquals(5.0, doc.get("results").get(1).get("requests_per_second").asDouble());
  }

  private static List<String> fieldNames(JsonNode node) {
    List<String> names = new java.util.ArrayList<>();
    node.fieldNames().forEachRemaining(names::add);
    return names;
  }
}
