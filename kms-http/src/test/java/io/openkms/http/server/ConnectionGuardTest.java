package io.openkms.http.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.openkms.http.server.ConnectionGuard.Activity;
import io.openkms.http.server.ConnectionGuard.Decision;
import io.openkms.http.server.ConnectionGuard.Verdict;
import java.nio.ByteBuffer;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The connection bookkeeping of the API port and the TLS record scanner (issue 13). */
class ConnectionGuardTest {

  @Test
  void oneAddressIsCappedOthersAreNot() {
    ConnectionGuard guard = new ConnectionGuard(10, 2);
    assertEquals(new Decision(Verdict.ADMIT, -1), guard.open(1, "a"));
    assertEquals(new Decision(Verdict.ADMIT, -1), guard.open(2, "a"));
    assertEquals(new Decision(Verdict.REFUSE_ADDRESS, -1), guard.open(3, "a"));
    assertEquals(new Decision(Verdict.ADMIT, -1), guard.open(4, "b"));
    guard.closed(1);
    assertEquals(new Decision(Verdict.ADMIT, -1), guard.open(5, "a"));
    assertEquals(3, guard.openConnections());
    assertEquals(2, guard.openConnections("a"));
  }

  @Test
  void whenFullTheOldestConnectionWithoutHandshakeMakesRoom() {
    ConnectionGuard guard = new ConnectionGuard(3, 3);
    guard.open(1, "idle");
    guard.open(2, "idle");
    guard.open(3, "client");
    guard.handshaken(1);
    // full: 2 is the oldest without a handshake (1 finished its own)
    assertEquals(new Decision(Verdict.ADMIT, 2), guard.open(4, "client"));
    assertEquals(3, guard.openConnections());
    assertEquals(1, guard.openConnections("idle"));
    guard.closed(2); // the evicted one closing later changes nothing
    assertEquals(3, guard.openConnections());
    assertEquals(new Decision(Verdict.ADMIT, 3), guard.open(5, "x"));
    guard.handshaken(4);
    guard.handshaken(5);
    assertEquals(new Decision(Verdict.REFUSE_FULL, -1), guard.open(6, "x"));
    guard.closed(4);
    assertEquals(new Decision(Verdict.ADMIT, -1), guard.open(7, "x"));
  }

  @Test
  void boundsBelowOneAreRefused() {
    assertThrows(IllegalArgumentException.class, () -> new ConnectionGuard(0, 1));
    assertThrows(IllegalArgumentException.class, () -> new ConnectionGuard(1, 0));
  }

  @Test
  void theScannerFindsTheFirstApplicationDataRecordAcrossChunks() {
    TlsRecordScanner scanner = new TlsRecordScanner();
    // handshake record (22) of 3 bytes, a change_cipher_spec (20) of 1, then application data
    byte[] stream = {22, 3, 1, 0, 3, 1, 2, 3, 20, 3, 3, 0, 1, 1, 23, 3, 3, 0, 2, 9, 9};
    for (int i = 0; i < stream.length; i++) {
      boolean seen = scanner.feed(ByteBuffer.wrap(stream, i, 1));
      assertEquals(i >= 18, seen, "after byte " + i); // the header of 23 ends at 18
    }
    TlsRecordScanner whole = new TlsRecordScanner();
    assertTrue(whole.feed(ByteBuffer.wrap(stream)));
    TlsRecordScanner bodyLooksLikeAHeader = new TlsRecordScanner();
    assertFalse(
        bodyLooksLikeAHeader.feed(
            ByteBuffer.wrap(new byte[] {22, 3, 1, 0, 5, 23, 23, 23, 23, 23})));
  }

  /** Idle times in ms as a clock: connection id -> idle since (ms), absent = busy. */
  private static ConnectionGuard.IdleClock clock(long nowMillis, java.util.Map<Long, Long> since) {
    return new ConnectionGuard.IdleClock() {
      @Override
      public long nowNanos() {
        return nowMillis * 1_000_000;
      }

      @Override
      public Activity activity(long id) {
        Long ms = since.get(id);
        return ms == null
            ? Activity.BUSY
            : new Activity(ms * 1_000_000, Activity.NOTHING_PENDING, 0, ms * 1_000_000);
      }
    };
  }

