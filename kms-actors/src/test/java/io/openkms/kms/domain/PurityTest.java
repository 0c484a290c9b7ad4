package io.openkms.kms.domain;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * The crypto and domain layers stay pure (docs/ARCHITECTURE.md §6 "Layers inside kms-actors"): no
 * source file of {@code io.openkms.kms.crypto} or {@code io.openkms.kms.domain} mentions Pekko or
 * file I/O.
 */
class PurityTest {
    private static final List<String> FORBIDDEN = List.of("org.apache.pekko", "java.io.File", "java.nio.file");

    @Test
    void noPekkoAndNoFileIoInCryptoAndDomain() throws IOException {
        Path root = Path.of("src/main/java/io/openkms/kms");
        List<Path> sources = new ArrayList<>();
        for (String pkg : List.of("crypto", "domain")) {
            try (Stream<Path> files = Files.list(root.resolve(pkg))) {
                sources.addAll(files.filter(p -> p.toString().endsWith(".java")).collect(Collectors.toList()));
            }
        }
        assertTrue(sources.size() >= 25, "found only " + sources.size() + " source files under " + root.toAbsolutePath());
        List<String> violations = new ArrayList<>();
        for (Path p : sources) {
            List<String> lines = Files.readAllLines(p);
            for (int i = 0; i < lines.size(); i++) {
                for (String f : FORBIDDEN) {
                    if (lines.get(i).contains(f)) {
                        violations.add(p.getFileName() + ":" + (i + 1) + ": " + lines.get(i).trim());
                    }
                }
            }
        }
        assertEquals(List.of(), violations);
    }
}
