package io.openkms.http.tls;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
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
import org.junit.jupiter.api.Test;

/** Client certificate of docs/PROTOCOL.md §2.3 and self-signed server certificates. */
class SelfSignedTest {

    private static final String KU = "2.5.29.15";
    private static final String BC = "2.5.29.19";
    private static final String EKU = "2.5.29.37";
    private static final String SAN = "2.5.29.17";
    private static final String CLIENT_AUTH = "1.3.6.1.5.5.7.3.2";
    private static final String SERVER_AUTH = "1.3.6.1.5.5.7.3.1";

    @Test
    void clientCertificateIsTheGoTemplate() throws Exception {
        KeyPair keys = TestKeys.fromApiKey("k1:AqwjUvaWEE9O83quGOkiO_2D1x37Za9gE4L5UHdq0Ag");
        String id = "h1:FALvKoL5sB2mfvXrbheZ8tgKjIJZ60gN-VH9TcfK7Q0";
        Instant before = Instant.now().minusSeconds(1);
        X509Certificate cert = SelfSigned.clientCertificate(keys, id);
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
        assertTrue(!notBefore.isBefore(before.truncatedTo(java.time.temporal.ChronoUnit.SECONDS)) && !notBefore.isAfter(after),
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
        BigInteger a = SelfSigned.clientCertificate(keys, "x").getSerialNumber();
        BigInteger b = SelfSigned.clientCertificate(keys, "x").getSerialNumber();
        assertTrue(!a.equals(b));
    }

    @Test
    void ecdsaSignatureHashFollowsTheCurve() throws Exception {
        assertEquals("SHA256withECDSA",
                SelfSigned.clientCertificate(TestKeys.ec("secp256r1"), "a").getSigAlgName());
        assertEquals("SHA384withECDSA",
                SelfSigned.clientCertificate(TestKeys.ec("secp384r1"), "a").getSigAlgName());
        X509Certificate p521 = SelfSigned.clientCertificate(TestKeys.ec("secp521r1"), "a");
        assertEquals("SHA512withECDSA", p521.getSigAlgName());
        p521.verify(p521.getPublicKey());
    }

    @Test
    void badKeyPairsAreRefused() throws Exception {
        KeyPair keys = TestKeys.ed25519();
        assertThrows(IllegalArgumentException.class,
                () -> SelfSigned.clientCertificate(new KeyPair(keys.getPublic(), null), "a"));
        assertThrows(IllegalArgumentException.class, () -> SelfSigned.clientCertificate(null, "a"));
        KeyPairGenerator dsa = KeyPairGenerator.getInstance("DSA");
        dsa.initialize(2048);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> SelfSigned.clientCertificate(dsa.generateKeyPair(), "a"));
        assertEquals("unsupported key algorithm: DSA", e.getMessage());
    }

    @Test
    void serverCertificateHasSansAndServerAuth() throws Exception {
        KeyPair keys = TestKeys.ec("secp256r1");
        Instant start = Instant.now();
        X509Certificate cert = SelfSigned.serverCertificate(keys,
                List.of("node1.example", "10.0.0.1", "::1", "[fe80::1]"), Duration.ofDays(30));
        cert.verify(keys.getPublic());
        assertEquals("CN=node1.example", cert.getSubjectX500Principal().getName());
        assertEquals(List.of(
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
        Duration window = Duration.between(cert.getNotBefore().toInstant(), cert.getNotAfter().toInstant());
        assertTrue(window.compareTo(Duration.ofDays(30).plusMinutes(5).minusSeconds(2)) >= 0
                && window.compareTo(Duration.ofDays(30).plusMinutes(5)) <= 0, window.toString());
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
        assertEquals("validity must be positive: PT0S", assertThrows(IllegalArgumentException.class,
                () -> SelfSigned.serverCertificate(keys, List.of("a"), Duration.ZERO)).getMessage());
        assertThrows(IllegalArgumentException.class,
                () -> SelfSigned.serverCertificate(keys, List.of("a"), Duration.ofDays(-1)));
    }
}
