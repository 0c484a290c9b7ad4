package io.openkms.kms;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * The layers of kms-core stay pure (docs/ARCHITECTURE.md §6 "Layers"). The build proves that no
 * Pekko reaches the module (its enforcer rule) and that nothing here can see the actors; this scan
 * proves the rest, in the code lines of {@code src/main/java} (documentation may name what the code
 * must not use): {@code crypto} and {@code domain} touch no files; {@code lifecycle} and {@code
 * replication} are machines with no I/O, clock, randomness or threads of their own
 * (docs/ARCHITECTURE.md §3, §6 "Replication"), and {@code replication} knows nothing of the KMS
 * above it.
 */
class PurityTest {

  static final Path SOURCES = Path.of("src/main/java/io/openkms/kms");

  static final List<String> NO_FILES = List.of("java.io.File", "java.nio.file");

  static final List<String> MACHINE =
      List.of(
          "java.io.",
          "java.nio.",
          "java.net.",
          "java.time.",
          "java.util.concurrent",
          "java.util.Random",
          "java.security.SecureRandom",
          "System.currentTimeMillis",
          "System.nanoTime",
          "Thread.",
          "new Thread",
          "synchronized");

  static final Map<String, List<String>> FORBIDDEN =
      Map.of(
          "crypto",
          NO_FILES,
          "domain",
          NO_FILES,
          "lifecycle",
          MACHINE,
          "replication",
          Stream.concat(
                  MACHINE.stream(), Stream.of("io.openkms.kms.crypto", "io.openkms.kms.domain"))
              .toList());

  @Test
  void mainSourcesUseOnlyWhatTheirLayerAllows() throws IOException {
    List<String> violations = new ArrayList<>();
    for (var layer : FORBIDDEN.entrySet()) {
      List<Path> files;
      try (Stream<Path> stream = Files.list(SOURCES.resolve(layer.getKey()))) {
        files = stream.filter(path -> path.toString().endsWith(".java")).sorted().toList();
      }
      assertTrue(files.size() >= 3, "found " + files.size() + " files in " + layer.getKey());
      for (Path file : files) {
        List<String> lines = Files.readAllLines(file);
        for (int number = 0; number < lines.size(); number++) {
          String line = lines.get(number).strip();
          if (line.startsWith("*") || line.startsWith("//") || line.startsWith("/*")) {
            continue;
          }
          for (String forbidden : layer.getValue()) {
            if (line.contains(forbidden)) {
              String where = layer.getKey() + "/" + file.getFileName() + ":" + (number + 1);
              violations.add(where + " uses " + forbidden);
            }
          }
        }
      }
    }
    assertEquals(List.of(), violations);
  }
}
