package io.openkms.kms.domain;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.Optional;
import org.junit.jupiter.api.Test;

/** {@link Privilege}: docs/PROTOCOL.md §2.4. */
class PrivilegeTest {

  @Test
  void parseAndValues() {
    assertEquals(Privilege.USER, Privilege.parse(""));
    assertEquals(Privilege.USER, Privilege.parse(null));
    assertEquals(Privilege.USER, Privilege.parse("User"));
    assertEquals(Privilege.ADMIN, Privilege.parse("Admin"));
    assertEquals(Privilege.SYS_ADMIN, Privilege.parse("SysAdmin"));
    assertEquals(1, Privilege.SYS_ADMIN.value());
    assertEquals(2, Privilege.ADMIN.value());
    assertEquals(3, Privilege.USER.value());
    assertEquals(Optional.of(Privilege.ADMIN), Privilege.fromValue(2));
    assertEquals(Optional.empty(), Privilege.fromValue(0));
    assertEquals("SysAdmin", Privilege.SYS_ADMIN.wireName());
  }

  @Test
  void rejectsUnknownNames() {
    KmsException e = assertThrows(KmsException.class, () -> Privilege.parse("admin"));
    assertEquals(400, e.status());
    assertEquals("kms: invalid privilege 'admin'", e.message());
    assertEquals(
        "kms: invalid privilege 'Root'",
        assertThrows(KmsException.class, () -> Privilege.parse("Root")).message());
  }
}
