package io.openkms.persistence;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.Base64;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.NullSource;
import org.junit.jupiter.params.provider.ValueSource;

/** {@link HsmKey}: text form of docs/REFERENCE.md §5.1 and the exact error messages. */
class HsmKeyTest {
  /** 32 bytes 0x00..0x1f. */
  static final String SEQUENTIAL = "hsm:aes256:AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=";

  static byte[] sequentialBytes() {
    byte[] b = new byte[32];
    for (int i = 0; i < 32; i++) {
      b[i] = (byte) i;
    }
    return b;
  }

  @Test
  void parsesTheTextFormAndPrintsItBack() {
    HsmKey key = HsmKey.parse(SEQUENTIAL);
    assertArrayEquals(sequentialBytes(), key.bytes());
    assertEquals(SEQUENTIAL, key.toString());
    assertEquals(HsmKey.parse(SEQUENTIAL), key);
    assertEquals(HsmKey.parse(SEQUENTIAL).hashCode(), key.hashCode());
  }

  @Test
  void ignoresSurroundingWhiteSpace() {
    assertEquals(SEQUENTIAL, HsmKey.parse("  " + SEQUENTIAL + "\n").toString());
  }

  @Test
  void generatesRandomParseableKeys() {
    HsmKey a = HsmKey.generate();
    HsmKey b = HsmKey.generate();
    assertNotEquals(a, b);
    String text = a.toString();
    assertEquals(11 + 44, text.length());
    assertEquals("hsm:aes256:", text.substring(0, 11));
    assertEquals(a, HsmKey.parse(text));
  }

  @ParameterizedTest
  @NullSource
  @ValueSource(strings = {"", "   ", "\n"})
  void missingKey(String text) {
    var e = assertThrows(IllegalArgumentException.class, () -> HsmKey.parse(text));
    assertEquals("kms: no HSM provided", e.getMessage());
  }

  @ParameterizedTest
  @ValueSource(
      strings = {
        "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=",
        "hsm:aes128:AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=",
        "HSM:AES256:AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=",
        "k1:AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8="
      })
  void wrongPrefix(String text) {
    var e = assertThrows(IllegalArgumentException.class, () -> HsmKey.parse(text));
    assertEquals("invalid HSM key: missing prefix \"hsm:aes256:\"", e.getMessage());
  }

  @ParameterizedTest
  @ValueSource(
      strings = {
        // URL-safe alphabet
        "hsm:aes256:AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh-_",
        // padding missing
        "hsm:aes256:AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8",
        // non-canonical trailing bits ('9' instead of '8')
        "hsm:aes256:AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh9=",
        // not base64 at all
        "hsm:aes256:not base64!",
        // space inside
        "hsm:aes256:AAECAwQFBgcICQoLDA0ODxAREhMU FRYXGBkaGxwdHh8=",
        // empty
        "hsm:aes256:x"
      })
  void badBase64(String text) {
    var e = assertThrows(IllegalArgumentException.class, () -> HsmKey.parse(text));
    assertEquals("invalid HSM key: not standard base64 with padding", e.getMessage());
  }

  @Test
  void emptyKeyAfterPrefixIsWrongLength() {
    var e = assertThrows(IllegalArgumentException.class, () -> HsmKey.parse("hsm:aes256:"));
    assertEquals("invalid HSM key: want 32 bytes, got 0", e.getMessage());
  }

  @ParameterizedTest
  @ValueSource(ints = {1, 16, 31, 33, 64})
  void wrongLength(int length) {
    String text = "hsm:aes256:" + Base64.getEncoder().encodeToString(new byte[length]);
    var e = assertThrows(IllegalArgumentException.class, () -> HsmKey.parse(text));
    assertEquals("invalid HSM key: want 32 bytes, got " + length, e.getMessage());
  }
}
