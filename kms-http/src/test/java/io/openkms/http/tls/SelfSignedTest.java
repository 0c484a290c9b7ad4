package io.openkms.http.tls;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Self-signed server certificates. */
class SelfSignedTest {

  private static final String SAN = "2.5.29.17";
  private static final String SERVER_AUTH = "1.3.6.1.5.5.7.3.1";

  @Test
  void serverCertificateHasSansAndServerAuth() throws Exception {
    KeyPair keys = TestKeys.ec("secp256r1");
    Instant start = Instant.now();
    X509Certificate cert =
        SelfSigned.serverCertificate(
            keys, List.of("node1.example", "10.0.0.1", "::1", "[fe80::1]"), Duration.ofDays(30));
    cert.verify(keys.getPublic());
    assertEquals("CN=node1.example", cert.getSubjectX500Principal().getName());
    assertEquals(
        List.of(
            List.of(2, "node1.example"),
            List.of(7, "10.0.0.1"),
            List.of(7, "0:0:0:0:0:0:0:1"),
            List.of(7, "fe80:0:0:0:0:0:0:1")),
        cert.getSubjectAlternativeNames().stream().map(List::copyOf).toList());
    assertEquals(List.of(SERVER_AUTH), cert.getExtendedKeyUsage());
    assertEquals(-1, cert.getBasicConstraints());
    boolean[] usage = cert.getKeyUsage();
    assertTrue(usage[0]);
    assertEquals(false, usage[2]);
    Duration window =
        Duration.between(cert.getNotBefore().toInstant(), cert.getNotAfter().toInstant());
    assertTrue(
        window.compareTo(Duration.ofDays(30).plusMinutes(5).minusSeconds(2)) >= 0
            && window.compareTo(Duration.ofDays(30).plusMinutes(5)) <= 0,
        window.toString());
    assertTrue(cert.getNotBefore().toInstant().isBefore(start.minus(Duration.ofMinutes(4))));
  }

  @Test
  void rsaServerCertificateAlsoAllowsKeyEncipherment() throws Exception {
    KeyPairGenerator rsa = KeyPairGenerator.getInstance("RSA");
    rsa.initialize(2048);
    KeyPair keys = rsa.generateKeyPair();
    X509Certificate cert = SelfSigned.serverCertificate(keys, List.of(), Duration.ofDays(1));
    assertEquals("CN=minkms", cert.getSubjectX500Principal().getName());
    assertEquals("SHA256withRSA", cert.getSigAlgName());
    assertTrue(cert.getKeyUsage()[2]);
    assertNull(cert.getSubjectAlternativeNames());
    assertTrue(!cert.getNonCriticalExtensionOIDs().contains(SAN));
  }

  @Test
  void serverCertificateNeedsPositiveValidity() throws Exception {
    KeyPair keys = TestKeys.ec("secp256r1");
    assertEquals(
        "validity must be positive: PT0S",
        assertThrows(
                IllegalArgumentException.class,
                () -> SelfSigned.serverCertificate(keys, List.of("a"), Duration.ZERO))
            .getMessage());
    assertThrows(
        IllegalArgumentException.class,
        () -> SelfSigned.serverCertificate(keys, List.of("a"), Duration.ofDays(-1)));
  }
}
