package io.openkms.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The home directory follows {@code $HOME} like every Unix tool (issue 16, item 5). */
class CliContextTest {

  @Test
  void homeIsTheHomeVariable() {
    assertEquals(Path.of("/some/dir"), CliContext.home(Map.of("HOME", "/some/dir")));
  }

  @Test
  void withoutHomeTheJvmsUserHomeIsUsed() {
    Path userHome = Path.of(System.getProperty("user.home"));
    assertEquals(userHome, CliContext.home(Map.of()));
    assertEquals(userHome, CliContext.home(Map.of("HOME", "")));
  }
}
