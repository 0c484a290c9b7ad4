package io.openkms.cli.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.time.Duration;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

/** {@link GoDuration}: the forms Go's time.ParseDuration accepts. */
class GoDurationTest {

  @ParameterizedTest(name = "{0} = {1} ns")
  @CsvSource({
    "0, 0",
    "-0, 0",
    "+0, 0",
    "0s, 0",
    "500ms, 500000000",
    "1s, 1000000000",
    "1.5s, 1500000000",
    ".5s, 500000000",
    "1.s, 1000000000",
    "1m30s, 90000000000",
    "2h45m, 9900000000000",
    "10us, 10000",
    "10µs, 10000",
    "10μs, 10000",
    "7ns, 7",
    "1h1m1s1ms1us1ns, 3661001001001",
    "-1.5s, -1500000000",
    "+2s, 2000000000"
  })
  void parses(String text, long nanos) {
    assertEquals(Duration.ofNanos(nanos), GoDuration.parse(text));
  }

  @ParameterizedTest(name = "''{0}''")
  @ValueSource(
      strings = {
        "", "-", "1", "500", "s", ".s", "1x", "1 s", " 1s", "1s ", "1s2", "1.2.3s", "1S", "ms500",
        "--1s"
      })
  void rejects(String text) {
    IllegalArgumentException e =
        assertThrows(IllegalArgumentException.class, () -> GoDuration.parse(text));
    assertEquals("not a duration (examples: 500ms, 1s, 0)", e.getMessage());
  }

  @ParameterizedTest
  @ValueSource(strings = {"2562048h", "9999999999999999999ns"})
  void rejectsOutOfRange(String text) {
    IllegalArgumentException e =
        assertThrows(IllegalArgumentException.class, () -> GoDuration.parse(text));
    assertEquals("duration out of range", e.getMessage());
  }
}
