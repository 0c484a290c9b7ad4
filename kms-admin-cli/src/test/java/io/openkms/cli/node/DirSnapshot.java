package io.openkms.cli.node;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;

/**
 * What is on disk under a directory: every entry's relative path → SHA-256 of a file's bytes (hex),
 * {@code <dir>} for a directory, {@code <link> target} for a symbolic link. Two snapshots are equal
 * when nothing was created, deleted or changed. A missing directory gives {@link #MISSING}.
 *
 * @param entries relative path → content digest, sorted
 */
record DirSnapshot(Map<String, String> entries) {

  /** The snapshot of a directory that does not exist. */
  static final DirSnapshot MISSING = new DirSnapshot(Map.of("", "<missing>"));

  static DirSnapshot of(Path dir) throws IOException {
    if (!Files.exists(dir)) {
      return MISSING;
    }
    Map<String, String> entries = new TreeMap<>();
    try (Stream<Path> paths = Files.walk(dir)) {
      for (Path p : paths.toList()) {
        String name = dir.relativize(p).toString();
        if (Files.isSymbolicLink(p)) {
          entries.put(name, "<link> " + Files.readSymbolicLink(p));
        } else if (Files.isDirectory(p)) {
          entries.put(name, "<dir>");
        } else {
          entries.put(name, sha256(Files.readAllBytes(p)));
        }
      }
    } catch (UncheckedIOException e) {
      throw e.getCause();
    }
    return new DirSnapshot(entries);
  }

  /** True for a missing directory or one with no entries. */
  boolean isMissingOrEmpty() {
    return equals(MISSING) || entries.keySet().equals(java.util.Set.of(""));
  }

  private static String sha256(byte[] bytes) {
    try {
      return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }
}
