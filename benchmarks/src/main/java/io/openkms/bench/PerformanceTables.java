package io.openkms.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Writes the measured tables into {@code docs/PERFORMANCE.md} for {@code benchmarks/run-bench.sh}.
 * Each table replaces the text between {@code <!-- BEGIN GENERATED: name -->} and {@code <!-- END
 * GENERATED: name -->}; names: {@code environment}, {@code targets}, {@code bench}, {@code jmh}.
 * Everything else in the document stays as it is.
 *
 * <p>Usage: {@code java -cp benchmarks.jar io.openkms.bench.PerformanceTables DOC ENV SINGLE BATCH
 * JMH} where ENV holds {@code key=value} lines (shown in order; {@code node_rss_peak_kb} is checked
 * against the 512 MB target), SINGLE and BATCH are {@code minkms bench --json} outputs
 * (single-frame and batched runs) and JMH is JMH's {@code -rf json} output. Exit 1 with one line on
 * stderr when a file cannot be read or a marker is missing.
 */
public final class PerformanceTables {

  /** GenerateKey at concurrency 16, single frames: at least this many ops/s. */
  static final double TARGET_GENERATE_C16 = 15_000;

  /** GenerateKey at concurrency 64, single frames: p99 below this, ms. */
  static final double TARGET_P99_C64_MS = 10;

  /** Batches of 100 frames: at least this many data keys/s. */
  static final double TARGET_BATCH_KEYS = 150_000;

  /** Node RSS under load with -Xmx256m: below this, KiB (512 MB). */
  static final long TARGET_RSS_KB = 512L * 1024;

  private static final ObjectMapper JSON = new ObjectMapper();

  private PerformanceTables() {}

  /** Entry point; see the class comment. */
  public static void main(String[] args) {
    if (args.length != 5) {
      System.err.println("usage: PerformanceTables DOC ENV SINGLE_JSON BATCH_JSON JMH_JSON");
      System.exit(2);
    }
    try {
      Path doc = Path.of(args[0]);
      Map<String, String> env = readEnv(Path.of(args[1]));
      JsonNode single = JSON.readTree(Path.of(args[2]).toFile());
      JsonNode batch = JSON.readTree(Path.of(args[3]).toFile());
      JsonNode jmh = JSON.readTree(Path.of(args[4]).toFile());
      String text = Files.readString(doc, StandardCharsets.UTF_8);
      text = replace(text, "environment", environment(env));
      text = replace(text, "targets", targets(single, batch, env));
      text = replace(text, "bench", bench(single) + "\n" + bench(batch));
      text = replace(text, "jmh", jmh(jmh));
      Files.writeString(doc, text, StandardCharsets.UTF_8);
    } catch (IOException | IllegalArgumentException e) {
      System.err.println("PerformanceTables: " + e.getMessage());
      System.exit(1);
    }
  }

  /** {@code key=value} lines, in order; blank lines and lines without {@code =} are skipped. */
  static Map<String, String> readEnv(Path file) throws IOException {
    Map<String, String> env = new LinkedHashMap<>();
    for (String line : Files.readAllLines(file, StandardCharsets.UTF_8)) {
      int eq = line.indexOf('=');
      if (eq > 0) {
        env.put(line.substring(0, eq).strip(), line.substring(eq + 1).strip());
      }
    }
    return env;
  }

  /**
   * {@code text} with the part between the markers of {@code name} replaced by {@code table}.
   *
   * @throws IllegalArgumentException {@code docs marker missing: <!-- BEGIN GENERATED: name -->}
   */
  static String replace(String text, String name, String table) {
    String begin = "<!-- BEGIN GENERATED: " + name + " -->";
    String end = "<!-- END GENERATED: " + name + " -->";
    int b = text.indexOf(begin);
    int e = text.indexOf(end);
    if (b < 0 || e < b) {
      throw new IllegalArgumentException("docs marker missing: " + (b < 0 ? begin : end));
    }
    return text.substring(0, b + begin.length()) + "\n" + table + text.substring(e);
  }

  /** A two-column table of the environment facts. */
  static String environment(Map<String, String> env) {
    StringBuilder sb = new StringBuilder("| fact | value |\n|---|---|\n");
    env.forEach((k, v) -> sb.append("| ").append(k).append(" | ").append(cell(v)).append(" |\n"));
    return sb.toString();
  }

