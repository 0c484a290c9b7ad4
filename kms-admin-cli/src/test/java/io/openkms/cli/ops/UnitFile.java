package io.openkms.cli.ops;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A systemd unit file read into {@code section → key → values} (systemd.syntax(7): {@code
 * [Section]} headers, {@code Key=Value} lines, {@code #} and {@code ;} comments; a key may repeat).
 * Enough for the ops tests; line continuations are not supported and are an {@link
 * IllegalArgumentException}.
 */
record UnitFile(Map<String, Map<String, List<String>>> sections) {

  static UnitFile read(Path file) throws IOException {
    Map<String, Map<String, List<String>>> sections = new LinkedHashMap<>();
    Map<String, List<String>> current = null;
    int number = 0;
    for (String raw : Files.readAllLines(file)) {
      number++;
      String line = raw.strip();
      if (line.isEmpty() || line.startsWith("#") || line.startsWith(";")) {
        continue;
      }
      if (line.endsWith("\\")) {
        throw new IllegalArgumentException(file + ":" + number + ": line continuation");
      }
      if (line.startsWith("[") && line.endsWith("]")) {
        current =
            sections.computeIfAbsent(
                line.substring(1, line.length() - 1), s -> new LinkedHashMap<>());
        continue;
      }
      int eq = line.indexOf('=');
      if (eq <= 0 || current == null) {
        throw new IllegalArgumentException(
            file + ":" + number + ": not Key=Value in a section: " + raw);
      }
      current
          .computeIfAbsent(line.substring(0, eq).strip(), k -> new ArrayList<>())
          .add(line.substring(eq + 1).strip());
    }
    return new UnitFile(sections);
  }

  /** Every value of {@code key} in {@code section}, in file order; empty if absent. */
  List<String> values(String section, String key) {
    return sections.getOrDefault(section, Map.of()).getOrDefault(key, List.of());
  }
}
