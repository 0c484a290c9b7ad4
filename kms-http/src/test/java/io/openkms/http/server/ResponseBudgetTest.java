package io.openkms.http.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.typesafe.config.ConfigFactory;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/** The bounds of {@link ResponseBudget}: in all, per connection, release, threads. */
class ResponseBudgetTest {

  @Test
  void grantsWithinBothBoundsAndRefusesNamingTheBound() {
    ResponseBudget b = new ResponseBudget(100, 60);
    ResponseBudget.Reservation a1 = b.reserve("a", 40);
    assertTrue(a1.granted());
    assertNull(a1.refusedBy());
    ResponseBudget.Reservation a2 = b.reserve("a", 30); // 70 > 60 on "a"
    assertFalse(a2.granted());
    assertEquals(ResponseBudget.Bound.PER_CONNECTION, a2.refusedBy());
    assertEquals("minkms.http.max-response-bytes-per-connection", a2.refusedBy().key());
    assertEquals(60, a2.limit());
    assertTrue(b.reserve("b", 60).granted()); // 100 in all: exactly the bound
    ResponseBudget.Reservation c = b.reserve("c", 1);
    assertEquals(ResponseBudget.Bound.TOTAL, c.refusedBy());
    assertEquals("minkms.http.max-response-bytes-in-flight", c.refusedBy().key());
    assertEquals(100, c.limit());
    assertEquals(100, b.heldBytes());
    assertEquals(40, b.heldBytes("a"));
    assertEquals(0, b.heldBytes("c"));
    assertEquals(2, b.refused());
    assertEquals(2, b.connections());
  }

  @Test
  void aResponseLargerThanABoundIsAlwaysRefused() {
    ResponseBudget b = new ResponseBudget(100, 60);
    assertEquals(ResponseBudget.Bound.PER_CONNECTION, b.reserve("a", 61).refusedBy());
    ResponseBudget wide = new ResponseBudget(100, 1000);
    assertEquals(ResponseBudget.Bound.TOTAL, wide.reserve("a", 101).refusedBy());
    assertEquals(0, b.heldBytes() + wide.heldBytes());
  }

  @Test
  void releaseGivesTheBytesBackOnceAndForgetsEmptyConnections() {
    ResponseBudget b = new ResponseBudget(100, 60);
    ResponseBudget.Reservation r = b.reserve("a", 50);
    ResponseBudget.Reservation s = b.reserve("a", 10);
    assertTrue(r.release());
    assertFalse(r.release()); // idempotent: the stream's end and the GC may both release
    assertFalse(b.release(r));
    assertEquals(10, b.heldBytes());
    assertEquals(10, b.heldBytes("a"));
    assertTrue(b.reserve("a", 50).granted());
    assertTrue(s.release());
    assertEquals(50, b.heldBytes());
    assertEquals(60, b.peakHeldBytes());
    ResponseBudget.Reservation refused = b.reserve("x", 1000);
    assertFalse(refused.release()); // a refused reservation holds nothing
    assertEquals(50, b.heldBytes());
  }

  @Test
  void zeroBytesAreGrantedAndNegativeOnesRejected() {
    ResponseBudget b = new ResponseBudget(1, 1);
    assertTrue(b.reserve("a", 0).granted());
    assertThrows(IllegalArgumentException.class, () -> b.reserve("a", -1));
  }

  @Test
  void boundsBelowOneByteAreRejectedNamingTheKey() {
    IllegalArgumentException e =
        assertThrows(IllegalArgumentException.class, () -> new ResponseBudget(0, 1));
    assertTrue(e.getMessage().startsWith("minkms.http.max-response-bytes-in-flight"));
    e = assertThrows(IllegalArgumentException.class, () -> new ResponseBudget(1, 0));
    assertTrue(e.getMessage().startsWith("minkms.http.max-response-bytes-per-connection"));
  }

  @Test
  void theDefaultsAreWellUnderTheLaunchersHeap() {
    ResponseBudget b = BudgetedResponses.budget(KmsHttpServer.defaults());
    assertEquals(64L << 20, b.maxTotal());
    assertEquals(8L << 20, b.maxPerConnection());
    assertTrue(b.maxTotal() <= (256L << 20) / 4, "a quarter of -Xmx256m at most");
    // the largest response (1,000 GenerateKey frames of 1,024-byte keys, ~2.1 MB) fits
    assertTrue(b.maxPerConnection() > 3_000_000);
    assertEquals(
        42,
        BudgetedResponses.budget(
                ConfigFactory.parseString("minkms.http.max-response-bytes-in-flight = 42")
                    .withFallback(KmsHttpServer.defaults()))
            .maxTotal());
  }

  @Test
  void manyThreadsNeverHoldMoreThanTheBounds() throws Exception {
    ResponseBudget b = new ResponseBudget(1000, 300);
    int threads = 8;
    CountDownLatch go = new CountDownLatch(1);
    AtomicLong overTotal = new AtomicLong();
    ConcurrentLinkedQueue<Throwable> errors = new ConcurrentLinkedQueue<>();
    List<Thread> all = new ArrayList<>();
    for (int t = 0; t < threads; t++) {
      String connection = "c" + (t % 4);
      Thread th =
          new Thread(
              () -> {
                try {
                  go.await();
                  List<ResponseBudget.Reservation> mine = new ArrayList<>();
                  for (int i = 0; i < 20_000; i++) {
                    ResponseBudget.Reservation r = b.reserve(connection, 1 + i % 97);
                    if (r.granted()) {
                      mine.add(r);
                    }
                    if (b.heldBytes() > 1000 || b.heldBytes(connection) > 300) {
                      overTotal.incrementAndGet();
                    }
                    if (mine.size() > 3 || !r.granted()) {
                      for (ResponseBudget.Reservation m : mine) {
                        m.release();
                      }
                      mine.clear();
                    }
                  }
                  mine.forEach(ResponseBudget.Reservation::release);
                } catch (Throwable e) {
                  errors.add(e);
                }
              });
      th.start();
      all.add(th);
    }
    go.countDown();
    for (Thread th : all) {
      th.join();
    }
    assertTrue(errors.isEmpty(), errors.toString());
    assertEquals(0, overTotal.get());
    assertTrue(b.peakHeldBytes() <= 1000);
    assertEquals(0, b.heldBytes());
    assertEquals(0, b.connections());
    assertTrue(b.refused() > 0);
  }
}
