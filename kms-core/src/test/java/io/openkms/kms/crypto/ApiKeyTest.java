package io.openkms.kms.crypto;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.Signature;
import java.security.interfaces.ECPrivateKey;
import java.security.interfaces.ECPublicKey;
import java.security.spec.ECGenParameterSpec;
import java.util.Arrays;
import java.util.Base64;
import java.util.HexFormat;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

/** {@link ApiKey}: docs/PROTOCOL.md §2.1 formats and the §2.2 test vectors. */
class ApiKeyTest {

  @ParameterizedTest
  @CsvSource({
    "k1:AqwjUvaWEE9O83quGOkiO_2D1x37Za9gE4L5UHdq0Ag, h1:FALvKoL5sB2mfvXrbheZ8tgKjIJZ60gN-VH9TcfK7Q0",
    "k1:T5duXn2-loqNy4LJT9m-1u6bTi3-GvztEgeIkNYeypg, h1:qggD1mUjQkp_uODaOLduK6Y2ramHXzPWt3lEXMT6FNk",
    "k1:d7cY_5k8HbBGkZpoy2hGmvkxg83QDBXsA_nFXDfTk2E, h1:Rvxa7nj8zkL48CeDkN6LhpX-K7KK6uhIhpBOcTHNhWw",
    "k1:xZnpcYtPdVMNLBBRaUO5HPEoK_jVrcc3MWR8BshkjJw, h1:l4AoVm6xKAVGsfo8J_ttCOC6Odgq3GJLHg5NtAdOAr0",
  })
  void wireProtocolVectors(String apiKey, String identity) {
    ApiKey key = ApiKey.parse(apiKey);
    assertEquals(identity, key.identity().toString());
    assertEquals(apiKey, key.toString());
    assertEquals(identity, Identity.of(key.keyPair().getPublic()).toString());
  }

  @Test
  void publicKeyOfTheFirstVector() {
    byte[] spki =
        ApiKey.parse("k1:AqwjUvaWEE9O83quGOkiO_2D1x37Za9gE4L5UHdq0Ag").publicKey().getEncoded();
    assertEquals(44, spki.length);
    assertEquals(
        "302a300506032b6570032100"
            + "00a30b1a108b590f01a9181536a5f3309678e12a3e8c4b511ce09b389621276b",
        HexFormat.of().formatHex(spki));
  }

  @Test
  void ed25519KeyPairSignsAndVerifiesWithTheJdk() throws Exception {
    KeyPair kp = ApiKey.parse("k1:d7cY_5k8HbBGkZpoy2hGmvkxg83QDBXsA_nFXDfTk2E").keyPair();
    assertEquals("EdDSA", kp.getPrivate().getAlgorithm());
    byte[] msg = "tls 1.3 certificate verify".getBytes(StandardCharsets.UTF_8);
    Signature s = Signature.getInstance("Ed25519");
    s.initSign(kp.getPrivate());
    s.update(msg);
    byte[] sig = s.sign();
    Signature v = Signature.getInstance("Ed25519");
    v.initVerify(kp.getPublic());
    v.update(msg);
    assertTrue(v.verify(sig));
  }

  @Test
  void fromSeedAndGenerate() {
    byte[] seed = Base64.getUrlDecoder().decode("AqwjUvaWEE9O83quGOkiO_2D1x37Za9gE4L5UHdq0Ag");
    ApiKey key = ApiKey.fromSeed(seed);
    assertEquals("k1:AqwjUvaWEE9O83quGOkiO_2D1x37Za9gE4L5UHdq0Ag", key.toString());
    assertEquals(key, ApiKey.parse(key.toString()));

    ApiKey a = ApiKey.generate();
    ApiKey b = ApiKey.generate();
    assertTrue(a.toString().startsWith("k1:"));
    assertEquals(46, a.toString().length());
    assertEquals(a.identity(), ApiKey.parse(a.toString()).identity());
    assertNotEquals(a.identity(), b.identity());
    assertEquals(
        "invalid API key: an Ed25519 seed must be 32 bytes, got 31",
        assertThrows(IllegalArgumentException.class, () -> ApiKey.fromSeed(new byte[31]))
            .getMessage());
  }

  @ParameterizedTest
  @CsvSource({
    "secp256r1, 32, SHA256withECDSA",
    "secp384r1, 48, SHA384withECDSA",
    "secp521r1, 66, SHA512withECDSA"
  })
  void ecdsaKeysMatchTheJdkKeyPair(String curve, int scalarBytes, String signatureAlgorithm)
      throws Exception {
    KeyPairGenerator g = KeyPairGenerator.getInstance("EC");
    g.initialize(new ECGenParameterSpec(curve));
    KeyPair jdk = g.generateKeyPair();
    byte[] d = toFixed(((ECPrivateKey) jdk.getPrivate()).getS(), scalarBytes);
    String text = "k2:" + Base64.getUrlEncoder().withoutPadding().encodeToString(d);

    ApiKey key = ApiKey.parse(text);
    assertEquals(text, key.toString());
    assertArrayEquals(jdk.getPublic().getEncoded(), key.publicKey().getEncoded());
    assertEquals(Identity.of(jdk.getPublic()), key.identity());

    byte[] msg = "hello".getBytes(StandardCharsets.UTF_8);
    Signature s = Signature.getInstance(signatureAlgorithm);
    s.initSign(key.keyPair().getPrivate());
    s.update(msg);
    Signature v = Signature.getInstance(signatureAlgorithm);
    v.initVerify(jdk.getPublic());
    v.update(msg);
    assertTrue(v.verify(s.sign()));
  }

