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
}
