package io.openkms.http.server;

import static io.openkms.http.server.ApiAssertions.assertJsonError;
import static io.openkms.http.server.ApiAssertions.assertKmsError;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.openkms.http.client.KmsClient;
import io.openkms.http.observe.AuditLog;
import io.openkms.http.observe.NodeMetrics;
import io.openkms.http.observe.Observability;
import io.openkms.http.proto.CreateEnclaveRequest;
import io.openkms.http.proto.CreateIdentityRequest;
import io.openkms.http.proto.CreateKeyRequest;
import io.openkms.http.proto.GenerateKeyRequest;
import io.openkms.kms.crypto.ApiKey;
import java.net.http.HttpClient;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * {@code GET /v1/health/metrics} through the real server (docs/REFERENCE.md §8): SysAdmins read
 * Prometheus text (or OpenMetrics when asked) with the request meters by command and status,
 * the replication, state and JVM gauges; anyone else gets 403; with
 * {@code api: {/v1/health/metrics: {skip_auth: true}}} any client may read it.
 */
class KmsApiMetricsTest {

  private static TestKmsServer server;
  private static KmsClient root;

  @BeforeAll
  static void start() throws Exception {
    server = TestKmsServer.start();
    root = server.root();
    root.createEnclave(CreateEnclaveRequest.newBuilder().setName("m").build());
    root.createKey("m", CreateKeyRequest.newBuilder().setName("k").build());
  }

  @AfterAll
  static void stop() {
    server.close();
  }

  private static String scrape(HttpClient http, String... headers) throws Exception {
    HttpResponse<byte[]> r = server.get(http, "/v1/health/metrics", headers);
    assertEquals(200, r.statusCode(), new String(r.body(), StandardCharsets.UTF_8));
    return new String(r.body(), StandardCharsets.UTF_8);
  }

  /** The value of the sample {@code name{labels}} (labels in the registry's order). */
  private static double sample(String text, String nameAndLabels) {
    Matcher m = Pattern.compile("(?m)^" + Pattern.quote(nameAndLabels) + " (\\S+)$").matcher(text);
    assertTrue(m.find(), "no sample " + nameAndLabels + " in\n" + text);
    return Double.parseDouble(m.group(1));
  }

  @Test
  void aSysAdminReadsRequestsByCommandAndStatusAndTheNodeGauges() throws Exception {
    HttpClient http = server.rawRoot();
    double before = 0;
    String first = scrape(http);
    if (first.contains("http_total{command=\"KEY:GENERATE\",status=\"200\"}")) {
      before = sample(first, "http_total{command=\"KEY:GENERATE\",status=\"200\"}");
    }
    for (int i = 0; i < 3; i++) {
      root.generateKey("m", GenerateKeyRequest.newBuilder().setName("k").build());
    }
    assertKmsError(404, "key does not exist",
        () -> root.generateKey("m", GenerateKeyRequest.newBuilder().setName("nope").build()));

    HttpResponse<byte[]> r = server.get(http, "/v1/health/metrics");
    assertEquals(NodeMetrics.PROMETHEUS_TEXT,
        r.headers().firstValue("Content-Type").orElse("").toLowerCase());
    String text = new String(r.body(), StandardCharsets.UTF_8);
    assertEquals(before + 3, sample(text, "http_total{command=\"KEY:GENERATE\",status=\"200\"}"));
    assertEquals(1, sample(text, "http_total{command=\"KEY:GENERATE\",status=\"404\"}"));
    assertTrue(sample(text, "http_request_duration_seconds_count{command=\"KEY:GENERATE\"}") >= 4);
    assertTrue(sample(text,
        "http_request_duration_seconds_bucket{command=\"KEY:GENERATE\",le=\"10.0\"}") >= 4);
    assertTrue(sample(text, "http_request_size_bytes_count{command=\"KEY:GENERATE\"}") >= 4);
    assertTrue(sample(text, "http_request_bytes_total{direction=\"received\"}") > 0);
    assertTrue(sample(text, "http_request_bytes_total{direction=\"sent\"}") > 0);
    assertEquals(1, sample(text, "http_request_inflight")); // this scrape
    assertTrue(sample(text, "http_total{command=\"/v1/health/metrics\",status=\"200\"}") >= 1);

    long commit = server.node().replicaState().lastIndex();
    assertEquals(commit, sample(text, "minkms_replication_commit_index"));
    assertEquals(1, sample(text, "minkms_replication_is_leader"));
    assertEquals(1, sample(text, "minkms_replication_members"));
    assertEquals(1, sample(text, "minkms_replication_writable"));
    assertEquals(1, sample(text, "minkms_replication_member_reachable{host=\""
        + server.host() + "\",node_id=\"0\"}"));
    assertEquals(1, sample(text, "minkms_state_enclaves"));
    assertTrue(sample(text, "minkms_state_keys") >= 1);
    assertTrue(sample(text, "jvm_memory_used_bytes{area=\"heap\",id=\"G1 Eden Space\"}") >= 0
        || text.contains("jvm_memory_used_bytes{area=\"heap\""));
    assertTrue(text.contains("jvm_threads_live_threads "), text);
    assertTrue(text.contains("jvm_gc_"), "GC meters");
    assertTrue(text.contains("process_cpu_usage "), "processor meters");
  }

