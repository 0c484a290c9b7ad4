package io.openkms.http.client;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/** Host choice of docs/PROTOCOL.md §7. */
class LoadBalancerTest {

  private final AtomicLong now = new AtomicLong(1_000_000_000L);
  private final AtomicInteger random = new AtomicInteger();
  private final LoadBalancer lb = new LoadBalancer(now::get, bound -> random.get() % bound);
  private final List<String> hosts = List.of("a:1", "b:1", "c:1");

  @Test
  void oneHostIsAlwaysChosenWithoutAskingForRandomness() {
    LoadBalancer single =
        new LoadBalancer(
            now::get,
            bound -> {
              throw new AssertionError("no random index for one host");
            });
    single.markFailed("a:1");
    assertEquals(0, single.start(List.of("a:1")));
  }

  @Test
  void startIsTheRandomIndex() {
    for (int r = 0; r < 3; r++) {
      random.set(r);
      assertEquals(r, lb.start(hosts));
    }
  }

  @Test
  void recentlyFailedHostsAreSkippedForwardWrapping() {
    random.set(2);
    lb.markFailed("c:1");
    assertEquals(0, lb.start(hosts));
    lb.markFailed("a:1");
    assertEquals(1, lb.start(hosts));
    lb.markFailed("b:1");
    // All failed recently: the random one anyway.
    assertEquals(2, lb.start(hosts));
  }

  @Test
  void failuresAreForgottenAfter30Seconds() {
    lb.markFailed("a:1");
    now.addAndGet(TimeUnit.SECONDS.toNanos(30) - 1);
    assertTrue(lb.recentlyFailed("a:1"));
    now.addAndGet(1);
    assertFalse(lb.recentlyFailed("a:1"));
    assertFalse(lb.recentlyFailed("never:1"));
    random.set(0);
    assertEquals(0, lb.start(hosts));
  }

  @Test
  void aShorterFailureMemoryForgetsSooner() {
    LoadBalancer brief = new LoadBalancer(now::get, bound -> 0, TimeUnit.SECONDS.toNanos(3));
    brief.markFailed("a:1");
    now.addAndGet(TimeUnit.SECONDS.toNanos(3) - 1);
    assertTrue(brief.recentlyFailed("a:1"));
    now.addAndGet(1);
    assertFalse(brief.recentlyFailed("a:1"));
  }

  @Test
  void retryOrderIsTheOtherHostsInListOrderAfterTheFailedOne() {
    assertArrayEquals(new int[] {2, 0}, lb.retryOrder(3, 1));
    assertArrayEquals(new int[] {1, 2}, lb.retryOrder(3, 0));
    assertArrayEquals(new int[] {0, 1}, lb.retryOrder(3, 2));
    assertArrayEquals(new int[] {}, lb.retryOrder(1, 0));
  }
}
