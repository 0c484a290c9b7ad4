package io.openkms.persistence;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.AccessDeniedException;
import java.nio.file.DirectoryStream;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The node's volume {@code DIR} (docs/ARCHITECTURE.md §2, docs/REFERENCE.md §14 "reset a node"): it
 * holds {@code DIR/kms.db}, the root encryption key (REK) sealed by the HSM, and beside it the H2
 * journal {@code DIR/kms-journal.*} when the store is H2.
 *
 * <p>{@link #open} on a fresh {@code DIR} creates the directory if needed, generates a REK, seals
 * it with the HSM and writes {@code kms.db} atomically (temporary file, fsync, rename, fsync of the
 * directory). On an existing volume it only reads: when the REK does not unseal (another HSM key)
 * or {@code kms.db} is damaged, start fails and nothing on disk changes.
 *
 * <p>Modes: a new {@code DIR} is created 0700 and {@code kms.db} 0600, whatever the umask ({@link
 * PrivateFiles}); {@link #restrictModes} applies them to what exists.
 *
 * <p>Removing {@code kms.db} is how an operator resets a node ({@code rm DIR/kms.db}): the next
 * {@link #open} deletes the H2 journal files left beside it (they are sealed under the lost REK),
 * logs each deletion, then creates a new REK.
 */
public final class NodeVolume {
  /** File name of the sealed REK inside {@code DIR}. */
  public static final String KMS_DB = "kms.db";

  /** Message when the HSM cannot unseal the REK (docs/REFERENCE.md §14, troubleshooting). */
  public static final String UNSEAL_FAILED =
      "failed to unseal root encryption key with HSM: " + UnsealException.MESSAGE;

  private static final Logger LOG = LoggerFactory.getLogger(NodeVolume.class);
  private static final String TMP_SUFFIX = ".tmp";

  private final Path dir;
  private final RootEncryptionKey rek;
  private final boolean fresh;
  private final List<Path> removedStaleFiles;

  private NodeVolume(Path dir, RootEncryptionKey rek, boolean fresh, List<Path> removed) {
    this.dir = dir;
    this.rek = rek;
    this.fresh = fresh;
    this.removedStaleFiles = List.copyOf(removed);
  }

  /**
   * Opens (or creates) the volume and unseals its REK.
   *
   * @param dir the data directory ({@code minkms server DIR})
   * @param hsm the node's HSM
   * @return the open volume
   * @throws StartupException one line for stderr:
   *     <ul>
   *       <li>{@code failed to unseal root encryption key with HSM: invalid ciphertext} (another
   *           HSM key than the one that sealed {@code kms.db});
   *       <li>{@code cannot use data directory DIR: REASON} (not a directory, cannot be created,
   *           not writable, cannot be read);
   *       <li>{@code corrupt DIR/kms.db: REASON};
   *       <li>{@code DIR/kms.db was sealed by HSM X, but this node uses HSM Y}.
   *     </ul>
   *     In every case nothing on disk has changed.
   */
  public static NodeVolume open(Path dir, Hsm hsm) throws StartupException {
    Objects.requireNonNull(dir, "dir");
    Objects.requireNonNull(hsm, "hsm");
    prepareDirectory(dir);
    Path db = dir.resolve(KMS_DB);
    if (Files.exists(db, LinkOption.NOFOLLOW_LINKS)) {
      return new NodeVolume(dir, unsealExisting(dir, db, hsm), false, List.of());
    }
    List<Path> removed = removeStaleJournal(dir);
    RootEncryptionKey rek = RootEncryptionKey.generate();
    byte[] file = new VolumeFile(VolumeFile.FORMAT, hsm.name(), hsm.seal(rek.bytes())).encode();
    writeAtomically(dir, db, file);
    LOG.info("created {}: new root encryption key sealed by {}", db, hsm.name());
    return new NodeVolume(dir, rek, true, removed);
  }

  /**
   * Restricts {@code DIR} to mode 0700 and {@code kms.db} and the H2 journal files {@code
   * kms-journal.*} in it to 0600 (issue 13, "file modes"): new ones are created so already ({@code
   * kms.db} by {@link #open}, H2's files under the launcher's {@code umask 077}); this also fixes a
   * directory made by hand or files of an older version. Call it after the store has created its
   * files. Logs each change.
   *
   * @throws StartupException {@code cannot use data directory DIR: cannot restrict the mode of FILE
   *     (REASON)}
   */
  public void restrictModes() throws StartupException {
    List<Path> paths = new ArrayList<>();
    paths.add(dir);
    paths.add(dir.resolve(KMS_DB));
    try (DirectoryStream<Path> journal =
        Files.newDirectoryStream(dir, StoreConfig.H2_DATABASE_NAME + ".*")) {
      journal.forEach(paths::add);
    } catch (IOException e) {
      throw unusable(dir, "cannot list it (" + reason(e) + ")");
    }
    for (Path p : paths) {
      try {
        if (Files.exists(p, LinkOption.NOFOLLOW_LINKS) && PrivateFiles.restrict(p)) {
          LOG.warn(
              "{} was readable by other users: mode set to {}",
              p,
              Files.isDirectory(p) ? "0700" : "0600");
        }
      } catch (IOException e) {
        throw unusable(dir, "cannot restrict the mode of " + p + " (" + reason(e) + ")");
      }
    }
  }

  /** The data directory, as given to {@link #open}. */
  public Path dir() {
    return dir;
  }

  /** The node's root encryption key; install it with {@link Sealing#install}. */
  public RootEncryptionKey rek() {
    return rek;
  }

  /** True when {@link #open} created the REK now (first start, or after a reset). */
  public boolean isFresh() {
    return fresh;
  }

  /**
   * The stale H2 journal files that {@link #open} deleted because {@code kms.db} was missing (empty
   * unless the node was reset).
   */
  public List<Path> removedStaleFiles() {
    return removedStaleFiles;
  }

  private static void prepareDirectory(Path dir) throws StartupException {
    if (Files.exists(dir)) {
      if (!Files.isDirectory(dir)) {
        throw unusable(dir, "not a directory");
      }
    } else {
      try {
        PrivateFiles.createDirectory(dir);
      } catch (IOException e) {
        throw unusable(dir, "cannot create it (" + reason(e) + ")");
      }
    }
    if (!Files.isReadable(dir) || !Files.isExecutable(dir)) {
      throw unusable(dir, "not readable");
    }
    if (!Files.isWritable(dir)) {
      throw unusable(dir, "not writable");
    }
  }

  private static RootEncryptionKey unsealExisting(Path dir, Path db, Hsm hsm)
      throws StartupException {
    if (!Files.isRegularFile(db, LinkOption.NOFOLLOW_LINKS)) {
      throw corrupt(db, "not a regular file");
    }
    byte[] bytes;
    try {
      if (Files.size(db) > VolumeFile.MAX_BYTES) {
        throw corrupt(db, "larger than " + VolumeFile.MAX_BYTES + " bytes");
      }
      bytes = Files.readAllBytes(db);
    } catch (IOException e) {
      throw unusable(dir, "cannot read " + KMS_DB + " (" + reason(e) + ")");
    }
    VolumeFile file;
    try {
      file = VolumeFile.decode(bytes);
    } catch (IllegalArgumentException e) {
      throw corrupt(db, e.getMessage());
    }
    if (!file.hsmName().equals(hsm.name())) {
      throw new StartupException(
          db + " was sealed by HSM " + file.hsmName() + ", but this node uses HSM " + hsm.name());
    }
    byte[] key;
    try {
      key = hsm.unseal(file.sealedRek());
    } catch (UnsealException e) {
      throw new StartupException(UNSEAL_FAILED);
    }
    if (key.length != RootEncryptionKey.KEY_BYTES) {
      throw corrupt(db, "the sealed root encryption key is " + key.length + " bytes, want 32");
    }
    return RootEncryptionKey.fromBytes(key);
  }

  /** Deletes {@code DIR/kms-journal.*} (H2 files sealed under a REK that no longer exists). */
  private static List<Path> removeStaleJournal(Path dir) throws StartupException {
    List<Path> removed = new ArrayList<>();
    String glob = StoreConfig.H2_DATABASE_NAME + ".*";
    try (DirectoryStream<Path> stale = Files.newDirectoryStream(dir, glob)) {
      for (Path file : stale) {
        Files.delete(file);
        removed.add(file);
        LOG.warn("{} is missing: deleted stale journal file {} (the node was reset)", KMS_DB, file);
      }
    } catch (IOException e) {
      throw unusable(dir, "cannot delete stale journal files (" + reason(e) + ")");
    }
    return removed;
  }

  private static void writeAtomically(Path dir, Path target, byte[] content)
      throws StartupException {
    Path tmp = dir.resolve(KMS_DB + TMP_SUFFIX);
    try {
      Files.deleteIfExists(tmp); // a left-over temporary file would keep its mode
      try (FileChannel ch =
          PrivateFiles.open(tmp, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
        java.nio.ByteBuffer buf = java.nio.ByteBuffer.wrap(content);
        while (buf.hasRemaining()) {
          ch.write(buf);
        }
        ch.force(true);
      }
      // No REPLACE_EXISTING: if another process created kms.db meanwhile, do not overwrite it.
      Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE);
      try (FileChannel d = FileChannel.open(dir, StandardOpenOption.READ)) {
        d.force(true);
      }
    } catch (IOException e) {
      try {
        Files.deleteIfExists(tmp);
      } catch (IOException ignored) {
        // the write already failed; report that
      }
      if (e instanceof FileAlreadyExistsException) {
        throw unusable(dir, KMS_DB + " was created by another process at the same time");
      }
      throw unusable(dir, "cannot write " + KMS_DB + " (" + reason(e) + ")");
    }
  }

  private static StartupException unusable(Path dir, String reason) {
    return new StartupException("cannot use data directory " + dir + ": " + reason);
  }

  private static StartupException corrupt(Path db, String reason) {
    return new StartupException("corrupt " + db + ": " + reason);
  }

  /** A short, one-line reason for an I/O failure. */
  static String reason(IOException e) {
    if (e instanceof AccessDeniedException) {
      return "permission denied";
    }
    if (e instanceof NoSuchFileException n) {
      return "no such file or directory: " + n.getFile();
    }
    if (e instanceof FileAlreadyExistsException f) {
      return f.getFile() + " exists and is not a directory";
    }
    if (e instanceof FileSystemException f && f.getReason() != null) {
      return f.getReason();
    }
    String message = e.getMessage();
    return message == null ? e.getClass().getSimpleName() : message.lines().findFirst().orElse("");
  }
}
