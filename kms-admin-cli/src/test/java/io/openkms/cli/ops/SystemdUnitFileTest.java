package io.openkms.cli.ops;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * The settings of {@code ops/systemd/minkms.service}: those of the reference unit
 * (docs/REFERENCE.md §3.3) and the sandboxing, each with its exact value. {@code systemd-analyze
 * verify} is in {@link SystemdUnitVerifyTest}.
 */
class SystemdUnitFileTest {
  private static final Path UNIT = OpsPaths.ops("systemd/minkms.service");

  @ParameterizedTest(name = "[{0}] {1}={2}")
  @CsvSource(
      delimiter = '|',
      value = {
        "Unit    | After                   | network-online.target",
        "Unit    | Wants                   | network-online.target",
        "Unit    | AssertFileIsExecutable  | /usr/local/bin/minkms",
        "Service | Type                    | simple",
        "Service | User                    | minkms-user",
        "Service | Group                   | minkms-user",
        "Service | EnvironmentFile         | -/etc/default/minkms",
        "Service | ExecStart               | /usr/local/bin/minkms server $MINIO_KMS_VOLUME $MINIO_KMS_OPTS",
        "Service | StandardOutput          | journal",
        "Service | StandardError           | inherit",
        "Service | Restart                 | always",
        "Service | SuccessExitStatus       | 143 75",
        "Service | TimeoutStopSec          | 60s",
        "Service | LimitNOFILE             | 65536",
        "Service | TasksMax                | infinity",
        "Service | ProtectProc             | invisible",
        "Service | NoNewPrivileges         | yes",
        "Service | ProtectSystem           | full",
        "Service | ProtectHome             | yes",
        "Service | PrivateTmp              | yes",
        "Service | PrivateDevices          | yes",
        "Service | ReadWritePaths          | -/mnt/minio-kms",
        "Service | RestrictAddressFamilies | AF_UNIX AF_INET AF_INET6 AF_NETLINK",
        "Service | UMask                   | 0077",
        "Install | WantedBy                | multi-user.target",
      })
  void setting(String section, String key, String value) throws Exception {
    assertEquals(List.of(value), UnitFile.read(UNIT).values(section, key));
  }

  /** The reference's unbounded stop (TimeoutStopSec=infinity, SendSIGKILL=no) is not used. */
  @Test
  void stopIsBoundedAndEndsWithSigkill() throws Exception {
    UnitFile unit = UnitFile.read(UNIT);
    assertEquals(List.of(), unit.values("Service", "SendSIGKILL"));
    assertEquals(List.of("mixed"), unit.values("Service", "KillMode"));
  }

  /** MemoryDenyWriteExecute would stop the JVM's JIT compiler from working. */
  @Test
  void nothingThatBreaksTheJvm() throws Exception {
    UnitFile unit = UnitFile.read(UNIT);
    assertEquals(List.of(), unit.values("Service", "MemoryDenyWriteExecute"));
    assertEquals(List.of(), unit.values("Service", "SystemCallFilter"));
  }

  @Test
  void onlyTheThreeSections() throws Exception {
    assertEquals(Set.of("Unit", "Service", "Install"), UnitFile.read(UNIT).sections().keySet());
  }

  @Test
  void readerRejectsContinuationLines(@TempDir Path tmp) throws Exception {
    Path unit =
        Files.writeString(tmp.resolve("x.service"), "[Service]\nExecStart=/bin/true \\\n  -x\n");
    IllegalArgumentException e =
        assertThrows(IllegalArgumentException.class, () -> UnitFile.read(unit));
    assertEquals(unit + ":2: line continuation", e.getMessage());
  }

  @Test
  void readerRejectsKeysOutsideSections(@TempDir Path tmp) throws Exception {
    Path unit = Files.writeString(tmp.resolve("x.service"), "ExecStart=/bin/true\n");
    IllegalArgumentException e =
        assertThrows(IllegalArgumentException.class, () -> UnitFile.read(unit));
    assertEquals(unit + ":1: not Key=Value in a section: ExecStart=/bin/true", e.getMessage());
  }

  @Test
  void readerKeepsRepeatedKeys(@TempDir Path tmp) throws Exception {
    Path unit =
        Files.writeString(tmp.resolve("x.service"), "[Unit]\n# c\n; c\nAfter=a\nAfter = b\n");
    assertEquals(
        Map.of("Unit", Map.of("After", List.of("a", "b"))), UnitFile.read(unit).sections());
  }
}
