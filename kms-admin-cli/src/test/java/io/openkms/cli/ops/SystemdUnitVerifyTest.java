package io.openkms.cli.ops;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code systemd-analyze verify} and {@code systemd-analyze security --offline=true} on {@code
 * ops/systemd/minkms.service}. Needs {@code systemd-analyze} (Debian package {@code systemd}:
 * {@code apt-get install -y systemd}; it works without systemd running as PID 1); without it the
 * tests are skipped with that hint. Verification needs the ExecStart binary to exist, so the tests
 * check a copy of the unit in which {@code /usr/local/bin/minkms} is replaced by an executable
 * temporary file; nothing else changes.
 */
@Tag("process")
class SystemdUnitVerifyTest {
  private static final String INSTALLED_BINARY = "/usr/local/bin/minkms";

  @TempDir Path tmp;

  private static Path systemdAnalyze;

  /** Assumptions in {@code @BeforeEach}, so that a skip shows per test with its reason. */
  @BeforeEach
  void needsSystemdAnalyze() {
    systemdAnalyze = OpsPaths.onPath("systemd-analyze").orElse(null);
    Assumptions.assumeTrue(
        systemdAnalyze != null,
        "systemd-analyze not found: install it with `apt-get install -y systemd` to run this test");
  }

  /** A copy of {@code unitText} named {@code minkms.service} whose ExecStart binary exists. */
  private Path unitCopy(String unitText) throws Exception {
    Path binary = Files.writeString(tmp.resolve("minkms"), "#!/bin/sh\nexit 0\n");
    Files.setPosixFilePermissions(binary, PosixFilePermissions.fromString("rwxr-xr-x"));
    Path dir = Files.createDirectories(tmp.resolve("units"));
    return Files.writeString(
        dir.resolve("minkms.service"), unitText.replace(INSTALLED_BINARY, binary.toString()));
  }

  private static String unitText() throws Exception {
    return Files.readString(OpsPaths.ops("systemd/minkms.service"));
  }

  /** systemd-analyze exits 0 even for unknown keys, so the test also requires no diagnostics. */
  @Test
  void verifyAcceptsTheUnitWithoutAnyDiagnostic() throws Exception {
    Path unit = unitCopy(unitText());
    Exec.Result result =
        Exec.run(List.of(systemdAnalyze.toString(), "verify", unit.toString()), Map.of());
    assertEquals(0, result.exitCode(), result.describe());
    assertEquals("", result.stdout() + result.stderr(), result.describe());
  }

  /** The check above would catch a typo: the same unit with a misspelt key gives a diagnostic. */
  @Test
  void verifyReportsAMisspeltKey() throws Exception {
    Path unit = unitCopy(unitText().replace("ProtectHome=yes", "ProtectHomes=yes"));
    Exec.Result result =
        Exec.run(List.of(systemdAnalyze.toString(), "verify", unit.toString()), Map.of());
    assertTrue(
        result.stderr().contains("Unknown key 'ProtectHomes' in section [Service], ignoring."),
        result.describe());
  }

  /** The copy differs from the unit only in the ExecStart and AssertFileIsExecutable paths. */
  @Test
  void copyReplacesOnlyTheBinaryPath() throws Exception {
    String original = unitText();
    String copy = Files.readString(unitCopy(original));
    assertEquals(
        2,
        original.lines().filter(l -> !l.startsWith("#") && l.contains(INSTALLED_BINARY)).count());
    assertEquals(original.replace(INSTALLED_BINARY, tmp.resolve("minkms").toString()), copy);
  }

  /**
   * systemd's own exposure score of the sandboxing (0 = locked down, 10 = none): at most 4.0, the
   * top of the band systemd calls "OK" (the unit scores 3.1 with systemd 252).
   */
  @Test
  void securityExposureIsAtMostFour() throws Exception {
    Path unit = unitCopy(unitText());
    Exec.Result result =
        Exec.run(
            List.of(
                systemdAnalyze.toString(),
                "security",
                "--offline=true",
                "--no-pager",
                unit.toString()),
            Map.of());
    Assumptions.assumeFalse(
        result.stderr().contains("unrecognized option"),
        "systemd-analyze security --offline needs systemd 250 or later");
    Matcher m =
        Pattern.compile("Overall exposure level for minkms\\.service: (\\d+\\.\\d)")
            .matcher(result.stdout());
    assertTrue(m.find(), result.describe());
    double exposure = Double.parseDouble(m.group(1));
    assertTrue(exposure <= 4.0, "exposure " + exposure + "\n" + result.describe());
  }
}
