package io.openkms.kms.replication;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * docs/ARCHITECTURE.md §6 "Layers inside kms-actors": the replication rules import nothing from
 * Pekko and do no I/O; docs/ARCHITECTURE.md §3: "a pure state machine (plain Java, no actors, no
 * I/O)"; docs/ARCHITECTURE.md §6 "Replication": no clock, no threads. This import scan keeps it so.
 */
class ReplicationPurityTest {

  static final Path SOURCES = Path.of("src/main/java/io/openkms/kms/replication");

  static final List<String> FORBIDDEN =
      List.of(
          "org.apache.pekko",
          "akka.",
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
          "synchronized",
          "io.openkms.kms.crypto",
          "io.openkms.kms.domain",
          "io.openkms.kms.actors");

  @Test
  void mainSourcesUseNoPekkoNoIoNoClockNoThreadsAndNoOtherLayer() throws IOException {
    List<Path> files;
    try (Stream<Path> stream = Files.list(SOURCES)) {
      files = stream.filter(path -> path.toString().endsWith(".java")).sorted().toList();
    }
    assertTrue(files.size() > 20, "found " + files.size() + " files under " + SOURCES);
    List<String> violations = new ArrayList<>();
    for (Path file : files) {
      List<String> lines = Files.readAllLines(file);
      for (int number = 0; number < lines.size(); number++) {
        String line = lines.get(number).strip();
        if (line.startsWith("*") || line.startsWith("//") || line.startsWith("/*")) {
          continue; // documentation may name what the code must not use
        }
        for (String forbidden : FORBIDDEN) {
          if (line.contains(forbidden)) {
            violations.add(file.getFileName() + ":" + (number + 1) + " uses " + forbidden);
          }
        }
      }
    }
    assertEquals(List.of(), violations);
  }
}
