package io.openkms.cli.node;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.openkms.http.tls.CertifiedKey;
import io.openkms.http.tls.Pem;
import io.openkms.http.tls.TestCa;
import io.openkms.kms.crypto.ApiKey;
import io.openkms.persistence.HsmKey;
import java.net.http.HttpClient;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import javax.net.ssl.SSLHandshakeException;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * A node with the certificate of the config file ({@code tls.certs}, docs/REFERENCE.md §3.2,
 * deployment guide step 2), issued by a test CA: a client that trusts only that CA connects with
 * TLS 1.2 and 1.3, over HTTP/1.1 and HTTP/2 (ALPN); a client that trusts another CA does not; the
 * banner has no self-signed line. One node for the whole class.
 */
@Tag("process")
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class TlsProcessTest {

  @TempDir static Path tmp;

  private final String hsmKey = HsmKey.generate().toString();
  private final ApiKey rootKey = Nodes.rootApiKey(hsmKey);
  private final TestCa ca = TestCa.create("minkms process-test CA");
  private NodeAddress address;
  private MinkmsProcess node;

  @BeforeAll
  void startWithCaCertificate() throws Exception {
    address = NodeAddress.next();
    CertifiedKey cert =
        ca.issueNode(TestCa.generateEcKeyPair(), List.of(address.host()), Duration.ofDays(1));
    Path certs = Files.createDirectories(tmp.resolve("etc/certs"));
    Path key =
        Files.writeString(
            certs.resolve("private.key"), Pem.encodePrivateKey(cert.keyPair().getPrivate()));
    Path crt = Files.writeString(certs.resolve("public.crt"), Pem.encodeCertificates(cert.chain()));
    Path config =
        Files.writeString(tmp.resolve("config.yaml"), BadStartProcessTest.tlsConfig(key, crt));
    Path dir = tmp.resolve("volume");
    node = Nodes.start(dir, address, hsmKey, "--config", config.toString());
    String out = node.awaitUp();
    assertEquals(
        Nodes.banner(
            Nodes.distributionRelease(),
            Nodes.clusterId(out),
            address,
            rootKey.toString(),
            Optional.empty()),
        out);
    assertTrue(Files.notExists(dir.resolve("certs")), "no self-signed certificate with tls.certs");
  }

  @AfterAll
  void stop() throws Exception {
    if (node == null) {
      return;
    }
    try (MinkmsProcess p = node) {
      p.signal(MinkmsProcess.Signal.TERM);
      assertEquals(0, p.awaitExit(NodeLifecycleProcessTest.STOP_TIMEOUT), p.describe());
    }
  }

  @ParameterizedTest
  @CsvSource({"TLSv1.2, HTTP_1_1", "TLSv1.2, HTTP_2", "TLSv1.3, HTTP_1_1", "TLSv1.3, HTTP_2"})
  void clientTrustingOnlyTheCaConnects(String tls, HttpClient.Version http) throws Exception {
    HttpClient client = Nodes.httpClient(rootKey, ca.trustStore(), tls, http);
    HttpResponse<String> response = Nodes.getVersion(client, address);
    assertEquals(200, response.statusCode(), response.body());
    assertEquals(http, response.version());
    assertEquals(tls, response.sslSession().orElseThrow().getProtocol());
    assertEquals(ca.certificate(), response.sslSession().orElseThrow().getPeerCertificates()[1]);
  }

  @ParameterizedTest
  @CsvSource({"TLSv1.3, HTTP_2"})
  void clientTrustingAnotherCaIsRefused(String tls, HttpClient.Version http) {
    HttpClient client =
        Nodes.httpClient(rootKey, TestCa.create("another CA").trustStore(), tls, http);
    assertThrows(SSLHandshakeException.class, () -> Nodes.getVersion(client, address));
  }
}
