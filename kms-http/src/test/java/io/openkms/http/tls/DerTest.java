package io.openkms.http.tls;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.math.BigInteger;
import java.security.KeyPair;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.util.HexFormat;
import java.util.List;
import org.junit.jupiter.api.Test;

/** {@link Der}: encodings checked against X.690 and RFC 5280 examples. */
class DerTest {

  private static String hex(byte[] der) {
    return HexFormat.of().formatHex(der);
  }

  @Test
  void objectIdentifiersUseBase128Arcs() {
    assertEquals("06032b6570", hex(Der.oid("1.3.101.112")));
    assertEquals("06092a864886f70d01010b", hex(Der.oid("1.2.840.113549.1.1.11")));
    assertEquals("0603551d13", hex(Der.oid("2.5.29.19")));
    assertThrows(IllegalArgumentException.class, () -> Der.oid("1"));
  }

  @Test
  void lengthsAboveOneTwentySevenTakeLengthBytes() {
    assertEquals("047f", hex(Der.octetString(new byte[127])).substring(0, 4));
    assertEquals("048180", hex(Der.octetString(new byte[128])).substring(0, 6));
    assertEquals("0482012c", hex(Der.octetString(new byte[300])).substring(0, 8));
    assertEquals(4 + 300, Der.octetString(new byte[300]).length);
  }

  @Test
  void timesAreUtcTimeUntil2049AndGeneralizedTimeAfter() {
    assertEquals(
        "170d" + HexFormat.of().formatHex("491231235959Z".getBytes()),
        hex(Der.time(Instant.parse("2049-12-31T23:59:59Z"))));
    assertEquals(
        "180f" + HexFormat.of().formatHex("20500101000000Z".getBytes()),
        hex(Der.time(Instant.parse("2050-01-01T00:00:00Z"))));
  }

  @Test
  void primitivesAndConstructedValues() {
    assertEquals("020100", hex(Der.integer(BigInteger.ZERO)));
    assertEquals("02020080", hex(Der.integer(BigInteger.valueOf(128)))); // sign byte
    assertEquals("0101ff", hex(Der.booleanTrue()));
    assertEquals("0500", hex(Der.nullValue()));
    assertEquals("03020780", hex(Der.bitString(new byte[] {(byte) 0x80}, 7)));
    assertEquals("0c026869", hex(Der.utf8String("hi")));
    assertEquals("3000", hex(Der.sequence()));
    assertEquals("a003020102", hex(Der.explicit(0, Der.integer(BigInteger.TWO))));
  }

  @Test
  void subjectPublicKeyInfoIsTheCertificatesOwnEncoding() throws Exception {
    for (KeyPair keys : List.of(TestKeys.ed25519(), TestKeys.ec("secp384r1"))) {
      X509Certificate cert =
          SelfSigned.serverCertificate(keys, List.of("a.example", "10.0.0.1"), Duration.ofDays(1));
      byte[] expected =
          org.bouncycastle.asn1.x509.Certificate.getInstance(cert.getEncoded())
              .getSubjectPublicKeyInfo()
              .getEncoded("DER");
      assertArrayEquals(expected, Der.subjectPublicKeyInfo(cert.getEncoded()));
    }
  }

  @Test
  void malformedCertificatesAreRefused() {
    assertThrows(IllegalArgumentException.class, () -> Der.subjectPublicKeyInfo(new byte[0]));
    assertThrows(
        IllegalArgumentException.class, () -> Der.subjectPublicKeyInfo(new byte[] {0x04, 0x00}));
    assertThrows(
        IllegalArgumentException.class, // a tbsCertificate with one field
        () -> Der.subjectPublicKeyInfo(new byte[] {0x30, 0x05, 0x30, 0x03, 0x02, 0x01, 0x01}));
    assertThrows(
        IllegalArgumentException.class, // a length beyond the end
        () -> Der.subjectPublicKeyInfo(new byte[] {0x30, 0x05, 0x30, 0x7f, 0x02, 0x01, 0x01}));
  }
}