  /** A clock in ms over the given activities (ms; absent = busy). */
  private static ConnectionGuard.IdleClock activities(long nowMillis, Map<Long, Activity> ms) {
    return new ConnectionGuard.IdleClock() {
      @Override
      public long nowNanos() {
        return nowMillis * 1_000_000;
      }

      @Override
      public Activity activity(long id) {
        Activity a = ms.get(id);
        return a == null
            ? Activity.BUSY
            : new Activity(
                a.lastNanos() * 1_000_000,
                a.pendingSince() == Activity.NOTHING_PENDING
                    ? Activity.NOTHING_PENDING
                    : a.pendingSince() * 1_000_000,
                a.handling(),
                a.lastRequestNanos() * 1_000_000);
      }
    };
  }

  /** No byte either way since {@code ms}, its last request then too. */
  private static Activity idleSince(long ms) {
    return new Activity(ms, Activity.NOTHING_PENDING, 0, ms);
  }

  /**
   * Client bytes unanswered since {@code since} ms, the last at {@code last} ms (its last request
   * then too, so that the request idle rule does not apply).
   */
  private static Activity unanswered(long since, long last, int handling) {
    return new Activity(last, since, handling, last);
  }

  /**
   * An HTTP/2 client pinging: its last byte (a PING, answered) at {@code last} ms, nothing pending,
   * its last request at {@code lastRequest} ms.
   */
  private static Activity pinging(long last, long lastRequest, int handling) {
    return new Activity(last, Activity.NOTHING_PENDING, handling, lastRequest);
  }

  /**
   * A guard of {@code n} slots (stall grace 2 s, request idle bound 10 s) full of connections 1..n
   * from {@code address}, each handshaken.
   */
  private static ConnectionGuard fullOfHandshaken(int n, String address) {
    ConnectionGuard guard = new ConnectionGuard(n, n, 2_000, 10_000);
    for (long id = 1; id <= n; id++) {
      guard.open(id, address);
      guard.handshaken(id);
    }
    return guard;
  }

  private static ConnectionGuard fullOfHandshaken(long grace, int n) {
    ConnectionGuard guard = new ConnectionGuard(n, n, grace);
    for (long id = 1; id <= n; id++) {
      assertEquals(Verdict.ADMIT, guard.open(id, "attacker").verdict());
      guard.handshaken(id);
    }
    return guard;
  }

  @Test
  void aConnectionTricklingARequestHeadPastTheGraceMakesRoomTheOldestFirst() {
    ConnectionGuard guard = fullOfHandshaken(2_000, 3);
    // at 10 s: 1 and 2 trickle a head (a header line every 5 s, the last at 9 s), unanswered
    // since 3 s and 1 s; 3 is idle since 0 s. The oldest unanswered bytes go first, before idle.
    Map<Long, Activity> now =
        Map.of(1L, unanswered(3_000, 9_000, 0), 2L, unanswered(1_000, 9_000, 0), 3L, idleSince(0));
    assertEquals(new Decision(Verdict.ADMIT, 2), guard.open(4, "client", activities(10_000, now)));
    guard.handshaken(4);
    assertEquals(new Decision(Verdict.ADMIT, 1), guard.open(5, "client", activities(10_000, now)));
    guard.handshaken(5);
    assertEquals(new Decision(Verdict.ADMIT, 3), guard.open(6, "client", activities(10_000, now)));
    assertEquals(3, guard.openConnections("client"));
  }

  @Test
  void unansweredBytesWithinTheGraceDoNotMakeRoom() {
    ConnectionGuard guard = fullOfHandshaken(2_000, 2);
    // a real client's request head, sent 1,999 ms ago and not yet at the handler (a slow parse)
    Map<Long, Activity> fresh =
        Map.of(1L, unanswered(8_001, 8_001, 0), 2L, unanswered(8_500, 9_900, 0));
    assertEquals(
        new Decision(Verdict.REFUSE_FULL, -1), guard.open(3, "client", activities(10_000, fresh)));
    // exactly the grace: evictable
    Map<Long, Activity> due =
        Map.of(1L, unanswered(8_000, 9_999, 0), 2L, unanswered(8_500, 9_900, 0));
    assertEquals(new Decision(Verdict.ADMIT, 1), guard.open(3, "client", activities(10_000, due)));
  }

