package io.openkms.http.tls;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.math.BigInteger;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Set;
import org.bouncycastle.asn1.ASN1UTF8String;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x500.style.BCStyle;
import org.junit.jupiter.api.Test;

/** The client certificate of docs/PROTOCOL.md §2.3, made without Bouncy Castle. */
class ClientCertificateTest {

  private static final String KU = "2.5.29.15";
  private static final String BC = "2.5.29.19";
  private static final String EKU = "2.5.29.37";
  private static final String CLIENT_AUTH = "1.3.6.1.5.5.7.3.2";

  @Test
  void clientCertificateIsTheGoTemplate() throws Exception {
    KeyPair keys = TestKeys.fromApiKey("k1:AqwjUvaWEE9O83quGOkiO_2D1x37Za9gE4L5UHdq0Ag");
    String id = "h1:FALvKoL5sB2mfvXrbheZ8tgKjIJZ60gN-VH9TcfK7Q0";
    Instant before = Instant.now().minusSeconds(1);
    X509Certificate cert = ClientCertificate.of(keys, id);
    Instant after = Instant.now();

    assertEquals("CN=" + id, cert.getSubjectX500Principal().getName());
    assertEquals("CN=" + id, cert.getIssuerX500Principal().getName());
    assertEquals("Ed25519", cert.getSigAlgName());
    assertEquals(3, cert.getVersion());
    cert.verify(keys.getPublic());
    assertEquals(keys.getPublic(), cert.getPublicKey());
    BigInteger serial = cert.getSerialNumber();
    assertTrue(serial.signum() >= 0 && serial.bitLength() <= 128);
    // NotBefore = now (whole seconds, not backdated), NotAfter = NotBefore + 90 days.
    Instant notBefore = cert.getNotBefore().toInstant();
    assertTrue(
        !notBefore.isBefore(before.truncatedTo(java.time.temporal.ChronoUnit.SECONDS))
            && !notBefore.isAfter(after),
        "notBefore " + notBefore);
    assertEquals(Duration.ofDays(90), Duration.between(notBefore, cert.getNotAfter().toInstant()));
    // KU digitalSignature only; EKU clientAuth only; CA=false.
    boolean[] usage = cert.getKeyUsage();
    assertTrue(usage[0]);
    for (int i = 1; i < usage.length; i++) {
      assertEquals(false, usage[i], "key usage bit " + i);
    }
    assertEquals(List.of(CLIENT_AUTH), cert.getExtendedKeyUsage());
    assertEquals(-1, cert.getBasicConstraints());
    assertEquals(Set.of(KU, BC), cert.getCriticalExtensionOIDs());
    assertEquals(Set.of(EKU), cert.getNonCriticalExtensionOIDs());
    // BasicConstraints present with an empty sequence (CA=false): 30 00 inside an OCTET STRING.
    assertArrayEquals(new byte[] {0x04, 0x02, 0x30, 0x00}, cert.getExtensionValue(BC));
  }

  @Test
  void serialsAreRandom() throws Exception {
    KeyPair keys = TestKeys.ed25519();
    BigInteger a = ClientCertificate.of(keys, "x").getSerialNumber();
    BigInteger b = ClientCertificate.of(keys, "x").getSerialNumber();
    assertTrue(!a.equals(b));
  }

  @Test
  void ecdsaSignatureHashFollowsTheCurve() throws Exception {
    assertEquals(
        "SHA256withECDSA", ClientCertificate.of(TestKeys.ec("secp256r1"), "a").getSigAlgName());
    assertEquals(
        "SHA384withECDSA", ClientCertificate.of(TestKeys.ec("secp384r1"), "a").getSigAlgName());
    X509Certificate p521 = ClientCertificate.of(TestKeys.ec("secp521r1"), "a");
    assertEquals("SHA512withECDSA", p521.getSigAlgName());
    p521.verify(p521.getPublicKey());
  }

  @Test
  void badKeyPairsAreRefused() throws Exception {
    KeyPair keys = TestKeys.ed25519();
    assertThrows(
        IllegalArgumentException.class,
        () -> ClientCertificate.of(new KeyPair(keys.getPublic(), null), "a"));
    assertThrows(IllegalArgumentException.class, () -> ClientCertificate.of(null, "a"));
    KeyPairGenerator dsa = KeyPairGenerator.getInstance("DSA");
    dsa.initialize(2048);
    IllegalArgumentException e =
        assertThrows(
            IllegalArgumentException.class, () -> ClientCertificate.of(dsa.generateKeyPair(), "a"));
    assertEquals("unsupported key algorithm: DSA", e.getMessage());
  }

  @Test
  void commonNameIsAUtf8StringAsBouncyCastleWroteIt() throws Exception {
    String id = "h1:FALvKoL5sB2mfvXrbheZ8tgKjIJZ60gN-VH9TcfK7Q0";
    X509Certificate cert = ClientCertificate.of(TestKeys.ed25519(), id);
    X500Name subject = X500Name.getInstance(cert.getSubjectX500Principal().getEncoded());
    assertTrue(subject.getRDNs(BCStyle.CN)[0].getFirst().getValue() instanceof ASN1UTF8String);
    assertEquals(id, subject.getRDNs(BCStyle.CN)[0].getFirst().getValue().toString());
    assertArrayEquals(
        cert.getSubjectX500Principal().getEncoded(), cert.getIssuerX500Principal().getEncoded());
  }

  @Test
  void rsaKeysAndLongNamesGiveValidCertificates() throws Exception {
    KeyPairGenerator rsa = KeyPairGenerator.getInstance("RSA");
    rsa.initialize(2048);
    KeyPair keys = rsa.generateKeyPair();
    String name = "n".repeat(300); // lengths in two bytes
    X509Certificate cert = ClientCertificate.of(keys, name);
    cert.verify(keys.getPublic());
    assertEquals("SHA256withRSA", cert.getSigAlgName());
    assertEquals("CN=" + name, cert.getSubjectX500Principal().getName());
  }
}
