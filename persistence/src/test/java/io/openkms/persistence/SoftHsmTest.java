package io.openkms.persistence;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.HexFormat;
import javax.crypto.Cipher;
import javax.crypto.Mac;
import javax.crypto.spec.GCMParameterSpec;
import javax.crypto.spec.SecretKeySpec;
import org.junit.jupiter.api.Test;

/**
 * {@link SoftHsm}: name, sealing, and the seed derivations pinned by test vectors
 * (docs/ARCHITECTURE.md §2: changing them breaks every cluster).
 */
class SoftHsmTest {
  private static final HexFormat HEX = HexFormat.of();

  /** HKDF-SHA256 seeds of the HSM key 0x00..0x1f, computed once and pinned here. */
  static final String ROOT_API_KEY_SEED =
      "d0d1a9ba67ab52531640489c184eecd40d99d22a5f98aa0f351bb7a058284aaa";

  static final String INTERNODE_KEY_SEED =
      "21d6fa74a769cf681db9e3c3ccacfeb55c2b753461f9c7cb1e65bb995d22548b";
  static final String SEAL_KEY = "3d544f38a9a9b4d22143b5f2a25646e5f45b7271bc0efe57d82852bb61b6d6e7";

  private final SoftHsm hsm = new SoftHsm(HsmKey.parse(HsmKeyTest.SEQUENTIAL));

  /**
   * RFC 5869 HKDF-SHA256 written out with javax.crypto.Mac, independent of Bouncy Castle. Salt
   * "empty" is HashLen zero bytes (RFC 5869 §2.2; HMAC pads keys with zeros, so both are equal).
   */
  static byte[] referenceHkdf(byte[] salt, byte[] ikm, byte[] info, int length) throws Exception {
    Mac mac = Mac.getInstance("HmacSHA256");
    mac.init(new SecretKeySpec(salt.length == 0 ? new byte[32] : salt, "HmacSHA256"));
    byte[] prk = mac.doFinal(ikm);
    mac.init(new SecretKeySpec(prk, "HmacSHA256"));
    byte[] okm = new byte[length];
    byte[] t = new byte[0];
    int done = 0;
    for (int i = 1; done < length; i++) {
      mac.update(t);
      mac.update(info);
      mac.update((byte) i);
      t = mac.doFinal();
      int n = Math.min(t.length, length - done);
      System.arraycopy(t, 0, okm, done, n);
      done += n;
    }
    return okm;
  }

  @Test
  void referenceHkdfMatchesRfc5869TestCases1And3() throws Exception {
    byte[] ikm = new byte[22];
    Arrays.fill(ikm, (byte) 0x0b);
    assertEquals(
        "3cb25f25faacd57a90434f64d0362f2a2d2d0a90cf1a5a4c5db02d56ecc4c5bf34007208d5b887185865",
        HEX.formatHex(
            referenceHkdf(
                HEX.parseHex("000102030405060708090a0b0c"),
                ikm,
                HEX.parseHex("f0f1f2f3f4f5f6f7f8f9"),
                42)));
    assertEquals(
        "8da4e775a563c18f715f802a063c5a31b8a11f5c5ee1879ec3454e5f3c738d2d9d201395faa4b61a96c8",
        HEX.formatHex(referenceHkdf(new byte[0], ikm, new byte[0], 42)));
  }

  @Test
  void name() {
    assertEquals("hsm:minio:soft", hsm.name());
    assertEquals("hsm:minio:soft", hsm.toString());
  }

  @Test
  void labelsNeverChange() {
    assertEquals("minkms/v1/root-api-key", Hsm.ROOT_API_KEY_LABEL);
    assertEquals("minkms/v1/internode-key", Hsm.INTERNODE_KEY_LABEL);
    assertEquals("minkms/v1/soft-hsm/seal-key", SoftHsm.SEAL_KEY_LABEL);
    assertEquals("minkms/v1/rek", SoftHsm.SEAL_ASSOCIATED_DATA);
  }

  @Test
  void rootApiKeySeedIsPinned() throws Exception {
    byte[] expected =
        referenceHkdf(
            new byte[0],
            HsmKeyTest.sequentialBytes(),
            Hsm.ROOT_API_KEY_LABEL.getBytes(StandardCharsets.UTF_8),
            32);
    assertEquals(ROOT_API_KEY_SEED, HEX.formatHex(expected));
    assertEquals(ROOT_API_KEY_SEED, HEX.formatHex(hsm.deriveSeed(Hsm.ROOT_API_KEY_LABEL)));
  }