  @Test
  void aConnectionWhoseRequestIsAtTheHandlerIsNeverEvicted() {
    ConnectionGuard guard = fullOfHandshaken(2_000, 2);
    // 1: CLUSTER:ADDNODE at the handler for 100 s, its bytes unanswered all along; 2: an HTTP/2
    // connection with one stream at the handler and nothing pending, idle for 50 s
    Map<Long, Activity> busy =
        Map.of(
            1L, unanswered(0, 0, 1), 2L, new Activity(50_000, Activity.NOTHING_PENDING, 1, 50_000));
    assertEquals(
        new Decision(Verdict.REFUSE_FULL, -1), guard.open(3, "client", activities(100_000, busy)));
    // once answered (the handler done, the response sent at 100 s), it is recently used
    Map<Long, Activity> answered =
        Map.of(
            1L, idleSince(100_000), 2L, new Activity(50_000, Activity.NOTHING_PENDING, 1, 50_000));
    assertEquals(
        new Decision(Verdict.REFUSE_FULL, -1),
        guard.open(3, "client", activities(100_500, answered)));
    assertEquals(
        new Decision(Verdict.ADMIT, 1), guard.open(3, "client", activities(101_000, answered)));
  }

  @Test
  void aConnectionNotYetHandshakenStillMakesRoomFirst() {
    ConnectionGuard guard = new ConnectionGuard(2, 2, 2_000);
    guard.open(1, "a");
    guard.handshaken(1);
    guard.open(2, "b"); // no handshake yet
    Map<Long, Activity> stalled = Map.of(1L, unanswered(0, 0, 0));
    assertEquals(new Decision(Verdict.ADMIT, 2), guard.open(3, "c", activities(10_000, stalled)));
  }

  @Test
  void requestActivityCountsRequestsAtTheHandlerAndTheirAnswers() {
    RequestActivity r = new RequestActivity(100);
    assertEquals(new Activity(100, Activity.NOTHING_PENDING, 0, 100), r.activity());
    r.clientBytes(200); // a head arrives
    r.clientBytes(300); // its next line: still pending since 200
    assertEquals(new Activity(300, 200, 0, 100), r.activity());
    r.requestStarted(350); // the head reached the handler
    r.requestStarted(360); // HTTP/2: a second stream
    assertEquals(new Activity(300, 200, 2, 360), r.activity());
    r.requestEnded(400); // one answered: counts as the server's answer
    assertEquals(new Activity(400, Activity.NOTHING_PENDING, 1, 400), r.activity());
    r.clientBytes(500);
    r.requestEnded(600);
    r.serverBytes(700);
    assertEquals(new Activity(700, Activity.NOTHING_PENDING, 0, 600), r.activity());
    // PING frames and their acknowledgements move the last byte, not the last request
    r.clientBytes(800);
    r.serverBytes(801);
    assertEquals(new Activity(801, Activity.NOTHING_PENDING, 0, 600), r.activity());
    r.requestEnded(550); // a stream ending late on another thread does not move it back
    assertEquals(600, r.activity().lastRequestNanos());
  }

  @Test
  void aPingingConnectionWithoutARequestForTheBoundMakesRoomTheOldestFirst() {
    ConnectionGuard guard = fullOfHandshaken(3, "pinger");
    // at 30 s, all three pinged 200 ms ago (answered, never idle 1 s): 1 made its last request at
    // 15 s, 2 was accepted at 5 s and made none, 3 made one at 20.001 s (under the 10 s bound)
    Map<Long, Activity> now =
        Map.of(
            1L, pinging(29_800, 15_000, 0),
            2L, pinging(29_800, 5_000, 0),
            3L, pinging(29_800, 20_001, 0));
    assertEquals(new Decision(Verdict.ADMIT, 2), guard.open(4, "client", activities(30_000, now)));
    guard.handshaken(4);
    Map<Long, Activity> then = new java.util.HashMap<>(now);
    then.put(4L, pinging(29_900, 29_900, 0));
    assertEquals(new Decision(Verdict.ADMIT, 1), guard.open(5, "client", activities(30_000, then)));
    guard.handshaken(5);
    then.put(5L, pinging(29_900, 29_900, 0));
    // 3's last request is under the bound, 4 and 5 just made theirs: nothing makes room
    assertEquals(
        new Decision(Verdict.REFUSE_FULL, -1), guard.open(6, "client", activities(30_000, then)));
    // exactly the bound: evictable
    assertEquals(new Decision(Verdict.ADMIT, 3), guard.open(6, "client", activities(30_001, then)));
  }

