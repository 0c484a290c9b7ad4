package io.openkms.http.tls;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.security.KeyStore;
import java.security.cert.CertPathValidator;
import java.security.cert.CertificateFactory;
import java.security.cert.PKIXParameters;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The test certificate authority. */
class TestCaTest {

  @Test
  void caCertificate() throws Exception {
    TestCa ca = TestCa.create("minkms test CA");
    X509Certificate cert = ca.certificate();
    assertEquals("CN=minkms test CA", cert.getSubjectX500Principal().getName());
    assertEquals(cert.getSubjectX500Principal(), cert.getIssuerX500Principal());
    assertEquals(Integer.MAX_VALUE, cert.getBasicConstraints());
    assertTrue(cert.getKeyUsage()[5], "keyCertSign");
    assertTrue(cert.getKeyUsage()[6], "cRLSign");
    assertEquals("SHA256withECDSA", cert.getSigAlgName());
    cert.verify(ca.keyPair().getPublic());
    KeyStore store = ca.trustStore();
    assertEquals(cert, store.getCertificate("ca"));
  }

  @Test
  void nodeCertificateValidatesAgainstTheCa() throws Exception {
    TestCa ca = TestCa.create("ca");
    CertifiedKey node =
        ca.issueNode(TestKeys.ed25519(), List.of("node1.example", "127.0.0.1"), Duration.ofDays(7));
    assertEquals(2, node.chain().size());
    assertEquals(ca.certificate(), node.chain().get(1));
    X509Certificate leaf = node.leaf();
    assertEquals("CN=node1.example", leaf.getSubjectX500Principal().getName());
    assertEquals(ca.certificate().getSubjectX500Principal(), leaf.getIssuerX500Principal());
    assertEquals(
        List.of(List.of(2, "node1.example"), List.of(7, "127.0.0.1")),
        leaf.getSubjectAlternativeNames().stream().map(List::copyOf).toList());
    assertEquals(List.of("1.3.6.1.5.5.7.3.1", "1.3.6.1.5.5.7.3.2"), leaf.getExtendedKeyUsage());
    assertEquals(-1, leaf.getBasicConstraints());
    assertEquals(node.keyPair().getPublic(), leaf.getPublicKey());

    PKIXParameters params = new PKIXParameters(ca.trustStore());
    params.setRevocationEnabled(false);
    CertPathValidator.getInstance("PKIX")
        .validate(CertificateFactory.getInstance("X.509").generateCertPath(List.of(leaf)), params);
  }

  @Test
  void nodeCertificateNeedsNamesAndValidity() throws Exception {
    TestCa ca = TestCa.create("ca");
    assertEquals(
        "a node certificate needs at least one host name or IP address",
        assertThrows(
                IllegalArgumentException.class,
                () -> ca.issueNode(TestKeys.ed25519(), List.of(), Duration.ofDays(1)))
            .getMessage());
    assertEquals(
        "validity must be positive: PT-24H",
        assertThrows(
                IllegalArgumentException.class,
                () -> ca.issueNode(TestKeys.ed25519(), List.of("a"), Duration.ofDays(-1)))
            .getMessage());
  }
}
