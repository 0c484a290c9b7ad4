package io.openkms.kms.crypto;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.HexFormat;
import org.junit.jupiter.api.Test;

/** {@link Identity}: docs/PROTOCOL.md §2.1 (text form) and §2.2 (SPKI hash). */
class IdentityTest {
  private static final String ID1 = "h1:FALvKoL5sB2mfvXrbheZ8tgKjIJZ60gN-VH9TcfK7Q0";

  @Test
  void parsesAndPrintsTheSameText() {
    Identity id = Identity.parse(ID1);
    assertEquals(ID1, id.toString());
    assertEquals(32, id.bytes().length);
    assertFalse(id.isZero());
    assertEquals(id, Identity.parse(ID1));
    assertEquals(id.hashCode(), Identity.parse(ID1).hashCode());
  }

  @Test
  void emptyStringIsTheZeroIdentity() {
    Identity zero = Identity.parse("");
    assertSame(Identity.ZERO, zero);
    assertTrue(zero.isZero());
    assertEquals("", zero.toString());
    assertArrayEquals(new byte[32], zero.bytes());
    assertEquals("", Identity.ofDigest(new byte[32]).toString());
  }

  @Test
  void spkiHashOfTheFirstVectorsPublicKey() {
    // Ed25519 SPKI = fixed 12-byte prefix + raw public key (docs/PROTOCOL.md §2.2).
    byte[] spki =
        HexFormat.of()
            .parseHex(
                "302a300506032b6570032100"
                    + "00a30b1a108b590f01a9181536a5f3309678e12a3e8c4b511ce09b389621276b");
    assertEquals(ID1, Identity.ofSpki(spki).toString());
  }

  @Test
  void rejectsMalformedText() {
    assertEquals(
        "invalid identity 'k1:FALvKoL5sB2mfvXrbheZ8tgKjIJZ60gN-VH9TcfK7Q0': must start with 'h1:'",
        assertThrows(
                IllegalArgumentException.class,
                () -> Identity.parse("k1:FALvKoL5sB2mfvXrbheZ8tgKjIJZ60gN-VH9TcfK7Q0"))
            .getMessage());
    assertEquals(
        "invalid identity 'h1:FALv': must be 'h1:' and 43 base64url characters, got 4 characters",
        assertThrows(IllegalArgumentException.class, () -> Identity.parse("h1:FALv")).getMessage());
    assertEquals(
        "invalid identity 'h1:FALvKoL5sB2mfvXrbheZ8tgKjIJZ60gN-VH9TcfK7Q0=': "
            + "must be 'h1:' and 43 base64url characters, got 44 characters",
        assertThrows(IllegalArgumentException.class, () -> Identity.parse(ID1 + "=")).getMessage());
    assertEquals(
        "invalid identity 'h1:FALvKoL5sB2mfvXrbheZ8tgKjIJZ60gN+VH9TcfK7Q0': invalid base64url encoding",
        assertThrows(
                IllegalArgumentException.class,
                () -> Identity.parse("h1:FALvKoL5sB2mfvXrbheZ8tgKjIJZ60gN+VH9TcfK7Q0"))
            .getMessage());
    assertEquals(
        "invalid identity 'h1:FALvKoL5sB2mfvXrbheZ8tgKjIJZ60gN-VH9TcfK7Q=': padding is not allowed",
        assertThrows(
                IllegalArgumentException.class,
                () -> Identity.parse("h1:FALvKoL5sB2mfvXrbheZ8tgKjIJZ60gN-VH9TcfK7Q="))
            .getMessage());
    // Last character '1' sets an unused trailing bit: it decodes like '0' but is not canonical.
    assertEquals(
        "invalid identity 'h1:FALvKoL5sB2mfvXrbheZ8tgKjIJZ60gN-VH9TcfK7Q1': non-canonical base64url encoding",
        assertThrows(
                IllegalArgumentException.class,
                () -> Identity.parse("h1:FALvKoL5sB2mfvXrbheZ8tgKjIJZ60gN-VH9TcfK7Q1"))
            .getMessage());
    assertEquals(
        "invalid identity 'H1:FALvKoL5sB2mfvXrbheZ8tgKjIJZ60gN-VH9TcfK7Q0': must start with 'h1:'",
        assertThrows(
                IllegalArgumentException.class,
                () -> Identity.parse("H1:FALvKoL5sB2mfvXrbheZ8tgKjIJZ60gN-VH9TcfK7Q0"))
            .getMessage());
    assertThrows(IllegalArgumentException.class, () -> Identity.ofDigest(new byte[31]));
  }

  @Test
  void ordersByText() {
    Identity a = Identity.parse("h1:FALvKoL5sB2mfvXrbheZ8tgKjIJZ60gN-VH9TcfK7Q0");
    Identity b = Identity.parse("h1:qggD1mUjQkp_uODaOLduK6Y2ramHXzPWt3lEXMT6FNk");
    assertTrue(a.compareTo(b) < 0);
    assertTrue(Identity.ZERO.compareTo(a) < 0);
    assertNotEquals(a, b);
  }
}