  @Test
  void internodeKeySeedIsPinned() throws Exception {
    byte[] expected =
        referenceHkdf(
            new byte[0],
            HsmKeyTest.sequentialBytes(),
            Hsm.INTERNODE_KEY_LABEL.getBytes(StandardCharsets.UTF_8),
            32);
    assertEquals(INTERNODE_KEY_SEED, HEX.formatHex(expected));
    assertEquals(INTERNODE_KEY_SEED, HEX.formatHex(hsm.deriveSeed(Hsm.INTERNODE_KEY_LABEL)));
  }

  @Test
  void seedsAreDeterministicAndDependOnKeyAndLabel() {
    SoftHsm same = new SoftHsm(HsmKey.parse(HsmKeyTest.SEQUENTIAL));
    assertArrayEquals(
        hsm.deriveSeed(Hsm.ROOT_API_KEY_LABEL), same.deriveSeed(Hsm.ROOT_API_KEY_LABEL));
    SoftHsm other = new SoftHsm(HsmKey.generate());
    assertFalse(
        Arrays.equals(
            hsm.deriveSeed(Hsm.ROOT_API_KEY_LABEL), other.deriveSeed(Hsm.ROOT_API_KEY_LABEL)));
    assertEquals(32, hsm.deriveSeed("").length);
  }

  @Test
  void sealUnsealRoundTripAndLayout() throws Exception {
    byte[] secret =
        HEX.parseHex("00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff");
    byte[] sealed = hsm.seal(secret);
    assertEquals(12 + 32 + 16, sealed.length);
    assertArrayEquals(secret, hsm.unseal(sealed));
    assertFalse(Arrays.equals(sealed, hsm.seal(secret)), "fresh nonce per seal");
  }

  /**
   * The seal is plain AES-256-GCM under the pinned subkey, AD "minkms/v1/rek": build one by hand.
   */
  @Test
  void unsealsAValueSealedIndependentlyUnderThePinnedSubkey() throws Exception {
    byte[] subkey =
        referenceHkdf(
            new byte[0],
            HsmKeyTest.sequentialBytes(),
            SoftHsm.SEAL_KEY_LABEL.getBytes(StandardCharsets.UTF_8),
            32);
    assertEquals(SEAL_KEY, HEX.formatHex(subkey));
    byte[] nonce = HEX.parseHex("000102030405060708090a0b");
    Cipher c = Cipher.getInstance("AES/GCM/NoPadding");
    c.init(Cipher.ENCRYPT_MODE, new SecretKeySpec(subkey, "AES"), new GCMParameterSpec(128, nonce));
    c.updateAAD("minkms/v1/rek".getBytes(StandardCharsets.UTF_8));
    byte[] ct = c.doFinal("root key".getBytes(StandardCharsets.UTF_8));
    byte[] sealed = new byte[12 + ct.length];
    System.arraycopy(nonce, 0, sealed, 0, 12);
    System.arraycopy(ct, 0, sealed, 12, ct.length);
    assertEquals("root key", new String(hsm.unseal(sealed), StandardCharsets.UTF_8));
  }

  @Test
  void anotherHsmKeyCannotUnseal() {
    byte[] sealed = hsm.seal(new byte[32]);
    SoftHsm other = new SoftHsm(HsmKey.generate());
    var e = assertThrows(UnsealException.class, () -> other.unseal(sealed));
    assertEquals("invalid ciphertext", e.getMessage());
  }

  @Test
  void tamperedOrTruncatedValuesDoNotUnseal() {
    byte[] sealed = hsm.seal(new byte[32]);
    for (int i = 0; i < sealed.length; i++) {
      byte[] t = sealed.clone();
      t[i] ^= 0x01;
      var e = assertThrows(UnsealException.class, () -> hsm.unseal(t), "byte " + i);
      assertEquals("invalid ciphertext", e.getMessage());
    }
    assertThrows(UnsealException.class, () -> hsm.unseal(Arrays.copyOf(sealed, 27)));
    assertThrows(UnsealException.class, () -> hsm.unseal(Arrays.copyOf(sealed, sealed.length - 1)));
    assertThrows(UnsealException.class, () -> hsm.unseal(new byte[0]));
    assertThrows(UnsealException.class, () -> hsm.unseal(null));
  }
}
