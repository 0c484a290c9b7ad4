package io.openkms.http.server;

import static io.openkms.http.server.ApiAssertions.assertKmsError;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.openkms.http.client.KmsClient;
import io.openkms.http.observe.AuditLog;
import io.openkms.http.observe.NodeMetrics;
import io.openkms.http.observe.Observability;
import io.openkms.http.proto.AssignPolicyRequest;
import io.openkms.http.proto.CreateEnclaveRequest;
import io.openkms.http.proto.CreateKeyRequest;
import io.openkms.http.proto.GenerateKeyRequest;
import io.openkms.kms.crypto.ApiKey;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The audit log through the real server: one JSON line per API request with time, node, request id,
 * identity, enclave, command, name, status and latency; a stuck sink neither blocks nor slows
 * requests (lines are dropped and counted), and a fail-closed node refuses requests with 503 while
 * its queue is full.
 */
class KmsApiAuditTest {

  private static final ObjectMapper JSON = new ObjectMapper();
  private static final BlockingQueue<String> LINES = new LinkedBlockingQueue<>();
  private static TestKmsServer server;
  private static KmsClient root;

  @BeforeAll
  static void start() throws Exception {
    NodeMetrics metrics = new NodeMetrics();
    server =
        TestKmsServer.start(
            new Observability(
                metrics,
                new AuditLog(
                    lines -> LINES.addAll(List.of(lines.split("\n"))),
                    1000,
                    false,
                    metrics.registry()),
                false));
    root = server.root();
  }

  @AfterAll
  static void stop() {
    server.close();
  }

  private static JsonNode next() throws Exception {
    String line = LINES.poll(10, TimeUnit.SECONDS);
    assertTrue(line != null, "no audit line");
    assertTrue(!line.contains("\n"), line);
    return JSON.readTree(line);
  }

  private static void awaitEmpty(AuditLog log) throws InterruptedException {
    for (int i = 0; i < 200 && log.queued() > 0; i++) {
      Thread.sleep(25);
    }
    assertEquals(0, log.queued(), "the writer thread did not take the queued lines");
  }

  @Test
  void oneLinePerRequestWithWhoDidWhatToWhich() throws Exception {
    LINES.clear();
    Instant before = Instant.now();
    root.createEnclave(CreateEnclaveRequest.newBuilder().setName("audited").build());
    root.createKey("audited", CreateKeyRequest.newBuilder().setName("sse-key").build());
    root.generateKey("audited", GenerateKeyRequest.newBuilder().setName("sse-key").build());
    assertKmsError(
        404,
        "key does not exist",
        () ->
            root.generateKey(
                "audited", GenerateKeyRequest.newBuilder().setName("missing").build()));
    assertKmsError(
        404,
        "identity does not exist",
        () ->
            root.assignPolicy(
                "audited",
                AssignPolicyRequest.newBuilder()
                    .setIdentity(ApiKey.generate().identity().toString())
                    .setPolicy("p1")
                    .build()));
    server.get(server.rawRoot(), "/version"); // not audited

    JsonNode enclave = next();
    assertEquals("ENCLAVE:CREATE", enclave.get("command").asText());
    assertEquals("audited", enclave.get("name").asText());
    assertEquals("", enclave.get("enclave").asText());
    JsonNode create = next();
    assertEquals("KEY:CREATE", create.get("command").asText());
    JsonNode generate = next();
    List<String> keys = new ArrayList<>();
    for (Iterator<String> it = generate.fieldNames(); it.hasNext(); ) {
      keys.add(it.next());
    }
    assertEquals(
        List.of(
            "time",
            "node",
            "request_id",
            "identity",
            "enclave",
            "command",
            "name",
            "status",
            "latency_us"),
        keys);
    Instant time = Instant.parse(generate.get("time").asText());
    assertTrue(!time.isBefore(before.minusSeconds(1)) && !time.isAfter(Instant.now()), "time");
    assertEquals(server.host(), generate.get("node").asText());
    assertTrue(generate.get("request_id").asText().matches("[0-9a-f]{16}"));
    assertTrue(!generate.get("request_id").asText().equals(create.get("request_id").asText()));
    assertEquals(server.rootKey().identity().toString(), generate.get("identity").asText());
    assertEquals("audited", generate.get("enclave").asText());
    assertEquals("KEY:GENERATE", generate.get("command").asText());
    assertEquals("sse-key", generate.get("name").asText());
    assertEquals(200, generate.get("status").asInt());
    assertTrue(generate.get("latency_us").asLong() > 0);

    JsonNode missing = next();
    assertEquals(404, missing.get("status").asInt());
    assertEquals("missing", missing.get("name").asText());
    assertEquals("key does not exist", missing.get("error").asText());
    JsonNode assign = next();
    assertEquals("POLICY:ASSIGN", assign.get("command").asText());
    assertEquals("p1", assign.get("policy").asText());
    assertEquals(null, LINES.poll(300, TimeUnit.MILLISECONDS), "GET /version is not audited");
  }

