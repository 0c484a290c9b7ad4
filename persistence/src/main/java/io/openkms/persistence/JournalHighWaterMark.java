package io.openkms.persistence;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.OptionalLong;

/**
 * The journal's high-water mark {@code DIR/}{@value #FILE_NAME}: the highest sequence number the
 * node has journaled, sealed under its root encryption key, kept outside the journal so that
 * removing events from the journal's end (rolling it back) is detected at start ({@link
 * JournalIntegrity}). Layout: {@code 0x01 ‖ REK.seal(sequence number (8) ‖ persistence id,
 * associated data "minkms/journal-hwm/v1")}. Written atomically (temporary file, fsync, rename); a
 * crash may keep the previous mark, never a higher one than the journal holds.
 */
public final class JournalHighWaterMark {
  /** File name in {@code DIR}; starts with the journal's name so a node reset removes it. */
  public static final String FILE_NAME = StoreConfig.H2_DATABASE_NAME + ".hwm";

  private static final byte FORMAT = 1;
  private static final byte[] AD = "minkms/journal-hwm/v1".getBytes(StandardCharsets.UTF_8);

  private final Path file;
  private final RootEncryptionKey rek;
  private final String persistenceId;

  /**
   * @param dir the node's data directory
   * @param rek the node's root encryption key
   * @param persistenceId the journal's persistence id
   */
  public JournalHighWaterMark(Path dir, RootEncryptionKey rek, String persistenceId) {
    this.file = dir.resolve(FILE_NAME);
    this.rek = rek;
    this.persistenceId = persistenceId;
  }

  /** {@code DIR/kms-journal.hwm}. */
  public Path file() {
    return file;
  }

  /**
   * The recorded mark, empty when the file does not exist.
   *
   * @throws StartupException {@code journal integrity: DIR/kms-journal.hwm does not unseal
   *     (altered, or from another node)}, or cannot be read
   */
  public OptionalLong read() throws StartupException {
    if (!Files.exists(file, LinkOption.NOFOLLOW_LINKS)) {
      return OptionalLong.empty();
    }
    byte[] bytes;
    try {
      bytes = Files.readAllBytes(file);
    } catch (IOException e) {
      throw new StartupException("cannot read " + file + ": " + NodeVolume.reason(e));
    }
    try {
      if (bytes.length < 2 || bytes[0] != FORMAT) {
        throw new UnsealException();
      }
      byte[] sealed = new byte[bytes.length - 1];
      System.arraycopy(bytes, 1, sealed, 0, sealed.length);
      ByteBuffer plain = ByteBuffer.wrap(rek.unseal(sealed, AD));
      long seqNr = plain.getLong();
      byte[] id = new byte[plain.remaining()];
      plain.get(id);
      if (!persistenceId.equals(new String(id, StandardCharsets.UTF_8))) {
        throw new UnsealException();
      }
      return OptionalLong.of(seqNr);
    } catch (UnsealException | RuntimeException e) {
      throw new StartupException(
          JournalIntegrity.PREFIX + file + " does not unseal (altered, or from another node)");
    }
  }

  /**
   * Records {@code seqNr} (temporary file, fsync, atomic rename).
   *
   * @throws IOException the write failed; the previous mark stays
   */
  public void write(long seqNr) throws IOException {
    byte[] id = persistenceId.getBytes(StandardCharsets.UTF_8);
    byte[] plain = ByteBuffer.allocate(8 + id.length).putLong(seqNr).put(id).array();
    byte[] sealed = rek.seal(plain, AD);
    ByteBuffer out = ByteBuffer.allocate(1 + sealed.length).put(FORMAT).put(sealed).flip();
    Path tmp = file.resolveSibling(FILE_NAME + ".tmp");
    try (FileChannel ch =
        FileChannel.open(
            tmp,
            StandardOpenOption.CREATE,
            StandardOpenOption.TRUNCATE_EXISTING,
            StandardOpenOption.WRITE)) {
      while (out.hasRemaining()) {
        ch.write(out);
      }
      ch.force(true);
    }
    Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
  }
}