  @Test
  void theRequestIdleRuleSparesRequestsAtTheHandlerAndPendingBytes() {
    ConnectionGuard guard = fullOfHandshaken(2, "a");
    // 1: a stream at the handler since 0 s (a slow CLUSTER:ADDNODE) while the client pings;
    // 2: its last request long ago, a new request head arriving now (pending for 10 ms)
    Map<Long, Activity> busy =
        Map.of(1L, pinging(99_800, 0, 1), 2L, new Activity(99_990, 99_990, 0, 1_000));
    assertEquals(
        new Decision(Verdict.REFUSE_FULL, -1), guard.open(3, "client", activities(100_000, busy)));
    // the default bound is 10 s
    ConnectionGuard byDefault = fullOfHandshaken(2_000, 1);
    Map<Long, Activity> young = Map.of(1L, pinging(19_800, 10_001, 0));
    assertEquals(
        new Decision(Verdict.REFUSE_FULL, -1),
        byDefault.open(2, "client", activities(20_000, young)));
    Map<Long, Activity> old = Map.of(1L, pinging(19_800, 10_000, 0));
    assertEquals(
        new Decision(Verdict.ADMIT, 1), byDefault.open(2, "client", activities(20_000, old)));
  }

  @Test
  void theEarlierRulesWinBeforeTheRequestIdleRule() {
    // 1: a pinger without a request for 50 s; 2: the other kind, which goes first
    Map<Long, Activity> unansweredToo =
        Map.of(1L, pinging(59_800, 10_000, 0), 2L, new Activity(59_000, 57_000, 0, 59_000));
    ConnectionGuard stalled = fullOfHandshaken(2, "a");
    assertEquals(
        new Decision(Verdict.ADMIT, 2), stalled.open(3, "c", activities(60_000, unansweredToo)));
    Map<Long, Activity> idleToo = Map.of(1L, pinging(59_800, 10_000, 0), 2L, idleSince(58_000));
    ConnectionGuard idle = fullOfHandshaken(2, "a");
    assertEquals(new Decision(Verdict.ADMIT, 2), idle.open(3, "c", activities(60_000, idleToo)));
    ConnectionGuard unshaken = new ConnectionGuard(2, 2, 2_000, 10_000);
    unshaken.open(1, "a");
    unshaken.handshaken(1);
    unshaken.open(2, "a"); // no handshake yet
    assertEquals(
        new Decision(Verdict.ADMIT, 2),
        unshaken.open(3, "c", activities(60_000, Map.of(1L, pinging(59_800, 0, 0)))));
  }

  @Test
  void aYoungHandshakeIsNotEvictedWhileAHandshakenConnectionIsIdle() {
    // the attack trial: the port full of idle TLS connections; a real client's handshake in
    // progress must not make room for the next connection
    ConnectionGuard guard = new ConnectionGuard(3, 3, 2_000, 10_000, 1_000);
    Map<Long, Activity> idle = new java.util.HashMap<>();
    for (long id = 1; id <= 3; id++) {
      guard.open(id, "idler", activities(0, idle));
      guard.handshaken(id);
      idle.put(id, idleSince(0));
    }
    // at 10 s a real client connects (1, idle longest, makes room) and starts its handshake
    assertEquals(new Decision(Verdict.ADMIT, 1), guard.open(4, "client", activities(10_000, idle)));
    // 999 ms later, mid-handshake: an attacker's connection evicts an idle one, not the client
    assertEquals(
        new Decision(Verdict.ADMIT, 2), guard.open(5, "attacker", activities(10_999, idle)));
    // 5 is in its handshake too; 3 is idle: it goes, not a handshake
    assertEquals(
        new Decision(Verdict.ADMIT, 3), guard.open(6, "attacker", activities(10_999, idle)));
    // only handshakes younger than the grace left: the last resort is the oldest of them
    assertEquals(
        new Decision(Verdict.ADMIT, 4), guard.open(7, "attacker", activities(10_999, idle)));
    assertEquals(3, guard.openConnections());
  }

  @Test
  void aHandshakeOlderThanTheGraceStillGoesFirst() {
    ConnectionGuard guard = new ConnectionGuard(3, 3, 2_000, 10_000, 1_000);
    Map<Long, Activity> now = new java.util.HashMap<>();
    guard.open(1, "a", activities(0, now));
    guard.handshaken(1);
    now.put(1L, idleSince(0)); // idle 10 s by the time of the checks
    guard.open(2, "a", activities(0, now));
    guard.handshaken(2);
    now.put(2L, new Activity(7_000, 7_000, 0, 6_000)); // request bytes unanswered since 7 s
    guard.open(3, "b", activities(9_000, now)); // no handshake, accepted at 9 s
    // at 9.999 s the handshake is under the grace: the unanswered connection goes first
    assertEquals(new Decision(Verdict.ADMIT, 2), guard.open(4, "c", activities(9_999, now)));
    guard.handshaken(4);
    now.put(4L, Activity.BUSY);
    // at 10 s it is exactly the grace old: it goes before the idle connection
    assertEquals(new Decision(Verdict.ADMIT, 3), guard.open(5, "c", activities(10_000, now)));
    guard.handshaken(5);
    now.put(5L, Activity.BUSY);
    assertEquals(new Decision(Verdict.ADMIT, 1), guard.open(6, "c", activities(10_000, now)));
    // the default grace is 1 s
    ConnectionGuard byDefault = new ConnectionGuard(2, 2, 2_000, 10_000);
    Map<Long, Activity> idleOne = Map.of(1L, idleSince(0));
    byDefault.open(1, "a", activities(0, idleOne));
    byDefault.handshaken(1);
    byDefault.open(2, "b", activities(5_000, idleOne)); // its handshake starts at 5 s
    assertEquals(
        new Decision(Verdict.ADMIT, 1), byDefault.open(3, "c", activities(5_999, idleOne)));
    assertEquals(
        new Decision(Verdict.ADMIT, 2), byDefault.open(4, "c", activities(6_000, idleOne)));
    assertThrows(IllegalArgumentException.class, () -> new ConnectionGuard(1, 1, 1, 1, 0));
  }

