package io.openkms.persistence;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.OpenOption;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.FileAttribute;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Set;

/**
 * Files and directories only the node's user may read (issue 13, "file modes"): directories {@code
 * 0700}, files {@code 0600}, given at creation (so no other user can open them between creation and
 * a later chmod, whatever the umask), and applied to existing ones by {@link #restrict}. On a file
 * system without POSIX permissions the modes are left out.
 */
public final class PrivateFiles {

  /** {@code rwx------}. */
  public static final Set<PosixFilePermission> DIRECTORY =
      PosixFilePermissions.fromString("rwx------");

  /** {@code rw-------}. */
  public static final Set<PosixFilePermission> FILE = PosixFilePermissions.fromString("rw-------");

  private static final boolean POSIX =
      FileSystems.getDefault().supportedFileAttributeViews().contains("posix");

  private PrivateFiles() {}

  /** Creates {@code dir} with mode 0700 (its missing parents with the usual mode). */
  public static void createDirectory(Path dir) throws IOException {
    FileAttribute<?>[] attributes =
        POSIX
            ? new FileAttribute<?>[] {PosixFilePermissions.asFileAttribute(DIRECTORY)}
            : new FileAttribute<?>[0];
    try {
      Files.createDirectory(dir, attributes);
    } catch (java.nio.file.NoSuchFileException missingParent) {
      Files.createDirectories(dir.toAbsolutePath().getParent());
      Files.createDirectory(dir, attributes);
    }
  }

  /**
   * Opens {@code file} for writing, created with mode 0600 ({@code options} must include {@link
   * StandardOpenOption#CREATE} or {@link StandardOpenOption#CREATE_NEW}); an existing file keeps
   * its mode, so callers delete it first or use {@code CREATE_NEW}.
   */
  public static FileChannel open(Path file, OpenOption... options) throws IOException {
    Set<OpenOption> set = Set.of(options);
    FileAttribute<?>[] attributes =
        POSIX
            ? new FileAttribute<?>[] {PosixFilePermissions.asFileAttribute(FILE)}
            : new FileAttribute<?>[0];
    return FileChannel.open(file, set, attributes);
  }

  /** Writes {@code content} to a new {@code file} (replacing an existing one) with mode 0600. */
  public static void write(Path file, byte[] content) throws IOException {
    Files.deleteIfExists(file);
    try (FileChannel ch = open(file, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
      ByteBuffer buf = ByteBuffer.wrap(content);
      while (buf.hasRemaining()) {
        ch.write(buf);
      }
    }
  }

  /**
   * Sets mode 0700 on a directory or 0600 on a regular file if it has any other bit (symbolic links
   * are left alone).
   *
   * @return true if the mode was changed
   */
  public static boolean restrict(Path path) throws IOException {
    if (!POSIX || Files.isSymbolicLink(path)) {
      return false;
    }
    Set<PosixFilePermission> wanted =
        Files.isDirectory(path, LinkOption.NOFOLLOW_LINKS) ? DIRECTORY : FILE;
    Set<PosixFilePermission> now = Files.getPosixFilePermissions(path, LinkOption.NOFOLLOW_LINKS);
    if (now.equals(wanted)) {
      return false;
    }
    Files.setPosixFilePermissions(path, wanted);
    return true;
  }
}
