package io.openkms.cli.ops;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFileAttributes;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * The Debian package built by {@code mvn -B -Pdeb package -DskipTests} ({@code
 * kms-admin-cli/target/minkms_<version>_all.deb}; the newest one if several). This test builds
 * nothing: without a package it is skipped. {@link #installRemovePurge} installs the package on
 * this machine with dpkg, so it runs only as root and only when no {@code minkms} package is
 * installed (it purges it again at the end, also on failure; the data directory /mnt/minio-kms is
 * removed only if the test created it and it is empty).
 */
@Tag("process")
class DebPackageTest {
  private static final String SERVICE_USER = "minkms-user";
  private static final Path LINK = Path.of("/usr/local/bin/minkms");
  private static final Path LAUNCHER = Path.of("/opt/minkms/bin/minkms");
  private static final Path UNIT = Path.of("/usr/lib/systemd/system/minkms.service");
  private static final Path ENV_FILE = Path.of("/etc/default/minkms");
  private static final Path CONFIG = Path.of("/etc/minkms/config.yaml");
  private static final Path VOLUME = Path.of("/mnt/minio-kms");
  private static final String DEPENDS =
      "default-jre-headless (>= 2:1.17) | openjdk-17-jre-headless | java17-runtime-headless, adduser";

  private static Path deb;
  private static String version;

  /** Assumptions in {@code @BeforeEach}, so that a skip shows per test with its reason. */
  @BeforeEach
  void needsABuiltPackage() throws Exception {
    Assumptions.assumeTrue(
        OpsPaths.onPath("dpkg-deb").isPresent(), "dpkg-deb not found (not a Debian system)");
    List<Path> debs = OpsPaths.builtDebs();
    Assumptions.assumeFalse(
        debs.isEmpty(),
        "no "
            + OpsPaths.moduleTarget()
            + "/minkms_*_all.deb: build it first with `mvn -B -Pdeb package -DskipTests`");
    deb = debs.stream().max(Comparator.comparing(p -> p.toFile().lastModified())).orElseThrow();
    Matcher m = Pattern.compile("minkms_(.+)_all\\.deb").matcher(deb.getFileName().toString());
    assertTrue(m.matches());
    version = m.group(1);
  }

  private static String field(String name) throws Exception {
    Exec.Result result = Exec.run(List.of("dpkg-deb", "-f", deb.toString(), name), Map.of());
    assertEquals(0, result.exitCode(), result.describe());
    return result.stdout().strip();
  }

  @Test
  void controlFields() throws Exception {
    assertEquals("minkms", field("Package"));
    assertEquals(version, field("Version"));
    assertEquals("all", field("Architecture"));
    assertEquals(DEPENDS, field("Depends"));
  }

  /** {@code dpkg-deb -c} lines of the named entries: mode, owner, path (and link target). */
  @Test
  void contents() throws Exception {
    Exec.Result result = Exec.run(List.of("dpkg-deb", "-c", deb.toString()), Map.of());
    assertEquals(0, result.exitCode(), result.describe());
    // "-rwxr-xr-x root/root  1643 2026-11-29 23:20 ./opt/minkms/bin/minkms" -> mode owner path
    Map<String, String> entries = new HashMap<>();
    for (String line : result.stdout().lines().toList()) {
      String[] f = line.split("\\s+", 6);
      entries.put(f[5], f[0] + " " + f[1]);
    }
    assertEquals("-rwxr-xr-x root/root", entries.get("./opt/minkms/bin/minkms"));
    assertEquals("-rw-r--r-- root/root", entries.get("./opt/minkms/conf/application.conf"));
    assertEquals(
        "-rw-r--r-- root/root", entries.get("./opt/minkms/lib/kms-admin-cli-" + version + ".jar"));
    assertEquals(
        "lrw-r--r-- root/root", entries.get("./usr/local/bin/minkms -> /opt/minkms/bin/minkms"));
    assertEquals("-rw-r--r-- root/root", entries.get("./usr/lib/systemd/system/minkms.service"));
    assertEquals("-rw------- root/root", entries.get("./etc/default/minkms"));
    assertEquals("-rw-r--r-- root/root", entries.get("./etc/minkms/config.yaml"));
    // documents, completion, manual, the certificate helper (issue 16, item 10)
    assertEquals("-rw-r--r-- root/root", entries.get("./usr/share/doc/minkms/copyright"));
    assertEquals("-rw-r--r-- root/root", entries.get("./usr/share/doc/minkms/changelog.gz"));
    assertEquals("-rw-r--r-- root/root", entries.get("./usr/share/man/man1/minkms.1.gz"));
    assertEquals(
        "-rw-r--r-- root/root", entries.get("./usr/share/bash-completion/completions/minkms"));
    assertEquals("-rwxr-xr-x root/root", entries.get("./usr/share/minkms/minkms-certs.sh"));
    assertEquals(
        null,
        entries.get("./opt/minkms/lib/minkms-cli.jsa"),
        "the CDS archive is made by postinst");
    // every jar of the distribution, and nothing else under lib/
    try (var jars = Files.list(OpsPaths.moduleTarget().resolve("minkms/lib"))) {
      List<String> distJars =
          jars.filter(p -> p.toString().endsWith(".jar"))
              .map(p -> "./opt/minkms/lib/" + p.getFileName())
              .sorted()
              .toList();
      List<String> debJars =
          entries.keySet().stream()
              .filter(e -> e.startsWith("./opt/minkms/lib/") && !e.equals("./opt/minkms/lib/"))
              .sorted()
              .toList();
      assertEquals(distJars, debJars);
    }
    Exec.Result conffiles =
        Exec.run(
            List.of(
                "sh",
                "-c",
                "dpkg-deb --ctrl-tarfile \"$1\" | tar -xOf - ./conffiles",
                "sh",
                deb.toString()),
            Map.of());
    assertEquals(
        "/etc/default/minkms\n/etc/minkms/config.yaml\n", conffiles.stdout(), conffiles.describe());
  }

  private static Exec.Result dpkg(String... args) throws Exception {
    List<String> command = new ArrayList<>(List.of("dpkg"));
    command.addAll(List.of(args));
    return Exec.run(command, Map.of("DEBIAN_FRONTEND", "noninteractive"));
  }

  private static boolean installed() throws Exception {
    Exec.Result status = Exec.run(List.of("dpkg-query", "-W", "-f=${Status}", "minkms"), Map.of());
    return status.exitCode() == 0 && !status.stdout().contains("not-installed");
  }

  private static String getent(String database, String key) throws Exception {
    Exec.Result result = Exec.run(List.of("getent", database, key), Map.of());
    return result.exitCode() == 0 ? result.stdout().strip() : "";
  }

  @Test
  void installRemovePurge() throws Exception {
    Assumptions.assumeTrue("root".equals(System.getProperty("user.name")), "dpkg -i needs root");
    Assumptions.assumeTrue(OpsPaths.onPath("dpkg").isPresent(), "dpkg not found");
    Assumptions.assumeFalse(
        installed(),
        "a minkms package is installed on this machine: this test does not "
            + "touch it (remove it with `dpkg -P minkms` to run the test)");
    boolean volumeExisted = Files.exists(VOLUME, LinkOption.NOFOLLOW_LINKS);
    try {
      Exec.Result install = dpkg("--force-confdef", "--force-confold", "-i", deb.toString());
      assertEquals(0, install.exitCode(), install.describe());
      assertTrue(install.stdout().contains("minkms installed. To run a node:"), install.describe());

      Exec.Result status =
          Exec.run(List.of("dpkg-query", "-W", "-f=${Status} ${Version}", "minkms"), Map.of());
      assertEquals("install ok installed " + version, status.stdout());

      assertEquals(LAUNCHER, Files.readSymbolicLink(LINK));
      Exec.Result minkms = Exec.run(List.of(LINK.toString(), "--version"), Map.of());
      assertEquals(0, minkms.exitCode(), minkms.describe());
      assertTrue(minkms.stdout().startsWith("minkms version "), minkms.describe());

      // system user and group, no login, no home
      String passwd = getent("passwd", SERVICE_USER);
      String[] p = passwd.split(":");
      assertEquals(7, p.length, passwd);
      assertTrue(Integer.parseInt(p[2]) < 1000, "a system uid: " + passwd);
      assertEquals("/nonexistent", p[5]);
      assertEquals("/usr/sbin/nologin", p[6]);
      assertEquals(p[3], getent("group", SERVICE_USER).split(":")[2], "primary group minkms-user");

      assertEquals(
          Files.readString(OpsPaths.ops("systemd/minkms.service")),
          Files.readString(UNIT),
          "the unit of ops/ (rebuild the package if ops/ changed)");
      assertEquals(
          Files.readString(OpsPaths.ops("deb/etc/default/minkms")), Files.readString(ENV_FILE));
      assertEquals(
          "rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(ENV_FILE)));
      assertEquals(
          Files.readString(OpsPaths.ops("deb/etc/minkms/config.yaml")), Files.readString(CONFIG));

      assertDirectory(Path.of("/etc/minkms/certs"), "root", SERVICE_USER, "rwxr-x---");
      assertDirectory(Path.of("/etc/minkms/certs/CAs"), "root", SERVICE_USER, "rwxr-x---");
      if (!volumeExisted) {
        assertDirectory(VOLUME, SERVICE_USER, SERVICE_USER, "rwx------");
      }

      assertTrue(Files.isRegularFile(Path.of("/usr/share/man/man1/minkms.1.gz")));
      Exec.Result man =
          Exec.run(
              List.of("sh", "-c", "gzip -dc /usr/share/man/man1/minkms.1.gz | head -n 1"),
              Map.of());
      assertTrue(man.stdout().startsWith(".TH MINKMS 1"), man.describe());
      assertTrue(
          Files.isRegularFile(Path.of("/opt/minkms/lib/minkms-cli.jsa")),
          "postinst made the CDS archive");
      Exec.Result fast = Exec.run(List.of(LINK.toString(), "version"), Map.of());
      assertEquals(0, fast.exitCode(), fast.describe());
      assertEquals("", fast.stderr(), "the archive is used silently");

      // data the node would leave behind, owned by the service user
      Assumptions.assumeFalse(
          volumeExisted, VOLUME + " existed before: the purge part does not touch it");
      Path keptKey = Path.of("/etc/minkms/certs/private.key");
      Path keptDb = VOLUME.resolve("kms.db");
      Files.writeString(keptKey, "key");
      Files.writeString(keptDb, "db");
      Exec.run(
          List.of(
              "chown", SERVICE_USER + ":" + SERVICE_USER, keptKey.toString(), keptDb.toString()),
          Map.of());

      // remove: program and unit gone, conffiles and user kept
      Exec.Result remove = dpkg("-r", "minkms");
      assertEquals(0, remove.exitCode(), remove.describe());
      assertFalse(Files.exists(LINK, LinkOption.NOFOLLOW_LINKS));
      assertFalse(Files.exists(Path.of("/opt/minkms")));
      assertFalse(Files.exists(UNIT));
      assertTrue(Files.exists(ENV_FILE));
      assertTrue(Files.exists(CONFIG));
      assertFalse(getent("passwd", SERVICE_USER).isEmpty(), "user kept on remove");

      // purge: conffiles, user, group and empty certificate directories gone; data kept
      Exec.Result purge = dpkg("-P", "minkms");
      assertEquals(0, purge.exitCode(), purge.describe());
      assertFalse(installed());
      assertFalse(Files.exists(ENV_FILE));
      assertFalse(Files.exists(CONFIG));
      assertTrue(Files.exists(keptKey), "certificates and keys are never deleted by the package");
      assertEquals("", getent("passwd", SERVICE_USER));
      assertEquals("", getent("group", SERVICE_USER));
      assertTrue(Files.isDirectory(VOLUME), "the data directory is never deleted by the package");
      // kept data handed to root before the uid/gid are freed, and the operator told
      for (Path kept : List.of(keptKey, keptDb, VOLUME)) {
        PosixFileAttributes attributes =
            Files.readAttributes(kept, PosixFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
        assertEquals("root", attributes.owner().getName(), kept.toString());
        assertEquals("root", attributes.group().getName(), kept.toString());
      }
      assertTrue(
          purge.stderr().contains("minkms: kept the data directory " + VOLUME), purge.describe());
      assertTrue(purge.stderr().contains("minkms: kept /etc/minkms/certs"), purge.describe());
      Files.delete(keptKey);
      Files.delete(keptDb);
      for (Path dir :
          List.of(
              Path.of("/etc/minkms/certs/CAs"),
              Path.of("/etc/minkms/certs"),
              Path.of("/etc/minkms"))) {
        Files.deleteIfExists(dir);
      }
    } finally {
      if (installed()) {
        dpkg("-P", "minkms");
      }
      Files.deleteIfExists(VOLUME.resolve("kms.db"));
      if (!volumeExisted && Files.isDirectory(VOLUME, LinkOption.NOFOLLOW_LINKS)) {
        try (var entries = Files.list(VOLUME)) {
          if (entries.findAny().isEmpty()) {
            Files.delete(VOLUME);
          }
        }
      }
    }
  }

  private static void assertDirectory(Path dir, String owner, String group, String mode)
      throws Exception {
    PosixFileAttributes attributes =
        Files.readAttributes(dir, PosixFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
    assertTrue(attributes.isDirectory(), dir + " is a directory");
    assertEquals(
        owner + ":" + group + " " + mode,
        attributes.owner().getName()
            + ":"
            + attributes.group().getName()
            + " "
            + PosixFilePermissions.toString(attributes.permissions()),
        dir.toString());
  }
}
