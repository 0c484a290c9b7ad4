package io.openkms.cli.ops;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.openkms.cli.config.CertKeyPair;
import io.openkms.cli.config.ServerConfig;
import io.openkms.cli.config.TlsConfig;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The files the Debian package ships from {@code ops/deb/}: the control file, the maintainer
 * scripts, the example {@code /etc/default/minkms} and {@code /etc/minkms/config.yaml} (the
 * deployment guide, step 2). The built package itself: {@link DebPackageTest}.
 */
class PackageFilesTest {

  /** The deployment guide's config.yaml, read by the server's own parser, with no warning. */
  @Test
  void exampleConfigIsTheGuidesAndParses() throws Exception {
    ServerConfig config = ServerConfig.load(OpsPaths.ops("deb/etc/minkms/config.yaml"), Map.of());
    assertEquals(
        new TlsConfig(
            List.of(
                new CertKeyPair(
                    Path.of("/etc/minkms/certs/private.key"),
                    Path.of("/etc/minkms/certs/public.crt"))),
            Optional.of(Path.of("/etc/minkms/certs/CAs"))),
        config.tls());
    assertEquals(Optional.empty(), config.adminIdentity());
    assertEquals(List.of(), config.warnings());
  }

  /** The active (uncommented) assignments of the environment file, in order. */
  private static Map<String, String> assignments(Path file) throws Exception {
    Map<String, String> values = new LinkedHashMap<>();
    for (String line : Files.readAllLines(file)) {
      if (line.isBlank() || line.startsWith("#")) {
        continue;
      }
      int eq = line.indexOf('=');
      assertTrue(eq > 0, "not NAME=VALUE: " + line);
      values.put(line.substring(0, eq), line.substring(eq + 1));
    }
    return values;
  }

  /**
   * Active: the volume and options; the HSM key only as a commented template, so that an unedited
   * file fails with "kms: no HSM provided" rather than with a made-up key.
   */
  @Test
  void environmentFileSettings() throws Exception {
    Path file = OpsPaths.ops("deb/etc/default/minkms");
    assertEquals(
        Map.of(
            "MINIO_KMS_VOLUME",
            "/mnt/minio-kms",
            "MINIO_KMS_OPTS",
            "\"--config /etc/minkms/config.yaml\""),
        assignments(file));
    List<String> lines = Files.readAllLines(file);
    assertTrue(lines.contains("#MINIO_KMS_HSM_KEY=hsm:aes256:KEYVALUE"), "HSM key template");
    assertTrue(
        lines.contains("#MINIO_KMS_OPTS=\"--host HOSTNAME:7373 --config /etc/minkms/config.yaml\""),
        "the guide's cluster line");
    assertTrue(
        lines.contains(
            "# Generate it once per cluster with `minkms --soft-hsm` and use the SAME key on every node"));
  }

  @Test
  void controlFields() throws Exception {
    Map<String, String> fields = new LinkedHashMap<>();
    for (String line : Files.readAllLines(OpsPaths.ops("deb/control/control"))) {
      if (!line.startsWith(" ")) {
        int colon = line.indexOf(':');
        fields.put(line.substring(0, colon), line.substring(colon + 1).strip());
      }
    }
    assertEquals("minkms", fields.get("Package"));
    assertEquals("[[version]]", fields.get("Version"), "the project version, filled in by jdeb");
    assertEquals("all", fields.get("Architecture"));
    assertEquals(
        "default-jre-headless (>= 2:1.17) | openjdk-17-jre-headless | java17-runtime-headless, adduser",
        fields.get("Depends"));
    assertEquals(
        List.of(
            "Package",
            "Version",
            "Section",
            "Priority",
            "Architecture",
            "Depends",
            "Maintainer",
            "Description"),
        List.copyOf(fields.keySet()));
  }

  @ParameterizedTest
  @ValueSource(strings = {"postinst", "prerm", "postrm"})
  void maintainerScriptsAreExecutableShellScripts(String name) throws Exception {
    Path script = OpsPaths.ops("deb/control/" + name);
    assertEquals("rwxr-xr-x", PosixFilePermissions.toString(Files.getPosixFilePermissions(script)));
    List<String> lines = Files.readAllLines(script);
    assertEquals("#!/bin/sh", lines.get(0));
    assertTrue(lines.contains("set -e"), name + " stops at the first failing command");
    assertEquals("exit 0", lines.get(lines.size() - 1));
  }
}
