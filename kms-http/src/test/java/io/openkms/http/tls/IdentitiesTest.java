package io.openkms.http.tls;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.security.KeyPair;
import java.security.cert.X509Certificate;
import java.util.Arrays;
import java.util.HexFormat;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** Identity test vectors of docs/PROTOCOL.md §2.2. */
class IdentitiesTest {

  @ParameterizedTest
  @CsvSource({
    "k1:AqwjUvaWEE9O83quGOkiO_2D1x37Za9gE4L5UHdq0Ag, h1:FALvKoL5sB2mfvXrbheZ8tgKjIJZ60gN-VH9TcfK7Q0",
    "k1:T5duXn2-loqNy4LJT9m-1u6bTi3-GvztEgeIkNYeypg, h1:qggD1mUjQkp_uODaOLduK6Y2ramHXzPWt3lEXMT6FNk",
    "k1:d7cY_5k8HbBGkZpoy2hGmvkxg83QDBXsA_nFXDfTk2E, h1:Rvxa7nj8zkL48CeDkN6LhpX-K7KK6uhIhpBOcTHNhWw",
    "k1:xZnpcYtPdVMNLBBRaUO5HPEoK_jVrcc3MWR8BshkjJw, h1:l4AoVm6xKAVGsfo8J_ttCOC6Odgq3GJLHg5NtAdOAr0",
  })
  void identityOfTheClientCertificateMatchesTheVector(String apiKey, String identity)
      throws Exception {
    KeyPair keys = TestKeys.fromApiKey(apiKey);
    assertEquals(identity, Identities.of(keys.getPublic()));
    X509Certificate cert = ClientCertificate.of(keys, Identities.of(keys.getPublic()));
    assertEquals(identity, Identities.of(cert));
    assertEquals(46, Identities.of(cert).length());
    assertEquals("CN=" + identity, cert.getSubjectX500Principal().getName());
  }

  @Test
  void publicKeyOfTheFirstVector() throws Exception {
    KeyPair keys = TestKeys.fromApiKey("k1:AqwjUvaWEE9O83quGOkiO_2D1x37Za9gE4L5UHdq0Ag");
    byte[] spki = keys.getPublic().getEncoded();
    assertEquals(44, spki.length);
    assertEquals("302a300506032b6570032100", HexFormat.of().formatHex(spki, 0, 12));
    assertEquals(
        "00a30b1a108b590f01a9181536a5f3309678e12a3e8c4b511ce09b389621276b",
        HexFormat.of().formatHex(Arrays.copyOfRange(spki, 12, 44)));
  }

  @Test
  void ecIdentityIsTheHashOfTheCertificateSpki() throws Exception {
    KeyPair keys = TestKeys.ec("secp256r1");
    X509Certificate cert = ClientCertificate.of(keys, "x");
    assertEquals(
        Identities.ofSubjectPublicKeyInfo(keys.getPublic().getEncoded()), Identities.of(cert));
    assertEquals(Identities.of(keys.getPublic()), Identities.of(cert));
  }

  @Test
  void hashOfKnownBytes() {
    // SHA-256("") = e3b0c442…b855, base64url without padding.
    assertEquals(
        "h1:47DEQpj8HBSa-_TImW-5JCeuQeRkm5NMpJWZG3hSuFU",
        Identities.ofSubjectPublicKeyInfo(new byte[0]));
  }
}
