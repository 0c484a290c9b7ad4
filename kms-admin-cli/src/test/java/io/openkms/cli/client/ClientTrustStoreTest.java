package io.openkms.cli.client;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.openkms.cli.CliException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.security.cert.X509Certificate;
import java.util.Collections;
import java.util.List;
import java.util.stream.Collectors;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@link ClientTrustStore}: JDK CAs plus $HOME/.minkms/certs/CAs (docs/REFERENCE.md §2.1). */
class ClientTrustStoreTest {
  private static final Path FIXTURES = Path.of("src/test/resources/certs");

  @TempDir Path home;

  private int jdkCount;

  @BeforeEach
  void countJdkCas() throws Exception {
    jdkCount = ClientTrustStore.load(home).size();
  }

  private Path casDir() throws Exception {
    return Files.createDirectories(home.resolve(".minkms/certs/CAs"));
  }

  private static List<String> ours(KeyStore store) throws Exception {
    return Collections.list(store.aliases()).stream()
        .filter(alias -> !alias.startsWith("jdk-"))
        .sorted()
        .collect(Collectors.toList());
  }

  @Test
  void withoutTheDirectoryOnlyTheJdkCas() throws Exception {
    KeyStore store = ClientTrustStore.load(home);
    assertTrue(jdkCount > 0, "the JDK ships CAs");
    assertEquals(List.of(), ours(store));
    assertEquals(home.resolve(".minkms/certs/CAs"), ClientTrustStore.casDirectory(home));
  }

  @Test
  void addsEveryCertificateOfEveryFile() throws Exception {
    Path dir = casDir();
    Files.copy(FIXTURES.resolve("ca-one.pem"), dir.resolve("ca-one.pem"));
    Files.copy(FIXTURES.resolve("two-cas.pem"), dir.resolve("two-cas.crt"));
    Files.writeString(dir.resolve(".hidden"), "not a certificate");
    Files.createDirectory(dir.resolve("subdir"));
    KeyStore store = ClientTrustStore.load(home);
    assertEquals(List.of("ca-one.pem-0", "two-cas.crt-0", "two-cas.crt-1"), ours(store));
    assertEquals(jdkCount + 3, store.size());
    assertEquals(
        "CN=minkms test CA one",
        ((X509Certificate) store.getCertificate("ca-one.pem-0"))
            .getSubjectX500Principal()
            .getName());
    assertEquals(
        "CN=minkms test CA two",
        ((X509Certificate) store.getCertificate("two-cas.crt-0"))
            .getSubjectX500Principal()
            .getName());
    assertEquals(
        "CN=minkms test CA three",
        ((X509Certificate) store.getCertificate("two-cas.crt-1"))
            .getSubjectX500Principal()
            .getName());
  }

  @Test
  void aFileWithoutCertificateIsAnError() throws Exception {
    Path bad = casDir().resolve("private.key");
    Files.writeString(bad, "-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n");
    CliException e = assertThrows(CliException.class, () -> ClientTrustStore.load(home));
    assertEquals("invalid CA certificate file " + bad + ": no certificate found", e.getMessage());
    assertEquals(CliException.FAILURE, e.exitCode());

    Files.writeString(bad, "");
    e = assertThrows(CliException.class, () -> ClientTrustStore.load(home));
    assertEquals("invalid CA certificate file " + bad + ": no certificate found", e.getMessage());
  }
}
