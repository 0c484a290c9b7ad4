package io.openkms.cli.commands;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.openkms.bench.load.BenchOperation;
import io.openkms.bench.load.BenchPlan;
import io.openkms.bench.load.BenchTransport;
import io.openkms.cli.CliException;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

class BenchOptionsTest {

  @Test
  void parsesTheDefaults() throws CliException {
    BenchPlan plan =
        BenchOptions.plan("generate,decrypt,encrypt,create", "1,4,16,64", 1, "2s", "5s", "socket");
    assertEquals(
        List.of(
            BenchOperation.GENERATE,
            BenchOperation.DECRYPT,
            BenchOperation.ENCRYPT,
            BenchOperation.CREATE),
        plan.operations());
    assertEquals(List.of(1, 4, 16, 64), plan.concurrency());
    assertEquals(1, plan.batch());
    assertEquals(Duration.ofSeconds(2), plan.warmup());
    assertEquals(Duration.ofSeconds(5), plan.duration());
    assertEquals(BenchTransport.SOCKET, plan.transport());
    assertEquals("HTTP/1.1", plan.httpVersion());
    assertEquals(64, plan.maxConcurrency());
  }

  @Test
  void batchAppliesToReadsOnly() throws CliException {
    BenchPlan plan = BenchOptions.plan(" Generate , CREATE ", "8", 100, "0", "500ms", "HTTP2");
    assertEquals(List.of(BenchOperation.GENERATE, BenchOperation.CREATE), plan.operations());
    assertEquals(100, plan.framesPerRequest(BenchOperation.GENERATE));
    assertEquals(100, plan.framesPerRequest(BenchOperation.DECRYPT));
    assertEquals(100, plan.framesPerRequest(BenchOperation.ENCRYPT));
    assertEquals(1, plan.framesPerRequest(BenchOperation.CREATE));
    assertEquals(Duration.ZERO, plan.warmup());
    assertEquals(Duration.ofMillis(500), plan.duration());
    assertEquals("HTTP/2", plan.httpVersion());
    assertEquals(BenchTransport.HTTP2, plan.transport());
    assertTrue(BenchOperation.GENERATE.batched());
    assertFalse(BenchOperation.CREATE.batched());
  }

  private static void rejects(
      String message, String ops, String concurrency, int batch, String warmup, String duration) {
    CliException e =
        assertThrows(
            CliException.class,
            () -> BenchOptions.plan(ops, concurrency, batch, warmup, duration, "socket"));
    assertEquals(CliException.USAGE, e.exitCode());
    assertEquals(message, e.getMessage());
  }

  @Test
  void rejectsBadOperations() {
    rejects(
        "invalid --ops 'mac': expected generate, decrypt, encrypt or create",
        "generate,mac",
        "1",
        1,
        "0",
        "1s");
    rejects("invalid --ops: 'generate' given twice", "generate,GENERATE", "1", 1, "0", "1s");
    rejects("invalid --ops: no operation", " , ", "1", 1, "0", "1s");
  }

  @Test
  void rejectsBadConcurrency() {
    String range = "': expected numbers from 1 to 1024 separated by commas";
    rejects("invalid --concurrency '0" + range, "generate", "1,0", 1, "0", "1s");
    rejects("invalid --concurrency '1025" + range, "generate", "1025", 1, "0", "1s");
    rejects("invalid --concurrency 'x" + range, "generate", "x", 1, "0", "1s");
    rejects("invalid --concurrency '" + range, "generate", "1,,2", 1, "0", "1s");
    rejects(
        "invalid --concurrency: at most 32 steps", "generate", "1,".repeat(32) + "1", 1, "0", "1s");
  }

  @Test
  void rejectsAnUnknownTransport() {
    CliException e =
        assertThrows(
            CliException.class, () -> BenchOptions.plan("generate", "1", 1, "0", "1s", "quic"));
    assertEquals(CliException.USAGE, e.exitCode());
    assertEquals("invalid --transport 'quic': expected socket, http2 or http1", e.getMessage());
  }

  @Test
  void rejectsBadBatch() {
    rejects("invalid --batch 0: must be from 1 to 1000", "generate", "1", 0, "0", "1s");
    rejects("invalid --batch 1001: must be from 1 to 1000", "generate", "1", 1001, "0", "1s");
  }

  @Test
  void rejectsBadDurations() {
    rejects(
        "invalid --warmup 'soon': expected a duration such as 500ms, 2s or 1m",
        "generate",
        "1",
        1,
        "soon",
        "1s");
    rejects("invalid --warmup '-1s': must be 0 or more", "generate", "1", 1, "-1s", "1s");
    rejects("invalid --duration '0': must be more than 0", "generate", "1", 1, "0", "0");
    rejects("invalid --duration '11m': at most 10m", "generate", "1", 1, "0", "11m");
    rejects(
        "invalid --duration '5': expected a duration such as 500ms, 2s or 1m",
        "generate",
        "1",
        1,
        "0",
        "5");
  }

  @Test
  void encryptBatchMustFitTheServerBodyLimit() throws CliException {
    // one encrypt frame: 6-byte header + name (2+14) + plaintext (3+1024) + AD (2+64) = 1115
    BenchOptions.plan("encrypt", "1", 940, "0", "1s", "socket");
    CliException e =
        assertThrows(
            CliException.class, () -> BenchOptions.plan("encrypt", "1", 941, "0", "1s", "socket"));
    assertEquals(CliException.USAGE, e.exitCode());
    assertEquals(
        "invalid --batch 941: 941 encrypt frames of 1 KiB exceed the server's request "
            + "limit of 1048576 bytes; use at most 940",
        e.getMessage());
    BenchOptions.plan("generate,decrypt", "1", 1000, "0", "1s", "socket");
  }
}
