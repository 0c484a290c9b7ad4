package io.openkms.kms.crypto;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/** {@link KeyRing}: versions from 1, 0 = latest, numbers never reused (docs/REFERENCE.md §6). */
class KeyRingTest {
  private static final Instant T0 = Instant.parse("2025-01-01T00:00:00Z");
  private static final byte[] PT = "data key".getBytes(StandardCharsets.UTF_8);
  private static final byte[] AD = "ad".getBytes(StandardCharsets.UTF_8);

  private static KeyVersion v(int n) {
    byte[] key = new byte[32];
    key[0] = (byte) n;
    key[1] = (byte) (n >> 8);
    return new KeyVersion(
        n, n % 2 == 0 ? KeyType.CHACHA20 : KeyType.AES256, key, T0, Identity.ZERO);
  }

  private static KeyRing ring(int n) {
    KeyRing r = KeyRing.empty();
    for (int i = 1; i <= n; i++) {
      r = r.withVersion(v(i));
    }
    return r;
  }

  private static List<Integer> numbers(KeyRing r) {
    return r.versions().stream().map(KeyVersion::version).collect(Collectors.toList());
  }

  @Test
  void emptyRing() {
    KeyRing r = KeyRing.empty();
    assertTrue(r.isEmpty());
    assertEquals(0, r.size());
    assertEquals(Optional.empty(), r.latest());
    assertEquals(Optional.empty(), r.version(0));
    assertEquals(1, r.nextVersion());
    assertEquals(0, r.highestVersion());
    assertThrows(DecryptException.class, () -> r.decrypt(0, new byte[60], AD));
  }

  @Test
  void threeVersions() {
    KeyRing r = ring(3);
    assertEquals(List.of(1, 2, 3), numbers(r));
    assertEquals(3, r.latest().orElseThrow().version());
    assertEquals(3, r.version(0).orElseThrow().version());
    assertEquals(v(2), r.version(2).orElseThrow());
    assertEquals(Optional.empty(), r.version(4));
    assertEquals(Optional.empty(), r.version(-1));
    assertEquals(4, r.nextVersion());
    assertEquals(KeyRing.of(v(1)).withVersion(v(2)).withVersion(v(3)), r);
  }

  @Test
  void removedNumbersAreNeverReused() {
    KeyRing r = ring(3).withoutVersion(3);
    assertEquals(List.of(1, 2), numbers(r));
    assertEquals(2, r.latest().orElseThrow().version());
    assertEquals(4, r.nextVersion());
    assertEquals(3, r.highestVersion());
    assertEquals(
        "key version 3 is not above the highest version 3",
        assertThrows(IllegalArgumentException.class, () -> r.withVersion(v(3))).getMessage());
    assertEquals(List.of(1, 2, 4), numbers(r.withVersion(v(4))));

    KeyRing none = r.withoutVersion(1).withoutVersion(2);
    assertTrue(none.isEmpty());
    assertEquals(4, none.nextVersion());
    assertEquals(
        "no key version 7",
        assertThrows(IllegalArgumentException.class, () -> r.withoutVersion(7)).getMessage());
  }

  @Test
  void ringsAreImmutable() {
    KeyRing r = ring(2);
    r.withVersion(v(3));
    r.withoutVersion(1);
    assertEquals(List.of(1, 2), numbers(r));
    assertThrows(UnsupportedOperationException.class, () -> r.versions().add(v(9)));
  }

  @Test
  void decryptWithAGivenVersionOrNewestFirst() throws DecryptException {
    KeyRing r = ring(3);
    byte[] ct1 = v(1).encrypt(PT, AD);
    byte[] ct3 = v(3).encrypt(PT, AD);
    assertArrayEquals(PT, r.decrypt(1, ct1, AD));
    assertArrayEquals(PT, r.decrypt(0, ct1, AD));
    assertArrayEquals(PT, r.decrypt(0, ct3, AD));
    assertEquals(1, r.decryptWithVersion(0, ct1, AD).version());
    assertEquals(3, r.decryptWithVersion(0, ct3, AD).version());
    assertThrows(DecryptException.class, () -> r.decrypt(2, ct1, AD));
    assertThrows(DecryptException.class, () -> r.decrypt(7, ct1, AD));
    assertThrows(
        DecryptException.class, () -> r.decrypt(0, ct1, "other".getBytes(StandardCharsets.UTF_8)));
    assertThrows(DecryptException.class, () -> r.withoutVersion(1).decrypt(0, ct1, AD));
  }

  @Test
  void restoreValidates() {
    assertEquals(ring(3), KeyRing.of(List.of(v(3), v(1), v(2)), 3));
    assertEquals(7, KeyRing.of(List.of(v(1)), 6).nextVersion());
    assertEquals(
        "duplicate key version 1",
        assertThrows(IllegalArgumentException.class, () -> KeyRing.of(List.of(v(1), v(1)), 1))
            .getMessage());
    assertEquals(
        "highest version 1 is below version 2",
        assertThrows(IllegalArgumentException.class, () -> KeyRing.of(List.of(v(2)), 1))
            .getMessage());
  }

  @Test
  void thousandVersionsLookUpLikeThree() {
    KeyRing big = ring(1000);
    KeyRing small = ring(3);
    assertEquals(1000, big.size());
    assertEquals(1000, big.latest().orElseThrow().version());
    for (int i = 1; i <= 1000; i++) {
      assertEquals(i, big.version(i).orElseThrow().version());
    }
    assertEquals(Optional.empty(), big.version(1001));

    // O(log n): a lookup in 1000 versions costs a few more comparisons than in 3, not 300x.
    long smallNanos = timeLookups(small, 3);
    long bigNanos = timeLookups(big, 1000);
    assertTrue(
        bigNanos < 25 * smallNanos + 200_000_000L,
        "1000-version lookups took " + bigNanos + " ns vs " + smallNanos + " ns for 3");
    assertFalse(big.isEmpty());
  }

  private static long timeLookups(KeyRing r, int n) {
    long sink = 0;
    for (int warm = 0; warm < 200_000; warm++) {
      sink += r.version(1 + warm % n).map(KeyVersion::version).orElse(0);
    }
    long t0 = System.nanoTime();
    for (int i = 0; i < 1_000_000; i++) {
      sink += r.version(1 + i % n).map(KeyVersion::version).orElse(0);
      sink += r.version(0).map(KeyVersion::version).orElse(0);
    }
    long t = System.nanoTime() - t0;
    assertTrue(sink > 0);
    return t;
  }
}
