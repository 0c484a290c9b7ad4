package io.openkms.kms.domain;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** {@link Names}: 1–80 characters of [A-Za-z0-9._-], not "." or "..". */
class NamesTest {

  @ParameterizedTest
  @ValueSource(
      strings = {"-a", "a-", "_", "a.b", "a", "minio-default-key", "...", ".a", "a..b", "A_Z-0.9"})
  void accepted(String name) {
    assertEquals(name, Names.check("key", name));
    assertTrue(Names.isValid(name));
  }

  @Test
  void eightyCharactersAccepted() {
    String n = "k".repeat(80);
    assertEquals(n, Names.check("key", n));
  }

  @Test
  void rejected() {
    assertRejected("key", ".", "invalid key name '.': '.' and '..' are not allowed");
    assertRejected("enclave", "..", "invalid enclave name '..': '.' and '..' are not allowed");
    assertRejected(
        "key", "a/b", "invalid key name 'a/b': only A-Z, a-z, 0-9, '.', '_' and '-' are allowed");
    assertRejected("policy", "", "invalid policy name '': name is empty");
    assertRejected("key", null, "invalid key name '': name is empty");
    assertRejected(
        "key",
        "k".repeat(81),
        "invalid key name '" + "k".repeat(80) + "...': name is longer than 80 characters");
    assertRejected(
        "key",
        "schlüssel",
        "invalid key name 'schlüssel': only A-Z, a-z, 0-9, '.', '_' and '-' are allowed");
    assertRejected(
        "key", "a b", "invalid key name 'a b': only A-Z, a-z, 0-9, '.', '_' and '-' are allowed");
    assertRejected(
        "key", "a*", "invalid key name 'a*': only A-Z, a-z, 0-9, '.', '_' and '-' are allowed");
    assertRejected(
        "key", "a\n", "invalid key name 'a\n': only A-Z, a-z, 0-9, '.', '_' and '-' are allowed");
  }

  private static void assertRejected(String kind, String name, String message) {
    KmsException e = assertThrows(KmsException.class, () -> Names.check(kind, name));
    assertEquals(400, e.status());
    assertEquals(message, e.message());
    assertFalse(Names.isValid(name));
  }
}