  @Test
  void aStuckSinkDropsAndCountsLinesAndNeverBlocksARequest() throws Exception {
    CountDownLatch release = new CountDownLatch(1);
    NodeMetrics metrics = new NodeMetrics();
    AuditLog stuck = new AuditLog(line -> release.await(), 5, false, metrics.registry());
    try (TestKmsServer s = TestKmsServer.start(new Observability(metrics, stuck, false))) {
      KmsClient c = s.root();
      c.createEnclave(CreateEnclaveRequest.newBuilder().setName("e").build());
      awaitEmpty(stuck); // the writer holds the first line and waits forever
      c.createKey("e", CreateKeyRequest.newBuilder().setName("k").build());
      long start = System.nanoTime();
      for (int i = 0; i < 50; i++) {
        c.generateKey("e", GenerateKeyRequest.newBuilder().setName("k").build());
      }
      Duration took = Duration.ofNanos(System.nanoTime() - start);
      assertTrue(took.toSeconds() < 20, "50 requests took " + took);
      // 52 lines: one is in the stuck sink, 5 wait in the queue, the rest were dropped
      assertEquals(52 - 1 - 5, stuck.dropped());
      String text = metrics.scrape("").text();
      assertTrue(text.contains("minkms_audit_dropped_total 46.0"), text);
      assertTrue(text.contains("minkms_audit_queue_lines 5.0"), text);
      assertTrue(text.contains("minkms_audit_lines_total 0.0"), text);
      assertTrue(text.contains("minkms_audit_sink_failures_total 0.0"), text);
    } finally {
      release.countDown();
    }
  }

  @Test
  void aFailClosedNodeRefusesRequestsWhileItsQueueIsFull() throws Exception {
    CountDownLatch release = new CountDownLatch(1);
    AuditLog stuck = new AuditLog(line -> release.await(), 2, true, new SimpleMeterRegistry());
    try (TestKmsServer s =
        TestKmsServer.start(new Observability(new NodeMetrics(), stuck, false))) {
      KmsClient c = s.root();
      c.createEnclave(CreateEnclaveRequest.newBuilder().setName("e").build()); // in the sink
      awaitEmpty(stuck);
      c.createKey("e", CreateKeyRequest.newBuilder().setName("k").build()); // queued
      c.generateKey("e", GenerateKeyRequest.newBuilder().setName("k").build()); // queued: full
      assertKmsError(
          503,
          AuditLog.UNAVAILABLE,
          () -> c.createKey("e", CreateKeyRequest.newBuilder().setName("not-created").build()));
      release.countDown();
      awaitEmpty(stuck);
      assertKmsError(
          404,
          "key does not exist",
          () -> c.generateKey("e", GenerateKeyRequest.newBuilder().setName("not-created").build()));
      c.generateKey("e", GenerateKeyRequest.newBuilder().setName("k").build());
    } finally {
      release.countDown();
    }
  }
}