  /**
   * Every metric the shipped Grafana dashboard queries is one the node exports (GC pauses only
   * appear after a collection, the audit meters only with an audit log (see
   * {@link KmsApiAuditTest}) and the handshake meters once the TLS layer reports handshakes, so
   * they are left out).
   */
  @Test
  void theDashboardQueriesOnlyMetricsTheNodeExports() throws Exception {
    String text = scrape(server.rawRoot());
    String dashboard = java.nio.file.Files.readString(
        java.nio.file.Path.of("..", "ops", "grafana", "minkms-dashboard.json"));
    Matcher m = Pattern.compile("([a-z_]+)\\{instance").matcher(dashboard);
    java.util.Set<String> names = new java.util.TreeSet<>();
    while (m.find()) {
      names.add(m.group(1));
    }
    assertTrue(names.size() > 15, names.toString());
    for (String name : names) {
      if (!name.startsWith("jvm_gc_pause") && !name.startsWith("minkms_audit_")
          && !name.equals("minkms_tls_handshakes_total")) {
        assertTrue(Pattern.compile("(?m)^" + name + "[{ ]").matcher(text).find(),
            "the dashboard queries " + name + ", which the node does not export");
      }
    }
  }

  @Test
  void openMetricsWhenAsked() throws Exception {
    HttpResponse<byte[]> r = server.get(server.rawRoot(), "/v1/health/metrics",
        "Accept", "application/openmetrics-text; version=1.0.0");
    assertEquals(200, r.statusCode());
    assertEquals(NodeMetrics.OPENMETRICS_TEXT,
        r.headers().firstValue("Content-Type").orElse("").toLowerCase());
    assertTrue(new String(r.body(), StandardCharsets.UTF_8).endsWith("# EOF\n"));
  }

  @Test
  void onlySysAdminsMayReadTheMetrics() throws Exception {
    ApiKey stranger = ApiKey.generate();
    assertJsonError(403, "access denied: insufficient permissions",
        server.get(server.raw(stranger, HttpClient.Version.HTTP_1_1, null),
            "/v1/health/metrics"));
    ApiKey admin = ApiKey.generate();
    root.createIdentity("m", CreateIdentityRequest.newBuilder()
        .setIdentity(admin.identity().toString()).setPrivilege("Admin").build());
    assertJsonError(403, "access denied: insufficient permissions",
        server.get(server.raw(admin, HttpClient.Version.HTTP_1_1, null), "/v1/health/metrics"));
    ApiKey sysAdmin = ApiKey.generate();
    root.createIdentity("", CreateIdentityRequest.newBuilder()
        .setIdentity(sysAdmin.identity().toString()).setPrivilege("SysAdmin").build());
    assertTrue(scrape(server.raw(sysAdmin, HttpClient.Version.HTTP_2, null))
        .contains("http_total"));
    HttpResponse<byte[]> post = server.post(server.rawRoot(), "/v1/health/metrics", new byte[0]);
    assertJsonError(405, "method not allowed: use GET", post);
  }

  @Test
  void skipAuthLetsAnyClientScrape() throws Exception {
    try (TestKmsServer open = TestKmsServer.start(
        new Observability(new NodeMetrics(), AuditLog.OFF, true))) {
      HttpResponse<byte[]> r = open.get(open.raw(ApiKey.generate(), HttpClient.Version.HTTP_1_1,
          null), "/v1/health/metrics");
      assertEquals(200, r.statusCode());
      assertTrue(new String(r.body(), StandardCharsets.UTF_8).contains("minkms_replication_term"));
    }
  }
}
