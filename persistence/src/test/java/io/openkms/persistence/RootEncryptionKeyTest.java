package io.openkms.persistence;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import javax.crypto.Cipher;
import javax.crypto.spec.GCMParameterSpec;
import javax.crypto.spec.SecretKeySpec;
import org.junit.jupiter.api.Test;

/** {@link RootEncryptionKey}: AES-256-GCM, layout nonce ‖ ciphertext ‖ tag, every failure alike. */
class RootEncryptionKeyTest {
  private static final byte[] AD = "io.openkms.Example".getBytes(StandardCharsets.UTF_8);

  private final RootEncryptionKey rek = RootEncryptionKey.generate();

  @Test
  void roundTripWithLayout() throws Exception {
    byte[] pt = "hello".getBytes(StandardCharsets.UTF_8);
    byte[] sealed = rek.seal(pt, AD);
    assertEquals(12 + 5 + 16, sealed.length);
    assertEquals(28, RootEncryptionKey.OVERHEAD_BYTES);
    assertArrayEquals(pt, rek.unseal(sealed, AD));
    assertArrayEquals(new byte[0], rek.unseal(rek.seal(new byte[0], new byte[0]), new byte[0]));
  }

  /** The layout is standard GCM: the JDK cipher, given the key bytes, opens it. */
  @Test
  void isPlainAesGcmUnderTheKeyBytes() throws Exception {
    byte[] key =
        HexFormat.of().parseHex("000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f");
    RootEncryptionKey fixed = RootEncryptionKey.fromBytes(key);
    byte[] sealed = fixed.seal("abc".getBytes(StandardCharsets.UTF_8), AD);
    Cipher c = Cipher.getInstance("AES/GCM/NoPadding");
    c.init(
        Cipher.DECRYPT_MODE,
        new SecretKeySpec(key, "AES"),
        new GCMParameterSpec(128, sealed, 0, 12));
    c.updateAAD(AD);
    assertEquals(
        "abc", new String(c.doFinal(sealed, 12, sealed.length - 12), StandardCharsets.UTF_8));
    assertArrayEquals(key, fixed.bytes());
  }

  @Test
  void freshNoncePerCall() {
    byte[] a = rek.seal(new byte[16], AD);
    byte[] b = rek.seal(new byte[16], AD);
    assertFalse(Arrays.equals(Arrays.copyOf(a, 12), Arrays.copyOf(b, 12)));
  }

  @Test
  void wrongAssociatedDataFails() {
    byte[] sealed = rek.seal(new byte[16], AD);
    var e =
        assertThrows(
            UnsealException.class,
            () -> rek.unseal(sealed, "io.openkms.Other".getBytes(StandardCharsets.UTF_8)));
    assertEquals("invalid ciphertext", e.getMessage());
  }

  @Test
  void wrongKeyFails() {
    byte[] sealed = rek.seal(new byte[16], AD);
    var e =
        assertThrows(UnsealException.class, () -> RootEncryptionKey.generate().unseal(sealed, AD));
    assertEquals("invalid ciphertext", e.getMessage());
  }

  @Test
  void everyTamperedByteFails() {
    byte[] sealed = rek.seal("payload".getBytes(StandardCharsets.UTF_8), AD);
    for (int i = 0; i < sealed.length; i++) {
      byte[] t = sealed.clone();
      t[i] ^= (byte) 0x80;
      var e = assertThrows(UnsealException.class, () -> rek.unseal(t, AD), "byte " + i);
      assertEquals("invalid ciphertext", e.getMessage());
    }
  }

  @Test
  void truncatedFails() {
    byte[] sealed = rek.seal(new byte[4], AD);
    for (int n = 0; n < sealed.length; n++) {
      byte[] t = Arrays.copyOf(sealed, n);
      assertThrows(UnsealException.class, () -> rek.unseal(t, AD), "length " + n);
    }
    assertThrows(UnsealException.class, () -> rek.unseal(null, AD));
  }

  @Test
  void fromBytesChecksLength() {
    var e =
        assertThrows(
            IllegalArgumentException.class, () -> RootEncryptionKey.fromBytes(new byte[31]));
    assertEquals("root encryption key must be 32 bytes, got 31", e.getMessage());
    var f =
        assertThrows(
            IllegalArgumentException.class, () -> RootEncryptionKey.fromBytes(new byte[33]));
    assertEquals("root encryption key must be 32 bytes, got 33", f.getMessage());
  }

  @Test
  void toStringHidesTheKey() {
    assertEquals("RootEncryptionKey[redacted]", rek.toString());
  }

  /** One Cipher per thread: concurrent use from many threads stays correct. */
  @Test
  void concurrentUse() throws Exception {
    ExecutorService pool = Executors.newFixedThreadPool(4);
    try {
      List<Future<Boolean>> results = new ArrayList<>();
      for (int t = 0; t < 8; t++) {
        final int seed = t;
        results.add(
            pool.submit(
                () -> {
                  for (int i = 0; i < 500; i++) {
                    byte[] pt = new byte[1 + (i + seed) % 64];
                    Arrays.fill(pt, (byte) (i + seed));
                    if (!Arrays.equals(pt, rek.unseal(rek.seal(pt, AD), AD))) {
                      return false;
                    }
                  }
                  return true;
                }));
      }
      for (Future<Boolean> r : results) {
        assertEquals(true, r.get(30, TimeUnit.SECONDS));
      }
    } finally {
      pool.shutdownNow();
    }
  }
}