  /** The four targets of issue 6, the measured value and whether it is met. */
  static String targets(JsonNode single, JsonNode batch, Map<String, String> env) {
    StringBuilder sb = new StringBuilder("| target | goal | measured | met |\n|---|---|---|---|\n");
    JsonNode c16 = find(single, "generate", 16);
    JsonNode c64 = find(single, "generate", 64);
    double best = 0;
    String bestAt = "";
    for (JsonNode r : batch.path("results")) {
      if (r.path("operation").asText().equals("generate")
          && r.path("batch").asInt() >= 100
          && r.path("ops_per_second").asDouble() > best) {
        best = r.path("ops_per_second").asDouble();
        bestAt = " (concurrency " + r.path("concurrency").asInt() + ")";
      }
    }
    row(
        sb,
        "GenerateKey, single frames, concurrency 16",
        "≥ 15,000 ops/s",
        c16 == null ? null : c16.path("ops_per_second").asDouble(),
        "%,.0f ops/s",
        c16 != null && c16.path("ops_per_second").asDouble() >= TARGET_GENERATE_C16);
    row(
        sb,
        "GenerateKey p99, single frames, concurrency 64",
        "< 10 ms",
        c64 == null ? null : c64.path("p99_ms").asDouble(),
        "%.2f ms",
        c64 != null && c64.path("p99_ms").asDouble() < TARGET_P99_C64_MS);
    sb.append("| GenerateKey, batches of 100 frames | ≥ 150,000 data keys/s | ")
        .append(best > 0 ? String.format(Locale.ROOT, "%,.0f data keys/s", best) + bestAt : "—")
        .append(" | ")
        .append(best >= TARGET_BATCH_KEYS ? "yes" : "no")
        .append(" |\n");
    String rss = env.get("node_rss_peak_kb");
    Double rssMb = rss == null || rss.isEmpty() ? null : Long.parseLong(rss) / 1024.0;
    row(
        sb,
        "Node RSS under load, -Xmx256m",
        "< 512 MB",
        rssMb,
        "%.0f MB",
        rss != null && !rss.isEmpty() && Long.parseLong(rss) < TARGET_RSS_KB);
    return sb.toString();
  }

  private static void row(
      StringBuilder sb, String target, String goal, Double value, String format, boolean met) {
    sb.append("| ")
        .append(target)
        .append(" | ")
        .append(goal)
        .append(" | ")
        .append(value == null ? "—" : String.format(Locale.ROOT, format, value))
        .append(" | ")
        .append(met ? "yes" : "no")
        .append(" |\n");
  }

  private static JsonNode find(JsonNode run, String op, int concurrency) {
    for (JsonNode r : run.path("results")) {
      if (r.path("operation").asText().equals(op) && r.path("concurrency").asInt() == concurrency) {
        return r;
      }
    }
    return null;
  }

  /** One {@code minkms bench --json} run as a table, under a line naming its setup. */
  static String bench(JsonNode run) {
    StringBuilder sb = new StringBuilder();
    sb.append(
        String.format(
            Locale.ROOT,
            "%s, batch %d, warm-up %d ms + %d ms measured per step:%n%n",
            run.path("http").asText(),
            run.path("batch").asInt(),
            run.path("warmup_ms").asLong(),
            run.path("duration_ms").asLong()));
    sb.append(
        "| operation | concurrency | frames/request | requests/s | ops/s | p50 ms | p95 ms "
            + "| p99 ms | errors |\n|---|---:|---:|---:|---:|---:|---:|---:|---:|\n");
    for (JsonNode r : run.path("results")) {
      sb.append(
          String.format(
              Locale.ROOT,
              "| %s | %d | %d | %,.0f | %,.0f | %.2f | %.2f | %.2f " + "| %d |%n",
              r.path("operation").asText(),
              r.path("concurrency").asInt(),
              r.path("batch").asInt(),
              r.path("requests_per_second").asDouble(),
              r.path("ops_per_second").asDouble(),
              r.path("p50_ms").asDouble(),
              r.path("p95_ms").asDouble(),
              r.path("p99_ms").asDouble(),
              r.path("errors").asLong()));
    }
    return sb.toString();
  }

  /** JMH's JSON results as a table: benchmark, parameters, score ± error and unit. */
  static String jmh(JsonNode results) {
    StringBuilder sb =
        new StringBuilder(
            "| benchmark | parameters | score | ± error | unit |\n" + "|---|---|---:|---:|---|\n");
    for (JsonNode r : results) {
      String name = r.path("benchmark").asText().replace("io.openkms.bench.", "");
      List<String> params = new ArrayList<>();
      Iterator<Map.Entry<String, JsonNode>> it = r.path("params").fields();
      while (it.hasNext()) {
        Map.Entry<String, JsonNode> p = it.next();
        params.add(p.getKey() + "=" + p.getValue().asText());
      }
      JsonNode m = r.path("primaryMetric");
      double error = m.path("scoreError").asDouble(Double.NaN);
      sb.append(
          String.format(
              Locale.ROOT,
              "| %s | %s | %,.1f | %s | %s |%n",
              name,
              params.isEmpty() ? "" : String.join(", ", params),
              m.path("score").asDouble(),
              Double.isNaN(error) ? "—" : String.format(Locale.ROOT, "%,.1f", error),
              m.path("scoreUnit").asText()));
    }
    return sb.toString();
  }

  private static String cell(String v) {
    return v.replace("|", "\\|");
  }
}
