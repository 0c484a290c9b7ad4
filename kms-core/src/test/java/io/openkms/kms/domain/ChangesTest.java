package io.openkms.kms.domain;

import static io.openkms.kms.domain.Fixtures.ADMIN;
import static io.openkms.kms.domain.Fixtures.ROOT;
import static io.openkms.kms.domain.Fixtures.STRANGER;
import static io.openkms.kms.domain.Fixtures.SYSADMIN;
import static io.openkms.kms.domain.Fixtures.T1;
import static io.openkms.kms.domain.Fixtures.USER;
import static io.openkms.kms.domain.Fixtures.standard;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.openkms.kms.crypto.Identity;
import io.openkms.kms.crypto.KeyType;
import io.openkms.kms.crypto.RandomSource;
import java.time.Clock;
import java.time.ZoneOffset;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import org.junit.jupiter.api.Test;

/** {@link Changes}: deterministic change building from a clock and a random source. */
class ChangesTest {
  private static final Set<Identity> ROOTS = Set.of(ROOT);
  private static final RandomSource SEVENS = bytes -> Arrays.fill(bytes, (byte) 7);
  private static final Changes CHANGES = new Changes(Clock.fixed(T1, ZoneOffset.UTC), SEVENS);

  private static byte[] sevens(int n) {
    byte[] b = new byte[n];
    Arrays.fill(b, (byte) 7);
    return b;
  }

  private static void assertError(int status, String message, Runnable r) {
    KmsException e = assertThrows(KmsException.class, r::run);
    assertEquals(status, e.status());
    assertEquals(message, e.message());
  }

  @Test
  void keyTypes() {
    assertEquals(KeyType.AES256, Changes.keyType(""));
    assertEquals(KeyType.AES256, Changes.keyType(null));
    assertEquals(KeyType.AES256, Changes.keyType("AES256"));
    assertEquals(KeyType.CHACHA20, Changes.keyType("ChaCha20"));
    assertError(400, "kms: key type 'AES-256' is not supported", () -> Changes.keyType("AES-256"));
  }

  @Test
  void createKeyUsesClockAndRandom() {
    Change.CreateKey c = CHANGES.createKey("e", "k2", "ChaCha20", ADMIN);
    assertEquals("e", c.enclave());
    assertEquals("k2", c.name());
    assertEquals(1, c.first().version());
    assertEquals(KeyType.CHACHA20, c.first().type());
    assertArrayEquals(sevens(32), c.first().key());
    assertEquals(T1, c.first().createdAt());
    assertEquals(ADMIN, c.first().createdBy());
    assertEquals(c, CHANGES.createKey("e", "k2", "ChaCha20", ADMIN));
    assertError(
        400, "kms: key type 'x' is not supported", () -> CHANGES.createKey("e", "k", "x", ADMIN));
    assertError(
        400,
        "invalid key name '..': '.' and '..' are not allowed",
        () -> CHANGES.createKey("e", "..", "", ADMIN));
  }

  @Test
  void addKeyVersionTakesTheNextNumberAndKeepsTheType() {
    KmsState s = standard().apply(CHANGES.createKey("e", "c", "ChaCha20", ADMIN));
    Change.AddKeyVersion v = CHANGES.addKeyVersion(s, "e", "c", "", ADMIN);
    assertEquals(2, v.version().version());
    assertEquals(KeyType.CHACHA20, v.version().type());
    assertEquals(
        KeyType.AES256, CHANGES.addKeyVersion(s, "e", "c", "AES256", ADMIN).version().type());
    KmsState rotated = s.apply(v);
    assertEquals(2, rotated.keyVersion("e", "c", 0).version());
    assertError(404, "key does not exist", () -> CHANGES.addKeyVersion(s, "e", "nope", "", ADMIN));
    assertError(404, "enclave does not exist", () -> CHANGES.addKeyVersion(s, "x", "c", "", ADMIN));
  }

  @Test
  void importKeyNeeds32Bytes() {
    byte[] key = new byte[32];
    key[5] = 9;
    Change.ImportKey c = CHANGES.importKey("e", "i", "", key, ADMIN);
    assertArrayEquals(key, c.first().key());
    assertEquals(KeyType.AES256, c.first().type());
    assertError(
        400,
        "kms: invalid key length 16: imported keys must be 32 bytes",
        () -> CHANGES.importKey("e", "i", "", new byte[16], ADMIN));
    assertError(
        400,
        "kms: invalid key length 0: imported keys must be 32 bytes",
        () -> CHANGES.importKey("e", "i", "", null, ADMIN));
  }

  @Test
  void deleteKey() {
    KmsState s = standard().apply(CHANGES.addKeyVersion(standard(), "e", "k", "", ADMIN));
    assertEquals(new Change.DeleteKey("e", "k"), CHANGES.deleteKey(s, "e", "k", 0, true));
    assertEquals(
        new Change.DeleteKeyVersion("e", "k", 2), CHANGES.deleteKey(s, "e", "k", 0, false));
    assertEquals(
        new Change.DeleteKeyVersion("e", "k", 1), CHANGES.deleteKey(s, "e", "k", 1, false));
    assertError(
        400,
        "kms: invalid DeleteKeyRequest: all versions and non-zero version are incompatible",
        () -> CHANGES.deleteKey(s, "e", "k", 1, true));
    assertError(404, "key does not exist", () -> CHANGES.deleteKey(s, "e", "k", 3, false));
    assertError(404, "key does not exist", () -> CHANGES.deleteKey(s, "e", "nope", 0, false));
  }

