package io.openkms.persistence;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;

/**
 * The bytes of a sealed {@link JournalRecord} (format 1), without an actor system (the serializer
 * and {@link JournalIntegrity} share it):
 *
 * <pre>
 * 0x01 ‖ sequence number (8, big endian) ‖ persistence id length (2) ‖ persistence id (UTF-8)
 *      ‖ REK.seal(CBOR payload, associated data)
 * associated data = "minkms/journal/v1" 0x00 manifest 0x00 persistence id 0x00 sequence number (8)
 * </pre>
 *
 * The header repeats the binding in the clear so that the record opens without knowing its row; the
 * checker compares it with the row's own columns. Changing any header byte, the manifest column, or
 * moving the bytes to another row makes them fail to open or mismatch.
 */
final class JournalRecordCodec {
  /** First byte of format 1. */
  static final byte FORMAT = 1;

  private static final byte[] LABEL = "minkms/journal/v1".getBytes(StandardCharsets.UTF_8);
  private static final int MAX_ID_BYTES = 0xffff;

  private JournalRecordCodec() {}

  /** The opened header and payload of a record. */
  record Opened(String persistenceId, long sequenceNr, byte[] cbor) {}

  /** Seals {@code cbor} as the record (manifest, persistenceId, sequenceNr). */
  static byte[] seal(
      RootEncryptionKey rek, String manifest, String persistenceId, long sequenceNr, byte[] cbor) {
    byte[] id = persistenceId.getBytes(StandardCharsets.UTF_8);
    if (id.length > MAX_ID_BYTES) {
      throw new IllegalArgumentException("persistence id longer than " + MAX_ID_BYTES + " bytes");
    }
    byte[] sealed = rek.seal(cbor, associatedData(manifest, persistenceId, sequenceNr));
    ByteBuffer out = ByteBuffer.allocate(1 + 8 + 2 + id.length + sealed.length);
    out.put(FORMAT).putLong(sequenceNr).putShort((short) id.length).put(id).put(sealed);
    return out.array();
  }

  /**
   * Opens a record sealed by {@link #seal} under {@code manifest}.
   *
   * @throws UnsealException another key, another manifest, altered header or bytes, or not a
   *     format-1 record
   */
  static Opened open(RootEncryptionKey rek, byte[] bytes, String manifest) throws UnsealException {
    if (bytes == null || bytes.length < 11 || bytes[0] != FORMAT) {
      throw new UnsealException();
    }
    ByteBuffer in = ByteBuffer.wrap(bytes);
    in.get();
    long seqNr = in.getLong();
    int idLength = Short.toUnsignedInt(in.getShort());
    if (in.remaining() < idLength) {
      throw new UnsealException();
    }
    byte[] id = new byte[idLength];
    in.get(id);
    byte[] sealed = new byte[in.remaining()];
    in.get(sealed);
    String persistenceId = new String(id, StandardCharsets.UTF_8);
    byte[] cbor = rek.unseal(sealed, associatedData(manifest, persistenceId, seqNr));
    return new Opened(persistenceId, seqNr, cbor);
  }

  private static byte[] associatedData(String manifest, String persistenceId, long seqNr) {
    ByteArrayOutputStream ad = new ByteArrayOutputStream();
    ad.writeBytes(LABEL);
    ad.write(0);
    ad.writeBytes(manifest.getBytes(StandardCharsets.UTF_8));
    ad.write(0);
    ad.writeBytes(persistenceId.getBytes(StandardCharsets.UTF_8));
    ad.write(0);
    ad.writeBytes(ByteBuffer.allocate(8).putLong(seqNr).array());
    return ad.toByteArray();
  }
}
