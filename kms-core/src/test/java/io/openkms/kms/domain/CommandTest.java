package io.openkms.kms.domain;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** {@link Command}: every row of docs/PROTOCOL.md §4.2. */
class CommandTest {

  @ParameterizedTest
  @CsvSource({
    "1, CLUSTER:ADDNODE, true, true",
    "2, CLUSTER:REMOVENODE, true, true",
    "3, CLUSTER:STATUS, true, false",
    "4, CLUSTER:EDIT, true, true",
    "5, CLUSTER:ADDHSM, true, true",
    "6, CLUSTER:REMOVEHSM, true, true",
    "101, ENCLAVE:CREATE, true, true",
    "102, ENCLAVE:DELETE, true, true",
    "103, ENCLAVE:STATUS, true, false",
    "104, ENCLAVE:LIST, true, false",
    "201, KEY:CREATE, false, true",
    "202, KEY:DELETE, false, true",
    "203, KEY:IMPORT, false, true",
    "204, KEY:STATUS, false, false",
    "205, KEY:ENCRYPT, false, false",
    "206, KEY:DECRYPT, false, false",
    "207, KEY:GENERATE, false, false",
    "208, KEY:LIST, false, false",
    "209, KEY:LISTVERSIONS, false, false",
    "210, KEY:MAC, false, false",
    "301, POLICY:CREATE, false, true",
    "302, POLICY:DELETE, false, true",
    "303, POLICY:ASSIGN, false, true",
    "304, POLICY:GET, false, false",
    "305, POLICY:STATUS, false, false",
    "306, POLICY:LIST, false, false",
    "401, IDENTITY:CREATE, false, true",
    "402, IDENTITY:DELETE, false, true",
    "403, IDENTITY:STATUS, false, false",
    "404, IDENTITY:LIST, false, false",
  })
  void table(int id, String text, boolean cluster, boolean write) {
    Command c = Command.byId(id).orElseThrow();
    assertEquals(id, c.id());
    assertEquals(text, c.text());
    assertEquals(cluster, c.isCluster());
    assertEquals(write, c.isWrite());
    assertEquals(c, Command.byText(text).orElseThrow());
    assertEquals(c, Command.byText(text.toLowerCase()).orElseThrow());
    assertEquals(c, Command.parse(text));
  }

  @Test
  void thirtyCommands() {
    assertEquals(30, Command.values().length);
  }

  @Test
  void unknownIdsAndTexts() {
    for (int id : new int[] {0, 7, 100, 105, 200, 211, 307, 405, 65535, -1}) {
      assertEquals(Optional.empty(), Command.byId(id));
    }
    assertEquals(Optional.empty(), Command.byText("KEY:*"));
    assertEquals(Optional.empty(), Command.byText(null));
    assertEquals(Optional.empty(), Command.byText("KEY:ENCRYPT "));
    KmsException e = assertThrows(KmsException.class, () -> Command.parse("KEY:ENCRYPTS"));
    assertEquals(400, e.status());
    assertEquals("kms: invalid cmd 'KEY:ENCRYPTS'", e.message());
  }

  @Test
  void listCommands() {
    assertTrue(Command.KEY_LIST.isList());
    assertTrue(Command.POLICY_LIST.isList());
    assertTrue(Command.IDENTITY_LIST.isList());
    assertTrue(Command.ENCLAVE_LIST.isList());
    assertFalse(Command.KEY_LIST_VERSIONS.isList());
    assertFalse(Command.KEY_STATUS.isList());
  }
}
