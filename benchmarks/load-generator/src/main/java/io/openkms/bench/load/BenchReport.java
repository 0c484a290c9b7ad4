package io.openkms.bench.load;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The output of {@code minkms bench}: a text table, one row per step, or one JSON document.
 *
 * <p>Table: a heading line, then the columns {@code OPERATION CONCURRENCY BATCH REQUESTS ERRORS
 * REQ/S OPS/S P50(ms) P95(ms) P99(ms)}; rates with no decimals, latencies with two. OPS/S is REQ/S
 * × BATCH: data keys per second for generate and decrypt.
 *
 * <p>JSON: {@code {"servers": [...], "http": "HTTP/1.1", "transport": "socket", "enclave": "...",
 * "key": "...", "batch": 1, "warmup_ms": 2000, "duration_ms": 5000, "results": [{"operation":
 * "generate", "concurrency": 1, "batch": 1, "requests": n, "errors": n, "elapsed_ms": x,
 * "requests_per_second": x, "ops_per_second": x, "p50_ms": x, "p95_ms": x, "p99_ms": x,
 * "first_error": ""}, ...]}}, rates rounded to 0.1, times to 0.001 ms.
 */
public final class BenchReport {

  /** The column titles of the table, in order. */
  public static final List<String> COLUMNS =
      List.of(
          "OPERATION",
          "CONCURRENCY",
          "BATCH",
          "REQUESTS",
          "ERRORS",
          "REQ/S",
          "OPS/S",
          "P50(ms)",
          "P95(ms)",
          "P99(ms)");

  private static final int[] WIDTHS = {9, 11, 5, 10, 7, 10, 11, 8, 8, 8};

  private static final ObjectMapper JSON =
      new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

  private BenchReport() {}

  /**
   * The line above the table, e.g. {@code minkms bench: 1 server, HTTP/1.1 (socket), enclave
   * bench-1a2b3c4d, batch 1, warm-up 2s + 5s measured per step}.
   */
  public static String heading(int servers, BenchPlan plan, String enclave) {
    return String.format(
        Locale.ROOT,
        "minkms bench: %d server%s, %s (%s), enclave %s, batch %d, warm-up %s + %s measured per "
            + "step",
        servers,
        servers == 1 ? "" : "s",
        plan.httpVersion(),
        plan.transport().text(),
        enclave,
        plan.batch(),
        seconds(plan.warmup().toMillis()),
        seconds(plan.duration().toMillis()));
  }

  /** The column titles, aligned as the rows. */
  public static String header() {
    return line(COLUMNS);
  }

  /** One table row. */
  public static String row(StepResult r) {
    Latencies l = r.latencies();
    return line(
        List.of(
            r.operation().text(),
            Integer.toString(r.concurrency()),
            Integer.toString(r.batch()),
            Long.toString(r.requests()),
            Long.toString(r.errors()),
            format("%.0f", r.requestsPerSecond()),
            format("%.0f", r.opsPerSecond()),
            format("%.2f", l.p50Ms()),
            format("%.2f", l.p95Ms()),
            format("%.2f", l.p99Ms())));
  }

  /**
   * The lines after the table: one per step with errors, {@code generate at concurrency 16: 3
   * errors, first: <message>}; none without errors.
   */
  public static List<String> errorLines(List<StepResult> results) {
    List<String> lines = new ArrayList<>();
    for (StepResult r : results) {
      if (r.errors() > 0) {
        lines.add(
            r.operation().text()
                + " at concurrency "
                + r.concurrency()
                + ": "
                + r.errors()
                + (r.errors() == 1 ? " error" : " errors")
                + ", first: "
                + r.firstError());
      }
    }
    return lines;
  }

  /** The JSON document of a whole run (pretty-printed, no trailing newline). */
  public static String json(
      List<String> servers, BenchPlan plan, String enclave, String key, List<StepResult> results) {
    Map<String, Object> doc = new LinkedHashMap<>();
    doc.put("servers", servers);
    doc.put("http", plan.httpVersion());
    doc.put("transport", plan.transport().text());
    doc.put("enclave", enclave);
    doc.put("key", key);
    doc.put("batch", plan.batch());
    doc.put("warmup_ms", plan.warmup().toMillis());
    doc.put("duration_ms", plan.duration().toMillis());
    List<Map<String, Object>> rows = new ArrayList<>();
    for (StepResult r : results) {
      Map<String, Object> m = new LinkedHashMap<>();
      m.put("operation", r.operation().text());
      m.put("concurrency", r.concurrency());
      m.put("batch", r.batch());
      m.put("requests", r.requests());
      m.put("errors", r.errors());
      m.put("elapsed_ms", round(r.elapsedMillis(), 1000));
      m.put("requests_per_second", round(r.requestsPerSecond(), 10));
      m.put("ops_per_second", round(r.opsPerSecond(), 10));
      m.put("p50_ms", round(r.latencies().p50Ms(), 1000));
      m.put("p95_ms", round(r.latencies().p95Ms(), 1000));
      m.put("p99_ms", round(r.latencies().p99Ms(), 1000));
      m.put("first_error", r.firstError());
      rows.add(m);
    }
    doc.put("results", rows);
    try {
      return JSON.writeValueAsString(doc);
    } catch (JsonProcessingException e) {
      throw new IllegalStateException("cannot encode the bench report", e);
    }
  }

  private static String line(List<String> cells) {
    StringBuilder sb = new StringBuilder();
    for (int i = 0; i < cells.size(); i++) {
      String cell = cells.get(i);
      int pad = Math.max(0, WIDTHS[i] - cell.length());
      if (i == 0) {
        sb.append(cell).append(" ".repeat(pad));
      } else {
        sb.append("  ").append(" ".repeat(pad)).append(cell);
      }
    }
    return sb.toString();
  }

  private static String format(String pattern, double value) {
    return String.format(Locale.ROOT, pattern, value);
  }

  private static double round(double value, int scale) {
    return Math.round(value * scale) / (double) scale;
  }

  private static String seconds(long millis) {
    return millis % 1000 == 0 ? (millis / 1000) + "s" : millis + "ms";
  }
}
