package io.openkms.kms.crypto;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.HexFormat;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** {@link HChaCha20}: draft-irtf-cfrg-xchacha-03 §2.2.1. */
class HChaCha20Test {

  @Test
  void draftTestVector() {
    byte[] key =
        HexFormat.of().parseHex("000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f");
    byte[] nonce = HexFormat.of().parseHex("000000090000004a0000000031415927");
    assertEquals(
        "82413b4227b27bfed30e42508a877d73a0f9e4d58a74a853c12ec41326d3ecdc",
        HexFormat.of().formatHex(HChaCha20.subkey(key, nonce, 0)));
  }

  @Test
  void jceReferenceAlsoMatchesTheDraftVector() throws Exception {
    byte[] key =
        HexFormat.of().parseHex("000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f");
    byte[] nonce = HexFormat.of().parseHex("000000090000004a0000000031415927");
    assertEquals(
        "82413b4227b27bfed30e42508a877d73a0f9e4d58a74a853c12ec41326d3ecdc",
        HexFormat.of().formatHex(JceReference.hchacha20(key, nonce)));
  }

  @Test
  void nonceIsReadAtTheOffset() {
    byte[] key =
        HexFormat.of().parseHex("000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f");
    byte[] buf = HexFormat.of().parseHex("ffff000000090000004a0000000031415927");
    assertEquals(
        "82413b4227b27bfed30e42508a877d73a0f9e4d58a74a853c12ec41326d3ecdc",
        HexFormat.of().formatHex(HChaCha20.subkey(key, buf, 2)));
  }

  @Test
  void matchesTheJdkChaCha20BlockFunction() throws Exception {
    Random r = new Random(42);
    for (int i = 0; i < 50; i++) {
      byte[] key = new byte[32];
      byte[] nonce = new byte[16];
      r.nextBytes(key);
      r.nextBytes(nonce);
      assertArrayEquals(JceReference.hchacha20(key, nonce), HChaCha20.subkey(key, nonce, 0));
    }
  }

  @Test
  void rejectsWrongSizes() {
    assertThrows(
        IllegalArgumentException.class, () -> HChaCha20.subkey(new byte[31], new byte[16], 0));
    assertThrows(
        IllegalArgumentException.class, () -> HChaCha20.subkey(new byte[32], new byte[15], 0));
    assertThrows(
        IllegalArgumentException.class, () -> HChaCha20.subkey(new byte[32], new byte[16], 1));
  }
}