  @Test
  void ecdsaScalarOneGivesTheGenerator() {
    byte[] one = new byte[32];
    one[31] = 1;
    ApiKey key = ApiKey.parse("k2:" + Base64.getUrlEncoder().withoutPadding().encodeToString(one));
    ECPublicKey pub = (ECPublicKey) key.publicKey();
    // FIPS 186-4 D.1.2.3: the P-256 base point.
    assertEquals(
        new BigInteger("6b17d1f2e12c4247f8bce6e563a440f277037d812deb33a0f4a13945d898c296", 16),
        pub.getW().getAffineX());
    assertEquals(
        new BigInteger("4fe342e2fe1a7f9b8ee7eb4a7c0f9e162bce33576b315ececbb6406837bf51f5", 16),
        pub.getW().getAffineY());
  }

  @Test
  void rejectsEcdsaScalarsOutOfRange() {
    String zero = "k2:" + Base64.getUrlEncoder().withoutPadding().encodeToString(new byte[32]);
    assertEquals(
        "invalid API key: ECDSA private scalar is out of range for P-256",
        assertThrows(IllegalArgumentException.class, () -> ApiKey.parse(zero)).getMessage());
    byte[] ff = new byte[32];
    Arrays.fill(ff, (byte) 0xff);
    String tooBig = "k2:" + Base64.getUrlEncoder().withoutPadding().encodeToString(ff);
    assertEquals(
        "invalid API key: ECDSA private scalar is out of range for P-256",
        assertThrows(IllegalArgumentException.class, () -> ApiKey.parse(tooBig)).getMessage());
  }

  @ParameterizedTest
  @ValueSource(
      strings = {
        "",
        "k3:AqwjUvaWEE9O83quGOkiO_2D1x37Za9gE4L5UHdq0Ag",
        "K1:AqwjUvaWEE9O83quGOkiO_2D1x37Za9gE4L5UHdq0Ag",
        "h1:FALvKoL5sB2mfvXrbheZ8tgKjIJZ60gN-VH9TcfK7Q0",
        "AqwjUvaWEE9O83quGOkiO_2D1x37Za9gE4L5UHdq0Ag",
      })
  void rejectsWrongPrefix(String s) {
    assertEquals(
        "invalid API key: must start with 'k1:' or 'k2:'",
        assertThrows(IllegalArgumentException.class, () -> ApiKey.parse(s)).getMessage());
  }

  @Test
  void rejectsMalformedK1AndK2() {
    assertEquals(
        "invalid API key: 'k1:' must be followed by 43 base64url characters, got 42",
        message("k1:AqwjUvaWEE9O83quGOkiO_2D1x37Za9gE4L5UHdq0A"));
    assertEquals(
        "invalid API key: 'k1:' must be followed by 43 base64url characters, got 44",
        message("k1:AqwjUvaWEE9O83quGOkiO_2D1x37Za9gE4L5UHdq0Ag="));
    assertEquals(
        "invalid API key: padding is not allowed",
        message("k1:AqwjUvaWEE9O83quGOkiO_2D1x37Za9gE4L5UHdq0A="));
    assertEquals(
        "invalid API key: invalid base64url encoding",
        message("k1:AqwjUvaWEE9O83quGOkiO/2D1x37Za9gE4L5UHdq0Ag"));
    assertEquals(
        "invalid API key: invalid base64url encoding",
        message("k1:AqwjUvaWEE9O83quGOkiO_2D1x37Za9gE4L5UHdq0A!"));
    assertEquals(
        "invalid API key: non-canonical base64url encoding",
        message("k1:AqwjUvaWEE9O83quGOkiO_2D1x37Za9gE4L5UHdq0Ah"));
    assertEquals(
        "invalid API key: 'k2:' must be followed by 43, 64 or 88 base64url characters "
            + "(P-256, P-384, P-521), got 10",
        message("k2:AAAAAAAAAA"));
  }

  private static String message(String s) {
    IllegalArgumentException e =
        assertThrows(IllegalArgumentException.class, () -> ApiKey.parse(s));
    return e.getMessage();
  }

  private static byte[] toFixed(BigInteger d, int n) {
    byte[] raw = d.toByteArray();
    byte[] out = new byte[n];
    int copy = Math.min(raw.length, n);
    System.arraycopy(raw, raw.length - copy, out, n - copy, copy);
    return out;
  }
}
