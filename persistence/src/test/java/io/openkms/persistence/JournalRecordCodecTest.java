package io.openkms.persistence;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/** The sealed record format: opens only with its manifest, persistence id and sequence number. */
class JournalRecordCodecTest {

  private static final RootEncryptionKey REK = RootEncryptionKey.fromBytes(new byte[32]);
  private static final byte[] CBOR = "payload".getBytes(StandardCharsets.UTF_8);

  @Test
  void opensWhatItSealedWithItsBinding() throws Exception {
    byte[] sealed = JournalRecordCodec.seal(REK, "minkms.test.v1", "pid", 42, CBOR);
    JournalRecordCodec.Opened opened = JournalRecordCodec.open(REK, sealed, "minkms.test.v1");
    assertEquals("pid", opened.persistenceId());
    assertEquals(42, opened.sequenceNr());
    assertArrayEquals(CBOR, opened.cbor());
    assertArrayEquals(
        CBOR,
        JournalRecordSerializer.plaintext(
            REK, JournalRecordSerializer.IDENTIFIER, "minkms.test.v1", sealed));
  }

  @Test
  void anotherManifestHeaderOrKeyDoesNotOpen() {
    byte[] sealed = JournalRecordCodec.seal(REK, "minkms.test.v1", "pid", 42, CBOR);
    assertThrows(
        UnsealException.class, () -> JournalRecordCodec.open(REK, sealed, "minkms.test.v2"));
    for (int i : new int[] {0, 8, 12}) { // format, sequence number, persistence id
      byte[] altered = sealed.clone();
      altered[i] ^= 1;
      assertThrows(
          UnsealException.class,
          () -> JournalRecordCodec.open(REK, altered, "minkms.test.v1"),
          "byte " + i);
    }
    assertThrows(
        UnsealException.class,
        () -> JournalRecordCodec.open(RootEncryptionKey.generate(), sealed, "minkms.test.v1"));
    assertThrows(
        UnsealException.class, () -> JournalRecordCodec.open(REK, new byte[5], "minkms.test.v1"));
  }
}
