package io.openkms.http.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.openkms.http.server.ConnectionGuard.Decision;
import io.openkms.http.server.ConnectionGuard.Verdict;
import java.nio.ByteBuffer;
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
      public long idleSince(long id) {
        Long ms = since.get(id);
        return ms == null ? ConnectionGuard.BUSY : ms * 1_000_000;
      }
    };
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