  @Test
  void initClusterMakesAVersion4Uuid() {
    Change.InitCluster c = CHANGES.initCluster("a:7373");
    UUID id = UUID.fromString(c.clusterId());
    assertEquals(4, id.version());
    assertEquals(2, id.variant());
    assertEquals("07070707-0707-4707-8707-070707070707", c.clusterId());
    assertEquals("a:7373", c.host());
    Changes real = Changes.system();
    assertTrue(!real.initCluster("a").clusterId().equals(real.initCluster("a").clusterId()));
  }

  @Test
  void createIdentityScopes() {
    KmsState s = standard();
    Change.CreateIdentity sys =
        CHANGES.createIdentity(s, ROOTS, "e", ROOT, STRANGER, "SysAdmin", false, null);
    assertEquals("", sys.enclave());
    assertEquals(Privilege.SYS_ADMIN, sys.entry().privilege());
    assertEquals(ROOT, sys.entry().createdBy());
    assertEquals(T1, sys.entry().createdAt());

    Change.CreateIdentity user =
        CHANGES.createIdentity(s, ROOTS, "e", ADMIN, STRANGER, "", false, Map.of("a", "b"));
    assertEquals("e", user.enclave());
    assertEquals(Privilege.USER, user.entry().privilege());
    assertEquals(Map.of("a", "b"), user.entry().tags());
    assertEquals(Privilege.USER, s.apply(user).identity("e", STRANGER).privilege());

    Change.CreateIdentity saOfAdmin =
        CHANGES.createIdentity(s, ROOTS, "e", ADMIN, STRANGER, "SysAdmin", true, null);
    assertEquals("e", saOfAdmin.enclave());
    assertEquals(Privilege.ADMIN, saOfAdmin.entry().privilege());
    assertEquals(ADMIN, saOfAdmin.entry().parent());
    assertTrue(saOfAdmin.entry().serviceAccount());
    assertEquals(List.of(STRANGER), s.apply(saOfAdmin).serviceAccounts("e", ADMIN));

    Change.CreateIdentity saOfUser =
        CHANGES.createIdentity(s, ROOTS, "e", USER, STRANGER, "", true, null);
    assertEquals(Privilege.USER, saOfUser.entry().privilege());
    assertEquals("", saOfUser.entry().policy());

    Change.CreateIdentity saOfRoot =
        CHANGES.createIdentity(s, ROOTS, "e", ROOT, STRANGER, "", true, null);
    assertEquals("", saOfRoot.enclave());
    assertEquals(Privilege.SYS_ADMIN, saOfRoot.entry().privilege());
    assertEquals(List.of(STRANGER), s.apply(saOfRoot).serviceAccounts("", ROOT));
    assertEquals(
        "", CHANGES.createIdentity(s, ROOTS, "e", SYSADMIN, STRANGER, "", true, null).enclave());

    assertError(
        403,
        "access denied: insufficient permissions",
        () -> CHANGES.createIdentity(s, ROOTS, "e", STRANGER, Fixtures.SA, "", true, null));
    assertError(
        400,
        "kms: invalid privilege 'root'",
        () -> CHANGES.createIdentity(s, ROOTS, "e", ADMIN, STRANGER, "root", false, null));
    assertError(
        400,
        "kms: identity must not be empty",
        () -> CHANGES.createIdentity(s, ROOTS, "e", ADMIN, Identity.ZERO, "", false, null));
  }

  @Test
  void policiesAndTheRest() {
    Change.CreatePolicy p =
        CHANGES.createPolicy("e", "q", Map.of("key:decrypt", List.of("*")), null, ADMIN);
    assertEquals(Set.of("KEY:DECRYPT"), p.policy().allow().keySet());
    assertEquals(T1, p.policy().createdAt());
    assertError(
        400,
        "kms: invalid cmd 'KEY:ALL'",
        () -> CHANGES.createPolicy("e", "q", Map.of("KEY:ALL", List.of("*")), null, ADMIN));
    assertEquals(new Change.DeletePolicy("e", "q"), CHANGES.deletePolicy("e", "q"));
    assertEquals(new Change.AssignPolicy("e", USER, "q"), CHANGES.assignPolicy("e", USER, "q"));
    assertEquals(new Change.DeleteIdentity("e", USER), CHANGES.deleteIdentity("e", USER));
    assertEquals(new Change.DeleteEnclave("e"), CHANGES.deleteEnclave("e"));
    assertEquals(new Change.CreateEnclave("n", T1, ROOT), CHANGES.createEnclave("n", ROOT));
    assertError(
        400, "invalid enclave name '': name is empty", () -> CHANGES.createEnclave("", ROOT));
    assertEquals(new Change.AddNode("b:7373"), CHANGES.addNode("b:7373"));
    assertEquals(Change.RemoveNode.of(2), CHANGES.removeNode(2));
  }
}
