package io.openkms.cli.ops;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.stream.Stream;

/**
 * Where the tests of {@code ops/} find the repository's files. Tests run with the module directory
 * {@code kms-admin-cli/} as working directory (surefire's default); the repository root is the
 * first directory upwards from there that holds {@code ops/} and {@code pom.xml}.
 */
final class OpsPaths {
  private OpsPaths() {}

  /** The repository root (absolute, real path); an {@link IllegalStateException} if none. */
  static Path repoRoot() {
    Path dir = Path.of("").toAbsolutePath();
    for (Path d = dir; d != null; d = d.getParent()) {
      if (Files.isDirectory(d.resolve("ops")) && Files.isRegularFile(d.resolve("pom.xml"))) {
        try {
          return d.toRealPath();
        } catch (IOException e) {
          throw new UncheckedIOException(e);
        }
      }
    }
    throw new IllegalStateException("no repository root with ops/ above " + dir);
  }

  /** {@code <repo>/ops/<relative>}. */
  static Path ops(String relative) {
    return repoRoot().resolve("ops").resolve(relative);
  }

  /** {@code <repo>/kms-admin-cli/target}. */
  static Path moduleTarget() {
    return repoRoot().resolve("kms-admin-cli").resolve("target");
  }

  /** The built distribution's launcher {@code kms-admin-cli/target/minkms/bin/minkms}. */
  static Path distLauncher() {
    return moduleTarget().resolve("minkms").resolve("bin").resolve("minkms");
  }

  /** The Debian packages {@code kms-admin-cli/target/minkms_*_all.deb} built by {@code -Pdeb}. */
  static List<Path> builtDebs() {
    Path target = moduleTarget();
    if (!Files.isDirectory(target)) {
      return List.of();
    }
    try (Stream<Path> files = Files.list(target)) {
      return files
          .filter(f -> f.getFileName().toString().matches("minkms_.+_all\\.deb"))
          .sorted()
          .toList();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** The first executable called {@code name} on {@code PATH}, if any. */
  static Optional<Path> onPath(String name) {
    String path = System.getenv().getOrDefault("PATH", "/usr/sbin:/usr/bin:/sbin:/bin");
    for (String dir : path.split(":")) {
      if (dir.isEmpty()) {
        continue;
      }
      Path candidate = Path.of(dir, name);
      if (Files.isRegularFile(candidate) && Files.isExecutable(candidate)) {
        return Optional.of(candidate);
      }
    }
    return Optional.empty();
  }
}
