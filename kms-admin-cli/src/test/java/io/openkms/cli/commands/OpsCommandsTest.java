package io.openkms.cli.commands;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.openkms.cli.CliException;
import io.openkms.cli.CliRun;
import io.openkms.kms.backup.BackupFile;
import io.openkms.kms.backup.BackupKey;
import io.openkms.persistence.HsmKey;
import io.openkms.persistence.SoftHsm;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.Map;
import java.util.zip.GZIPInputStream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** {@link OpsCommands} and {@link EnvCommand} against a real node in this JVM. */
class OpsCommandsTest {
  private static TestNode node;
  private static Path work;

  @BeforeAll
  static void startNode() throws Exception {
    node = TestNode.start();
    work = Files.createTempDirectory("minkms-ops-cli");
  }

  @AfterAll
  static void stopNode() throws Exception {
    node.close();
    try (var files = Files.walk(work)) {
      files.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
    }
  }

  @Test
  void backupThenRestoreBringsADeletedEnclaveBackAndTheLogShowsIt() throws Exception {
    assertEquals(0, node.run("add-enclave", "keep").exitCode());
    assertEquals(0, node.run("add-key", "-e", "keep", "k").exitCode());
    String ct = node.run("encrypt", "-e", "keep", "k", "hello").out().strip();
    Path gz = work.resolve("b.kms.db.gzip");
    assertEquals(new CliRun(0, gz + "\n", ""), node.run("backup", gz.toString()));
    try (GZIPInputStream in = new GZIPInputStream(Files.newInputStream(gz))) {
      assertTrue(new String(in.readNBytes(17)).startsWith("minkms-backup v1"));
    }
    Path plain = work.resolve("b.kms.db");
    assertEquals(0, node.run("backup", plain.toString(), "--compress", "off").exitCode());
    assertEquals(
        BackupFile.MAGIC,
        Files.readString(plain, java.nio.charset.StandardCharsets.ISO_8859_1)
            .lines()
            .findFirst()
            .orElse(""));
    assertEquals(
        new CliRun(1, "", "minkms: cannot write " + plain + ": the file exists\n"),
        node.run("backup", plain.toString()));

    assertEquals(0, node.run("rm-enclave", "keep").exitCode());
    CliRun restored = node.run("restore", node.host(), gz.toString());
    assertEquals(0, restored.exitCode(), restored.err());
    assertTrue(
        restored.out().startsWith("Restored " + gz + " into " + node.host() + ": cluster "),
        restored.out());
    assertEquals("hello\n", node.run("decrypt", "-e", "keep", "k", ct).out());
    assertEquals(0, node.run("restore", plain.toString()).exitCode()); // host from MINIO_KMS_SERVER

    CliRun logs =
        node.run("logs", node.host(), "-s", "1 hour ago", "-m", "backup restored", "-n", "1", "-q");
    assertEquals(0, logs.exitCode(), logs.err());
    assertTrue(
        logs.out()
            .matches(
                "\\S+ INFO  OpsApi: backup restored at commit \\d+ \\(\\d+ write\\(s\\)\\)\\n"),
        logs.out());
    CliRun json =
        node.run("logs", node.host(), "-s", "today", "-m", "backup restored", "-n", "1", "--json");
    assertTrue(json.out().startsWith("{\"level\":0,"), json.out());
  }

  @Test
  void restoreRefusesGarbageAndForeignBackups() throws Exception {
    Path garbage = Files.writeString(work.resolve("garbage"), "not a backup");
    assertEquals(
        new CliRun(1, "", "minkms: " + garbage + ": invalid backup: not a minkms backup file\n"),
        node.run("restore", garbage.toString()));
    Path foreign = work.resolve("foreign.kms.db");
    Files.write(
        foreign,
        BackupFile.write(
            node.node.node().state(), BackupKey.of(new SoftHsm(HsmKey.generate())), Instant.now()));
    CliRun r = node.run("restore", foreign.toString());
    assertEquals(1, r.exitCode());
    assertTrue(
        r.err().contains("cannot restore backup: it was sealed under another HSM key"), r.err());
    assertEquals(2, node.run("restore", "a", "b", "c").exitCode());
    assertEquals(2, node.run("backup", "--compress", "maybe").exitCode());
  }

  @Test
  void pprofStartsShowsAndDownloads() throws Exception {
    assertEquals(
        new CliRun(0, node.host() + ": not profiling\n", ""),
        node.run("pprof", node.host(), "--stat"));
    assertEquals(
        new CliRun(0, "Profiling " + node.host() + "\n", ""),
        node.run("pprof", node.host(), "--thread", "all", "--mutex", "1"));
    CliRun stat = node.run("pprof", node.host(), "--stat");
    assertTrue(
        stat.out().matches(".*: profiling since \\S+ \\(cpu, heap, thread, mutex=1\\)\\n"),
        stat.out());
    Path out = work.resolve("pprof");
    CliRun stop = node.run("pprof", node.host(), "-o", out.toString());
    assertEquals(0, stop.exitCode(), stop.err());
    Path jfr = out.resolve("127.0.0.1_" + node.port).resolve("profile.jfr");
    assertEquals(jfr + "\n", stop.out());
    assertTrue(Files.size(jfr) > 0);
    assertEquals(2, node.run("pprof", node.host(), "--thread", "green").exitCode());
    CliRun none = node.run("pprof", node.host(), "-o", "_");
    assertEquals(1, none.exitCode());
    assertTrue(none.err().endsWith("profiling is not running\n"), none.err());
  }

  @Test
  void envPrintsTheVariablesWithSecretsMasked() {
    CliRun env =
        CliRun.run(
            node.context(
                Map.of("MINIO_KMS_HSM_KEY", "hsm:aes256:c2VjcmV0", "MINKMS_JAVA_OPTS", "-Xmx1g")),
            "env");
    assertEquals(0, env.exitCode());
    assertTrue(env.out().contains("MINIO_KMS_API_KEY=k1:***\n"), env.out());
    assertTrue(env.out().contains("MINIO_KMS_HSM_KEY=hsm:aes256:***\n"), env.out());
    assertTrue(env.out().contains("MINKMS_JAVA_OPTS=-Xmx1g\n"), env.out());
    assertFalse(env.out().contains("c2VjcmV0"));
    assertFalse(env.out().contains(node.rootKey()));
  }

  @Test
  void sinceForms() throws CliException {
    Clock clock = Clock.fixed(Instant.parse("2026-12-06T12:30:00Z"), ZoneOffset.UTC);
    assertEquals(Instant.parse("2026-12-06T00:00:00Z"), OpsCommands.since("today", clock));
    assertEquals(Instant.parse("2026-12-05T00:00:00Z"), OpsCommands.since("yesterday", clock));
    assertEquals(Instant.parse("2026-12-04T12:30:00Z"), OpsCommands.since("2 days ago", clock));
    assertEquals(Instant.parse("2026-12-06T11:30:00Z"), OpsCommands.since("1 hour ago", clock));
    assertEquals(Instant.parse("2026-12-06T12:29:30Z"), OpsCommands.since("30 seconds ago", clock));
    assertEquals(Instant.parse("2026-12-06T11:00:00Z"), OpsCommands.since("1h30m ago", clock));
    assertThrows(CliException.class, () -> OpsCommands.since("soon", clock));
    assertThrows(CliException.class, () -> OpsCommands.level("LOUD"));
    assertEquals(8, OpsCommands.level("error"));
  }
}
