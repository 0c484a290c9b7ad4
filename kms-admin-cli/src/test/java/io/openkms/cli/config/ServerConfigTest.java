package io.openkms.cli.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.openkms.cli.CliException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * {@link ServerConfig#load}: the schema of docs/REFERENCE.md §3.2 plus our store/cluster sections.
 */
class ServerConfigTest {
  private static final String DIR = "src/test/resources/config/";
  private static final Map<String, String> NO_ENV = Map.of();

  private static ServerConfig load(String name, Map<String, String> env) throws ConfigException {
    return ServerConfig.load(Path.of(DIR + name), env);
  }

  @Test
  void deploymentGuideExample() throws Exception {
    ServerConfig config = load("guide-example.yaml", NO_ENV);
    assertEquals(
        new ServerConfig(
            Optional.empty(),
            Duration.ZERO,
            new TlsConfig(
                List.of(
                    new CertKeyPair(
                        Path.of("/etc/minkms/certs/private.key"),
                        Path.of("/etc/minkms/certs/public.crt"))),
                Optional.of(Path.of("/etc/minkms/certs/CAs"))),
            StoreSettings.H2,
            ClusterConfig.DEFAULT,
            LimitsConfig.DEFAULT,
            List.of()),
        config);
  }

  @Test
  void everySection() throws Exception {
    ServerConfig config =
        load("full.yaml", Map.of("DB_HOST", "db.example.net", "MINKMS_DB_PASSWORD", "s3cr$t\\1"));
    assertEquals(
        Optional.of("h1:FALvKoL5sB2mfvXrbheZ8tgKjIJZ60gN-VH9TcfK7Q0"), config.adminIdentity());
    assertEquals(Duration.ofMillis(90_500), config.heartbeat());
    assertEquals(
        new TlsConfig(
            List.of(
                new CertKeyPair(
                    Path.of("/etc/minkms/certs/private.key"),
                    Path.of("/etc/minkms/certs/public.crt")),
                new CertKeyPair(Path.of("certs/second.key"), Path.of("certs/second.crt"))),
            Optional.of(Path.of("/etc/minkms/certs/CAs"))),
        config.tls());
    assertEquals(
        new StoreSettings(
            StoreSettings.Kind.POSTGRES,
            Optional.of("jdbc:postgresql://db.example.net:5432/minkms"),
            Optional.of("minkms"),
            Optional.of("s3cr$t\\1"),
            Optional.of("node_0")),
        config.store());
    assertEquals(new ClusterConfig(OptionalInt.of(7474)), config.cluster());
    assertEquals(7474, config.cluster().portFor(7373));
    assertEquals(
        List.of(
            "config file "
                + DIR
                + "full.yaml: the 'hsm' section is ignored: this build supports only"
                + " the software HSM key (MINIO_KMS_HSM_KEY)"),
        config.warnings());
  }

  @Test
  void maxChangeSizeInBytesOrKibibytes() throws Exception {
    assertEquals(new LimitsConfig(64 << 10), load("limits-change-size-kib.yaml", NO_ENV).limits());
    assertEquals(LimitsConfig.DEFAULT, load("minimal.yaml", NO_ENV).limits());
    assertEquals(131072, LimitsConfig.DEFAULT.maxChangeBytes());
  }

  @Test
  void quotasOverrideTheirDefaultsKeyByKey() throws Exception {
    io.openkms.kms.domain.Quotas d = io.openkms.kms.domain.Quotas.DEFAULT;
    assertEquals(
        new LimitsConfig(
            LimitsConfig.DEFAULT_MAX_CHANGE_BYTES,
            new io.openkms.kms.domain.Quotas(
                d.enclaves(),
                50,
                7,
                d.policiesPerEnclave(),
                d.identitiesPerEnclave(),
                d.patternsPerPolicy(),
                d.patternLength(),
                d.tagsPerIdentity(),
                12,
                1L << 30,
                99,
                5)),
        load("limits-quotas.yaml", NO_ENV).limits());
    assertEquals(d, load("minimal.yaml", NO_ENV).limits().quotas());
  }

  @Test
  void flatTlsFormOfTheHelmChart() throws Exception {
    ServerConfig config = load("flat-tls.yaml", NO_ENV);
    assertEquals(Duration.ofMillis(500), config.heartbeat());
    assertEquals(
        new TlsConfig(
            List.of(
                new CertKeyPair(
                    Path.of("/etc/minkms/private.key"), Path.of("/etc/minkms/public.crt"))),
            Optional.of(Path.of("/etc/minkms/CAs"))),
        config.tls());
  }

  @Test
  void minimalAndEmptySectionsGiveTheDefaults() throws Exception {
    assertEquals(ServerConfig.defaults(), load("minimal.yaml", NO_ENV));
    assertEquals(ServerConfig.defaults(), load("explicit-defaults.yaml", NO_ENV));
    assertEquals(ServerConfig.defaults(), load("heartbeat-zero.yaml", NO_ENV));
    assertEquals(7374, ServerConfig.defaults().cluster().portFor(7373));
  }

  @Test
  void logAndApiSections() throws Exception {
    ServerConfig config = load("log-audit-file.yaml", NO_ENV);
    assertEquals(
        new LogConfig(
            false,
            new LogConfig.Audit(
                true, Optional.of(Path.of("/var/log/minkms/audit.log")), 10L << 20, 5, 500, true)),
        config.log());
    assertEquals(new ApiConfig(true), config.api());
    ServerConfig kes = load("log-audit-kes.yaml", NO_ENV);
    assertEquals(new LogConfig(true, LogConfig.Audit.STDOUT), kes.log());
    assertEquals(ApiConfig.DEFAULT, kes.api());
    assertEquals(LogConfig.DEFAULT, ServerConfig.defaults().log());
    assertEquals(false, ServerConfig.defaults().log().audit().enabled());
  }

  @Test
  void storeUserAndPasswordFromTheEnvironmentOverrideTheFile() throws Exception {
    StoreSettings fromFile = load("store-postgres-plain.yaml", NO_ENV).store();
    assertEquals(Optional.of("file-user"), fromFile.user());
    assertEquals(Optional.of("file-password"), fromFile.password());
    StoreSettings overridden =
        load(
                "store-postgres-plain.yaml",
                Map.of(
                    "MINIO_KMS_STORE_USER", "env-user", "MINIO_KMS_STORE_PASSWORD", "env-password"))
            .store();
    assertEquals(Optional.of("env-user"), overridden.user());
    assertEquals(Optional.of("env-password"), overridden.password());
    StoreSettings emptyEnv =
        load(
                "store-postgres-plain.yaml",
                Map.of("MINIO_KMS_STORE_USER", "", "MINIO_KMS_STORE_PASSWORD", ""))
            .store();
    assertEquals(fromFile, emptyEnv);
  }

  @Test
  void storeToStringHidesThePassword() throws Exception {
    assertEquals(
        "StoreSettings[kind=postgres, url=jdbc:postgresql://db/minkms, user=file-user, password=***, schema=]",
        load("store-postgres-plain.yaml", NO_ENV).store().toString());
  }

  @ParameterizedTest(name = "{0}")
  @CsvSource(
      delimiter = '|',
      quoteCharacter = '"',
      textBlock =
          """
            does-not-exist.yaml       | cannot read config file src/test/resources/config/does-not-exist.yaml: no such file
            unparsable-flow.yaml      | cannot parse config file src/test/resources/config/unparsable-flow.yaml: line 4:1: expected the node content, but found '<stream end>'
            unparsable-mapping.yaml   | cannot parse config file src/test/resources/config/unparsable-mapping.yaml: line 3:9: mapping values are not allowed here
            duplicate-key.yaml        | cannot parse config file src/test/resources/config/duplicate-key.yaml: line 3:1: found duplicate key heartbeat
            java-tag.yaml             | cannot parse config file src/test/resources/config/java-tag.yaml: line 2:8: Global tag is not allowed: tag:yaml.org,2002:javax.script.ScriptEngineManager
            two-documents.yaml        | cannot parse config file src/test/resources/config/two-documents.yaml: line 2:1: expected a single document in the stream, but found another document
            unknown-top.yaml          | config file src/test/resources/config/unknown-top.yaml: unknown key 'foo'
            unknown-tls.yaml          | config file src/test/resources/config/unknown-tls.yaml: unknown key 'tls.foo'
            unknown-cert-entry.yaml   | config file src/test/resources/config/unknown-cert-entry.yaml: unknown key 'tls.certs[0].password'
            unknown-nonstring.yaml    | config file src/test/resources/config/unknown-nonstring.yaml: unknown key '1'
            version-v2.yaml           | config file src/test/resources/config/version-v2.yaml: unsupported version 'v2' (expected v1)
            version-v2-unknown-key.yaml | config file src/test/resources/config/version-v2-unknown-key.yaml: unsupported version 'v2' (expected v1)
            version-missing.yaml      | config file src/test/resources/config/version-missing.yaml: missing version (expected v1)
            version-number.yaml       | config file src/test/resources/config/version-number.yaml: unsupported version '1' (expected v1)
            empty.yaml                | config file src/test/resources/config/empty.yaml: missing version (expected v1)
            top-list.yaml             | config file src/test/resources/config/top-list.yaml: the top level must be a map
            admin-not-map.yaml        | config file src/test/resources/config/admin-not-map.yaml: 'admin' must be a map
            identity-not-string.yaml  | config file src/test/resources/config/identity-not-string.yaml: 'admin.identity' must be a string
            identity-bad-prefix.yaml  | config file src/test/resources/config/identity-bad-prefix.yaml: invalid admin.identity 'h2:FALvKoL5sB2mfvXrbheZ8tgKjIJZ60gN-VH9TcfK7Q0': expected h1: followed by 43 characters
            identity-bad-length.yaml  | config file src/test/resources/config/identity-bad-length.yaml: invalid admin.identity 'h1:FALvKoL5sB2mfvXrbheZ8tgKjIJZ60gN': expected h1: followed by 43 characters
            heartbeat-bad.yaml        | config file src/test/resources/config/heartbeat-bad.yaml: invalid heartbeat '5 parsecs': not a duration (examples: 500ms, 1s, 0)
            heartbeat-negative.yaml   | config file src/test/resources/config/heartbeat-negative.yaml: invalid heartbeat '-1s': must not be negative
            heartbeat-no-unit.yaml    | config file src/test/resources/config/heartbeat-no-unit.yaml: invalid heartbeat '500': missing unit (examples: 500ms, 1s, 0)
            heartbeat-list.yaml       | config file src/test/resources/config/heartbeat-list.yaml: 'heartbeat' must be a duration
            tls-not-map.yaml          | config file src/test/resources/config/tls-not-map.yaml: 'tls' must be a map
            certs-not-list.yaml       | config file src/test/resources/config/certs-not-list.yaml: 'tls.certs' must be a list
            cert-entry-not-map.yaml   | config file src/test/resources/config/cert-entry-not-map.yaml: 'tls.certs[0]' must be a map
            cert-missing-key.yaml     | config file src/test/resources/config/cert-missing-key.yaml: 'tls.certs[0].key' is required
            flat-missing-cert.yaml    | config file src/test/resources/config/flat-missing-cert.yaml: 'tls.cert' is required
            tls-both-forms.yaml       | config file src/test/resources/config/tls-both-forms.yaml: use either 'tls.certs' or 'tls.key' and 'tls.cert', not both
            tls-empty-ca.yaml         | config file src/test/resources/config/tls-empty-ca.yaml: 'tls.ca' must not be empty
            cluster-port-string.yaml  | config file src/test/resources/config/cluster-port-string.yaml: 'cluster.port' must be an integer
            cluster-port-range.yaml   | config file src/test/resources/config/cluster-port-range.yaml: invalid cluster.port 70000: expected 1 to 65535
            cluster-port-zero.yaml    | config file src/test/resources/config/cluster-port-zero.yaml: invalid cluster.port 0: expected 1 to 65535
            limits-change-size-range.yaml | config file src/test/resources/config/limits-change-size-range.yaml: invalid limits.max_change_size 300000: expected 1 to 196608 bytes (192KiB)
            limits-change-size-unit.yaml | config file src/test/resources/config/limits-change-size-unit.yaml: invalid limits.max_change_size '2GB': expected bytes, e.g. 131072 or 128KiB
            limits-quota-zero.yaml    | config file src/test/resources/config/limits-quota-zero.yaml: invalid limits.keys_per_enclave 0: expected 1 to 2147483647
            limits-quota-type.yaml    | config file src/test/resources/config/limits-quota-type.yaml: 'limits.versions_per_key' must be an integer
            limits-unknown.yaml       | config file src/test/resources/config/limits-unknown.yaml: unknown key 'limits.keys'
            store-not-map.yaml        | config file src/test/resources/config/store-not-map.yaml: 'store' must be a map
            store-kind-bad.yaml       | config file src/test/resources/config/store-kind-bad.yaml: unsupported store.kind 'mysql' (expected h2 or postgres)
            store-url-missing.yaml    | config file src/test/resources/config/store-url-missing.yaml: 'store.url' is required with store.kind postgres
            store-url-bad.yaml        | config file src/test/resources/config/store-url-bad.yaml: invalid store.url: expected jdbc:postgresql://HOST[:PORT]/DATABASE
            store-h2-with-url.yaml    | config file src/test/resources/config/store-h2-with-url.yaml: 'store.url' is only valid with store.kind postgres
            store-schema-bad.yaml     | config file src/test/resources/config/store-schema-bad.yaml: invalid store.schema 'node-0': expected at most 63 letters, digits and _, not starting with a digit
            store-env-missing.yaml    | config file src/test/resources/config/store-env-missing.yaml: environment variable 'NOT_SET_ANYWHERE' in 'store.password' is not set
            store-password-number.yaml | config file src/test/resources/config/store-password-number.yaml: 'store.password' must be a string
            log-audit-bad-size.yaml   | config file src/test/resources/config/log-audit-bad-size.yaml: invalid log.audit.max_file_size '10MB': expected a size such as 100MiB (B, KiB, MiB, GiB)
            log-audit-unknown.yaml    | config file src/test/resources/config/log-audit-unknown.yaml: unknown key 'log.audit.rotate'
            log-error-bad.yaml        | config file src/test/resources/config/log-error-bad.yaml: invalid log.error 'maybe': expected on or off
            log-audit-queue-zero.yaml | config file src/test/resources/config/log-audit-queue-zero.yaml: invalid log.audit.queue 0: expected 1 to 1000000
            api-unknown-path.yaml     | config file src/test/resources/config/api-unknown-path.yaml: unknown key 'api./v1/metrics'
            api-unknown-key.yaml      | config file src/test/resources/config/api-unknown-key.yaml: unknown key 'api./v1/health/metrics.timeout'
            """)
  void rejectsWithOneLineMessage(String file, String message) {
    ConfigException e = assertThrows(ConfigException.class, () -> load(file, NO_ENV));
    assertEquals(message, e.getMessage());
    assertEquals(CliException.FAILURE, e.exitCode());
  }

  @Test
  void directoryIsNotAConfigFile(@TempDir Path dir) {
    ConfigException e = assertThrows(ConfigException.class, () -> ServerConfig.load(dir, NO_ENV));
    assertEquals("cannot read config file " + dir + ": is a directory", e.getMessage());
  }

  @Test
  void nonUtf8FileIsRejected(@TempDir Path dir) throws Exception {
    Path file = dir.resolve("latin1.yaml");
    Files.write(file, new byte[] {'v', 'e', 'r', 's', 'i', 'o', 'n', ':', ' ', (byte) 0xE9, '\n'});
    ConfigException e = assertThrows(ConfigException.class, () -> ServerConfig.load(file, NO_ENV));
    assertEquals("cannot read config file " + file + ": not UTF-8 text", e.getMessage());
  }

  @Test
  void fileOverOneMebibyteIsRejected(@TempDir Path dir) throws Exception {
    Path file = dir.resolve("huge.yaml");
    Files.writeString(file, "version: v1\n" + "#".repeat(1 << 20) + "\n");
    ConfigException e = assertThrows(ConfigException.class, () -> ServerConfig.load(file, NO_ENV));
    assertEquals("cannot read config file " + file + ": larger than 1 MiB", e.getMessage());
  }

  @Test
  void aliasBombIsRejected(@TempDir Path dir) throws Exception {
    StringBuilder yaml = new StringBuilder("version: v1\na0: &a0 [x, x]\n");
    for (int i = 1; i <= 60; i++) {
      yaml.append("a")
          .append(i)
          .append(": &a")
          .append(i)
          .append(" [*a")
          .append(i - 1)
          .append(", *a")
          .append(i - 1)
          .append("]\n");
    }
    Path file = dir.resolve("bomb.yaml");
    Files.writeString(file, yaml);
    ConfigException e = assertThrows(ConfigException.class, () -> ServerConfig.load(file, NO_ENV));
    assertEquals(
        "cannot parse config file "
            + file
            + ": Number of aliases for non-scalar nodes exceeds the specified max=50",
        e.getMessage());
  }
}
