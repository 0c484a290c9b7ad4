package io.openkms.cli.commands;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import com.google.protobuf.Timestamp;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** {@link Text} and {@link Json}: the pure formatting of the client commands. */
class TextTest {

  @Test
  void durationsReadLikeGo() {
    assertEquals("0s", Text.duration(Duration.ZERO));
    assertEquals("0s", Text.duration(Duration.ofSeconds(-5)));
    assertEquals("1ms", Text.duration(Duration.ofNanos(1_500_000)));
    assertEquals("233ms", Text.duration(Duration.ofMillis(233)));
    assertEquals("999ms", Text.duration(Duration.ofMillis(999)));
    assertEquals("1s", Text.duration(Duration.ofMillis(1999)));
    assertEquals("59s", Text.duration(Duration.ofSeconds(59)));
    assertEquals("1m", Text.duration(Duration.ofSeconds(60)));
    assertEquals("5m", Text.duration(Duration.ofMinutes(5)));
    assertEquals("24m31s", Text.duration(Duration.ofSeconds(24 * 60 + 31)));
    assertEquals("59m59s", Text.duration(Duration.ofSeconds(3599)));
    assertEquals("1h", Text.duration(Duration.ofHours(1).plusSeconds(59)));
    assertEquals("3h7m", Text.duration(Duration.ofMinutes(187)));
    assertEquals("23h59m", Text.duration(Duration.ofSeconds(86_399)));
    assertEquals("1d", Text.duration(Duration.ofDays(1)));
    assertEquals("4d3h", Text.duration(Duration.ofDays(4).plusHours(3).plusMinutes(59)));
    assertEquals(
        "24m31s",
        Text.duration(
            com.google.protobuf.Duration.newBuilder().setSeconds(1471).setNanos(5).build()));
  }

  @Test
  void sizesUseBinaryUnitsWithTwoDecimals() {
    assertEquals("0B", Text.bytes(0));
    assertEquals("0B", Text.bytes(-1));
    assertEquals("1023B", Text.bytes(1023));
    assertEquals("1.00KiB", Text.bytes(1024));
    assertEquals("1.50KiB", Text.bytes(1536));
    assertEquals("4.20MiB", Text.bytes(4_404_019));
    assertEquals("1.00GiB", Text.bytes(1L << 30));
    assertEquals("8.00EiB", Text.bytes(Long.MAX_VALUE));
  }

  @Test
  void timesAreUtcToTheSecond() {
    Timestamp t = Timestamp.newBuilder().setSeconds(1_762_974_891L).setNanos(999_999_999).build();
    assertEquals("2025-11-12T19:14:51Z", Text.time(true, t));
    assertEquals("-", Text.time(false, Timestamp.getDefaultInstance()));
  }

  @Test
  void privilegesByWireNumber() {
    assertEquals("SysAdmin", Text.privilege(1));
    assertEquals("Admin", Text.privilege(2));
    assertEquals("User", Text.privilege(3));
    assertEquals("Unknown(0)", Text.privilege(0));
  }

  @Test
  void utf8OnlyWhenValid() {
    assertEquals(Optional.of("héllo ●"), Text.utf8("héllo ●".getBytes(StandardCharsets.UTF_8)));
    assertEquals(Optional.empty(), Text.utf8(new byte[] {(byte) 0xff, 0x41}));
    assertEquals(Optional.empty(), Text.utf8(new byte[] {(byte) 0xc3}));
  }

  @Test
  void colourOnlyWhenEnabled() {
    assertEquals("\u001b[31mx\u001b[0m", Text.colour(true, Text.RED, "x"));
    assertEquals("x", Text.colour(false, Text.RED, "x"));
  }

  @Test
  void blocksAlignValuesAndContinueMultiLineValues() {
    assertEquals(
        "  Name    a\n  Allow   one\n          two\n  LongerLabel x\n",
        new Text.Block("  ", 8)
            .line("Name", "a")
            .line("Allow", "one\ntwo")
            .line("LongerLabel", "x")
            .toString());
    assertEquals("   System\n", new Text.Block("   ", 12).raw("System").toString());
  }

  @Test
  void tablesPadAllButTheLastColumn() {
    Text.Table table =
        new Text.Table("Type", "Created", "Name")
            .row("AES256", "2025-11-12T19:14:51Z", "my-key")
            .row("ChaCha20", "-", "");
    assertEquals(
        "Type      Created               Name\n"
            + "AES256    2025-11-12T19:14:51Z  my-key\n"
            + "ChaCha20  -\n",
        table.toString());
    assertEquals("A  B\n", new Text.Table("A", "B").toString());
    assertThrows(IllegalArgumentException.class, () -> new Text.Table("A", "B").row("x"));
  }

  @Test
  void jsonObjectsEscapeStrings() {
    Map<String, String> fields = new LinkedHashMap<>();
    fields.put("api_key", "k1:a+b/c=");
    fields.put("q\"uote", "back\\slash\nnew\ttab\u0001");
    assertEquals(
        "{\"api_key\":\"k1:a+b/c=\",\"q\\\"uote\":\"back\\\\slash\\nnew\\ttab\\u0001\"}",
        Json.object(fields));
    assertEquals("{}", Json.object(Map.of()));
  }

  @Test
  void protojsonIsCompactWithEveryFieldAndSortedMaps() {
    io.openkms.http.proto.IdentityResponse r =
        io.openkms.http.proto.IdentityResponse.newBuilder()
            .setIdentity("h1:x")
            .setPrivilege(2)
            .putTags("z", "1")
            .putTags("a", "2")
            .build();
    assertEquals(
        "{\"identity\":\"h1:x\",\"privilege\":2,\"policy\":\"\",\"created_by\":\"\","
            + "\"is_service_account\":false,\"service_accounts\":[],\"tags\":{\"a\":\"2\",\"z\":\"1\"}}",
        Json.of(r));
  }
}
