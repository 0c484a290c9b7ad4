package io.openkms.http.client;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.openkms.http.proto.CreateKeyRequest;
import io.openkms.http.tls.CertifiedKey;
import io.openkms.http.tls.ClientCertificate;
import io.openkms.http.tls.Identities;
import io.openkms.http.tls.TestKeys;
import java.net.http.HttpClient;
import java.security.KeyPair;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Server checks, --insecure and client certificates of the client (docs/PROTOCOL.md §1, §2.3). */
class KmsClientTlsTest {

  private static final CreateKeyRequest CREATE = CreateKeyRequest.newBuilder().setName("k").build();

  @Test
  void hostNameIsCheckedUnlessInsecure() throws Exception {
    CertifiedKey wrongName =
        ClientFixtures.CA.issueNode(
            TestKeys.ec("secp256r1"), List.of("elsewhere.example"), Duration.ofDays(1));
    try (TestHttpsServer server =
        new TestHttpsServer(wrongName, r -> TestHttpsServer.Answer.of(200, null, null))) {
      KmsClient strict = ClientFixtures.client(0, server.host()).build();
      KmsTransportException e =
          assertThrows(KmsTransportException.class, () -> strict.createKey("e", CREATE));
      assertTrue(
          e.getMessage().contains("No subject alternative names matching IP address 127.0.0.1"),
          e.getMessage());
      assertEquals(0, server.requests().size());

      KmsClient insecure =
          KmsClient.builder()
              .endpoints(server.host())
              .apiKey(ClientFixtures.apiKey())
              .insecure(true)
              .build();
      insecure.createKey("e", CREATE);
      assertEquals(1, server.requests().size());
      assertEquals(ClientFixtures.IDENTITY, server.requests().get(0).identity());
    }
  }

  @Test
  void systemTrustStoreRefusesATestCa() throws Exception {
    try (TestHttpsServer server =
        new TestHttpsServer(
            ClientFixtures.loopbackNode(), r -> TestHttpsServer.Answer.of(200, null, null))) {
      KmsClient client =
          KmsClient.builder()
              .endpoints("https://" + server.host())
              .apiKey(ClientFixtures.apiKey())
              .build();
      KmsTransportException e =
          assertThrows(KmsTransportException.class, () -> client.createKey("e", CREATE));
      assertTrue(
          e.getMessage()
              .endsWith(
                  ": TLS failed: SunCertPathBuilderException: unable to find valid certification path to requested target"),
          e.getMessage());
    }
  }

  @Test
  void ecApiKeyAndExplicitCertificate() throws Exception {
    try (TestHttpsServer server =
        new TestHttpsServer(
            ClientFixtures.loopbackNode(), r -> TestHttpsServer.Answer.of(200, null, null))) {
      KeyPair ec = TestKeys.ec("secp384r1");
      KmsClient client = ClientFixtures.client(0, server.host()).apiKey(ec).build();
      client.createKey("e", CREATE);
      assertEquals(Identities.of(ec.getPublic()), server.requests().get(0).identity());
      assertEquals(
          "CN=" + client.identity(), client.certificate().getSubjectX500Principal().getName());

      KeyPair ed = TestKeys.ed25519();
      var cert = ClientCertificate.of(ed, "any name");
      KmsClient explicit =
          ClientFixtures.client(0, server.host())
              .clientCertificate(ed, cert)
              .httpVersion(HttpClient.Version.HTTP_1_1)
              .build();
      explicit.createKey("e", CREATE);
      assertEquals(Identities.of(ed.getPublic()), server.requests().get(1).identity());
      assertEquals(cert, explicit.certificate());
    }
  }

  @Test
  void builderNeedsAKey() {
    assertEquals(
        "an API key or a client certificate is required",
        assertThrows(IllegalStateException.class, () -> KmsClient.builder().build()).getMessage());
  }

  @Test
  void defaultEndpoint() throws Exception {
    assertEquals(
        List.of("127.0.0.1:7373"),
        KmsClient.builder().apiKey(ClientFixtures.apiKey()).build().endpoints());
    assertEquals(
        List.of("a:7373", "b:7000"),
        KmsClient.builder()
            .endpoints("https://a", "b:7000")
            .apiKey(ClientFixtures.apiKey())
            .build()
            .endpoints());
  }
}