  @Test
  void aYoungHandshakeGoesOnlyAfterTheStalledIdleAndRequestIdleRules() {
    ConnectionGuard guard = new ConnectionGuard(4, 4, 2_000, 10_000, 1_000);
    Map<Long, Activity> now = new java.util.HashMap<>();
    for (long id = 1; id <= 3; id++) {
      guard.open(id, "a", activities(0, now));
      guard.handshaken(id);
    }
    now.put(1L, pinging(59_900, 0, 0)); // no request for 60 s, pinging
    now.put(2L, idleSince(58_000));
    now.put(3L, new Activity(57_000, 57_000, 0, 57_000)); // unanswered 3 s
    guard.open(4, "client", activities(59_900, now)); // handshake 100 ms old at 60 s
    assertEquals(new Decision(Verdict.ADMIT, 3), guard.open(5, "x", activities(60_000, now)));
    guard.handshaken(5);
    now.put(5L, Activity.BUSY);
    assertEquals(new Decision(Verdict.ADMIT, 2), guard.open(6, "x", activities(60_000, now)));
    guard.handshaken(6);
    now.put(6L, Activity.BUSY);
    assertEquals(new Decision(Verdict.ADMIT, 1), guard.open(7, "x", activities(60_000, now)));
    guard.handshaken(7);
    now.put(7L, Activity.BUSY);
    assertEquals(new Decision(Verdict.ADMIT, 4), guard.open(8, "x", activities(60_000, now)));
  }

  @Test
  void theStallGraceIsAtLeastOneMillisecond() {
    assertThrows(IllegalArgumentException.class, () -> new ConnectionGuard(1, 1, 0));
    assertThrows(IllegalArgumentException.class, () -> new ConnectionGuard(1, 1, 1, 0));
  }

  @Test
  void whenEveryConnectionFinishedItsHandshakeTheOneIdleLongestMakesRoom() {
    ConnectionGuard guard = new ConnectionGuard(3, 3);
    for (long id = 1; id <= 3; id++) {
      guard.open(id, "attacker");
      guard.handshaken(id);
    }
    // 2 idle since 0 ms, 3 since 500 ms, 1 busy (a request pending): at 10 s, 2 makes room
    ConnectionGuard.IdleClock idle = clock(10_000, java.util.Map.of(2L, 0L, 3L, 500L));
    assertEquals(new Decision(Verdict.ADMIT, 2), guard.open(4, "client", idle));
    assertEquals(2, guard.openConnections("attacker"));
    assertEquals(1, guard.openConnections("client"));
  }

  @Test
  void connectionsUsedWithinTheLastSecondOrBusyAreNotEvicted() {
    ConnectionGuard guard = new ConnectionGuard(2, 2);
    guard.open(1, "a");
    guard.open(2, "b");
    guard.handshaken(1);
    guard.handshaken(2);
    long now = 5_000;
    ConnectionGuard.IdleClock recent =
        clock(now, java.util.Map.of(1L, now - ConnectionGuard.MIN_IDLE_MILLIS + 1));
    assertEquals(new Decision(Verdict.REFUSE_FULL, -1), guard.open(3, "c", recent));
    assertEquals(
        new Decision(Verdict.REFUSE_FULL, -1), guard.open(3, "c", ConnectionGuard.NEVER_IDLE));
    ConnectionGuard.IdleClock old =
        clock(now, java.util.Map.of(1L, now - ConnectionGuard.MIN_IDLE_MILLIS));
    assertEquals(new Decision(Verdict.ADMIT, 1), guard.open(3, "c", old));
  }
}
