package io.openkms.cli.node;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.HexFormat;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/**
 * The scan the process tests use to prove that stores hold no key material finds it when it is
 * there.
 */
class KeyMaterialScanTest {

  /** 32 bytes whose standard and URL-safe base64 differ ({@code AP//} vs {@code AP__}). */
  private static final byte[] SECRET = HexFormat.of().parseHex("00ffff".repeat(10) + "00fe");

  private static byte[] embed(byte[] middle) {
    byte[] data = new byte[middle.length + 10];
    data[0] = 1;
    System.arraycopy(middle, 0, data, 7, middle.length);
    return data;
  }

  @Test
  void findsEveryForm() {
    KeyMaterialScan scan = new KeyMaterialScan(SECRET);
    assertEquals(Optional.of("raw at offset 7"), scan.find(embed(SECRET)));
    assertEquals(
        Optional.of("base64 at offset 7"), scan.find(embed(Base64.getEncoder().encode(SECRET))));
    assertEquals(
        Optional.of("base64 unpadded at offset 4"),
        scan.find("x\": " + Base64.getEncoder().withoutPadding().encodeToString(SECRET) + "\""));
    assertEquals(
        Optional.of("base64url unpadded at offset 0"),
        scan.find(Base64.getUrlEncoder().withoutPadding().encodeToString(SECRET)));
    assertEquals(
        Optional.of("hex at offset 2"), scan.find("\\x" + HexFormat.of().formatHex(SECRET)));
    assertEquals(
        Optional.of("HEX at offset 0"),
        scan.find(HexFormat.of().withUpperCase().formatHex(SECRET)));
  }

  @Test
  void findsNothingElse() {
    KeyMaterialScan scan = new KeyMaterialScan(SECRET);
    byte[] almost = SECRET.clone();
    almost[31] ^= 1;
    assertEquals(Optional.empty(), scan.find(embed(almost)));
    assertEquals(Optional.empty(), scan.find(new byte[0]));
    assertEquals(Optional.empty(), scan.find("no key here".getBytes(StandardCharsets.UTF_8)));
  }
}
