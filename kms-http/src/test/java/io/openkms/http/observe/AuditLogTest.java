package io.openkms.http.observe;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** The audit queue: order kept, lines batched while the sink is busy, a full queue drops. */
class AuditLogTest {

  @Test
  void linesQueuedWhileTheSinkIsBusyAreWrittenInOrderInBatches() throws Exception {
    CountDownLatch first = new CountDownLatch(1);
    CountDownLatch release = new CountDownLatch(1);
    List<String> writes = new CopyOnWriteArrayList<>();
    SimpleMeterRegistry registry = new SimpleMeterRegistry();
    try (AuditLog log =
        new AuditLog(
            lines -> {
              writes.add(lines);
              first.countDown();
              release.await();
            },
            1000,
            false,
            registry)) {
      assertTrue(log.offer("line-0"));
      assertTrue(first.await(10, TimeUnit.SECONDS));
      for (int i = 1; i <= 300; i++) {
        assertTrue(log.offer("line-" + i));
      }
      release.countDown();
      for (int i = 0; i < 400 && registry.get("minkms_audit_lines").counter().count() < 301; i++) {
        Thread.sleep(25);
      }
      List<String> lines = new ArrayList<>();
      writes.forEach(w -> lines.addAll(List.of(w.split("\n"))));
      List<String> expected = new ArrayList<>();
      for (int i = 0; i <= 300; i++) {
        expected.add("line-" + i);
      }
      assertEquals(expected, lines);
      assertEquals(
          List.of(1, AuditLog.BATCH_LINES, 300 - AuditLog.BATCH_LINES),
          writes.stream().map(w -> w.split("\n").length).toList());
      assertEquals(301, registry.get("minkms_audit_lines").counter().count());
      assertEquals(0, log.dropped());
    }
  }

  @Test
  void aFullQueueDropsAndCountsWithoutWaiting() throws Exception {
    CountDownLatch release = new CountDownLatch(1);
    SimpleMeterRegistry registry = new SimpleMeterRegistry();
    try (AuditLog log = new AuditLog(lines -> release.await(), 2, false, registry)) {
      log.offer("taken by the writer");
      for (int i = 0; i < 200 && log.queued() > 0; i++) {
        Thread.sleep(25);
      }
      assertTrue(log.offer("a"));
      assertTrue(log.offer("b"));
      long start = System.nanoTime();
      assertFalse(log.offer("c"));
      assertFalse(log.hasRoom());
      assertTrue(System.nanoTime() - start < TimeUnit.MILLISECONDS.toNanos(100));
      assertEquals(1, log.dropped());
      assertEquals(1.0, registry.get("minkms_audit_dropped").counter().count());
    } finally {
      release.countDown();
    }
  }
}
