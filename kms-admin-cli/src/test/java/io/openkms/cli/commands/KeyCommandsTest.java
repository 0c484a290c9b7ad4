package io.openkms.cli.commands;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.openkms.cli.CliRun;
import io.openkms.kms.crypto.Identity;
import io.openkms.kms.crypto.KeyType;
import io.openkms.kms.crypto.KeyVersion;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Base64;
import java.util.HashSet;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** {@link KeyCommands} against a real node (docs/REFERENCE.md §2.7, §6). */
class KeyCommandsTest {
  /** 32 bytes 0x00…0x1f, the material of the imported key. */
  private static final byte[] MATERIAL = new byte[32];

  private static final String MATERIAL_B64;

  static {
    for (int i = 0; i < MATERIAL.length; i++) {
      MATERIAL[i] = (byte) i;
    }
    MATERIAL_B64 = Base64.getEncoder().encodeToString(MATERIAL);
  }

  private static final Pattern KEYGEN =
      Pattern.compile("Plaintext   ([A-Za-z0-9+/=]{44})\nCiphertext  (v\\d+:[A-Za-z0-9+/=]+)\n");
  private static final Pattern KEYGEN_JSON =
      Pattern.compile(
          "\\{\"version\":(\\d+),\"plaintext\":\"([A-Za-z0-9+/=]{44})\",\"ciphertext\":\"([A-Za-z0-9+/=]+)\"}\n");
  private static TestNode node;

  @BeforeAll
  static void startNode() throws Exception {
    node = TestNode.start();
    assertEquals(new CliRun(0, "", ""), node.run("add-enclave", "keys"));
    assertEquals(
        new CliRun(0, "", ""),
        node.run("add-key", "-e", "keys", "imported", "--import", MATERIAL_B64));
  }

  @AfterAll
  static void stopNode() throws Exception {
    node.close();
  }

  private static CliRun key(String... args) {
    String[] withEnclave = new String[args.length + 2];
    withEnclave[0] = args[0];
    withEnclave[1] = "-e";
    withEnclave[2] = "keys";
    System.arraycopy(args, 1, withEnclave, 3, args.length - 1);
    return node.run(withEnclave);
  }

  private static String created(String name, String... version) {
    String[] args =
        version.length == 0
            ? new String[] {"stat-key", "--json", name}
            : new String[] {"stat-key", "--json", name, "-v", version[0]};
    return IdentityCommandsTest.createdAt(key(args).out());
  }

  private static String stat(String name, int version, String type, String created) {
    return "Name      "
        + name
        + "\n"
        + "Version   "
        + version
        + "\n"
        + "Type      "
        + type
        + "\n"
        + "Created   "
        + created
        + "\n"
        + "Owner     "
        + node.rootIdentity()
        + "\n";
  }

  private static KeyVersion importedVersion() {
    return new KeyVersion(1, KeyType.AES256, MATERIAL.clone(), Instant.EPOCH, Identity.ZERO);
  }

  /**
   * Names of the live selector threads of JDK HTTP clients ({@code HttpClient-N-SelectorManager}).
   */
  private static Set<String> selectorThreads() {
    Set<String> names = new HashSet<>();
    for (Thread t : Thread.getAllStackTraces().keySet()) {
      if (t.isAlive() && t.getName().matches("HttpClient-\\d+-SelectorManager")) {
        names.add(t.getName());
      }
    }
    return names;
  }

  /**
   * A client command closes its client, whether it succeeds or fails: no selector thread of it is
   * left in native code, where it held up every command's JVM exit by up to 300 ms
   * (docs/PERFORMANCE.md, "CLI start time").
   */
  @Test
  void aClientCommandLeavesNoSelectorThreadBehind() {
    Set<String> before = selectorThreads();
    CliRun listed = key("ls-key");
    assertEquals(0, listed.exitCode(), listed.err());
    CliRun refused = node.run("ls-key", "-e", "no-such-enclave");
    assertEquals(1, refused.exitCode(), refused.out());
    Set<String> left = selectorThreads();
    left.removeAll(before);
    assertEquals(Set.of(), left);
  }

  @Test
  void addRotateStatAndRemoveVersions() {
    assertEquals(new CliRun(0, "", ""), key("add-key", "rotating"));
    assertEquals(new CliRun(1, "", "minkms: key already exists\n"), key("add-key", "rotating"));
    String v1 = created("rotating");
    assertEquals(new CliRun(0, stat("rotating", 1, "AES256", v1), ""), key("stat-key", "rotating"));
    assertEquals(new CliRun(0, "", ""), key("add-key", "rotating", "--version"));
    String v2 = created("rotating");
    assertEquals(new CliRun(0, stat("rotating", 2, "AES256", v2), ""), key("stat-key", "rotating"));
    assertEquals(
        new CliRun(0, stat("rotating", 1, "AES256", v1), ""),
        key("stat-key", "rotating", "-v", "1"));
    assertEquals(
        new CliRun(
            0,
            "{\"name\":\"rotating\",\"version\":1,\"type\":\"AES256\",\"created_at\":\"TIME\","
                + "\"created_by\":\""
                + node.rootIdentity()
                + "\"}\n",
            ""),
        untimed(key("stat-key", "rotating", "-v", "1", "--json")));

    assertEquals(new CliRun(0, "", ""), key("rm-key", "rotating"));
    assertEquals(new CliRun(0, stat("rotating", 1, "AES256", v1), ""), key("stat-key", "rotating"));
    assertEquals(
        new CliRun(1, "", "minkms: key does not exist\n"), key("stat-key", "rotating", "-v", "2"));
    assertEquals(new CliRun(0, "", ""), key("add-key", "rotating", "--version"));
    assertEquals(new CliRun(0, "", ""), key("rm-key", "rotating", "-v", "1"));
    assertEquals(
        new CliRun(1, "", "minkms: key does not exist\n"), key("stat-key", "rotating", "-v", "1"));
    assertEquals(
        3,
        Integer.parseInt(key("stat-key", "rotating").out().lines().toList().get(1).substring(10)));
    assertEquals(new CliRun(0, "", ""), key("rm-key", "rotating", "--all"));
    assertEquals(new CliRun(1, "", "minkms: key does not exist\n"), key("stat-key", "rotating"));
  }

  @Test
  void keyTypes() {
    assertEquals(new CliRun(0, "", ""), key("add-key", "chacha", "--type", "ChaCha20"));
    assertEquals(
        new CliRun(0, stat("chacha", 1, "ChaCha20", created("chacha")), ""),
        key("stat-key", "chacha"));
    assertEquals(
        new CliRun(1, "", "minkms: kms: key type 'AES128' is not supported\n"),
        key("add-key", "other", "--type", "AES128"));
  }

  @Test
  void statOfSeveralKeysIsOneBlockEach() {
    assertEquals(new CliRun(0, "", ""), key("add-key", "first"));
    assertEquals(new CliRun(0, "", ""), key("add-key", "second"));
    assertEquals(
        new CliRun(
            0,
            stat("first", 1, "AES256", created("first"))
                + "\n"
                + stat("second", 1, "AES256", created("second")),
            ""),
        key("stat-key", "first", "second"));
    CliRun json = key("stat-key", "--json", "first", "second");
    assertEquals(2, json.out().lines().count(), json.out());
    assertTrue(
        json.out().lines().toList().get(1).startsWith("{\"name\":\"second\",\"version\":1,"),
        json.out());
    assertEquals(
        new CliRun(1, "", "minkms: key does not exist\n"), key("stat-key", "first", "missing"));
  }

  @Test
  void listKeys() {
    assertEquals(new CliRun(0, "", ""), key("add-key", "list-a"));
    assertEquals(new CliRun(0, "", ""), key("add-key", "list-b", "--type", "ChaCha20"));
    assertEquals(
        new CliRun(
            0,
            "Type      Created               Name\n"
                + "AES256    "
                + created("list-a")
                + "  list-a\n"
                + "ChaCha20  "
                + created("list-b")
                + "  list-b\n",
            ""),
        key("ls-key", "list-"));
    CliRun json = key("ls-keys", "--json", "list-");
    assertEquals(
        new CliRun(
            0,
            "{\"name\":\"list-a\",\"version\":1,\"type\":\"AES256\",\"created_at\":\"TIME\","
                + "\"created_by\":\""
                + node.rootIdentity()
                + "\"}\n"
                + "{\"name\":\"list-b\",\"version\":1,\"type\":\"ChaCha20\",\"created_at\":\"TIME\","
                + "\"created_by\":\""
                + node.rootIdentity()
                + "\"}\n",
            ""),
        untimed(json));
    assertEquals(new CliRun(0, "Type  Created  Name\n", ""), key("ls-key", "nothing-"));
  }

  @Test
  void keygenAndDecrypt() {
    assertEquals(new CliRun(0, "", ""), key("add-key", "data"));
    CliRun generated = key("keygen", "data");
    Matcher m = KEYGEN.matcher(generated.out());
    assertTrue(m.matches(), generated.out() + generated.err());
    assertTrue(m.group(2).startsWith("v1:"), m.group(2));
    byte[] plaintext = Base64.getDecoder().decode(m.group(1));
    assertEquals(32, plaintext.length);
    String shown = Text.utf8(plaintext).orElse(m.group(1));
    assertEquals(new CliRun(0, shown + "\n", ""), key("decrypt", "data", m.group(2)));
    assertEquals(
        new CliRun(0, "{\"plaintext\":\"" + m.group(1) + "\"}\n", ""),
        key("decrypt", "data", m.group(2), "--json"));

    assertEquals(new CliRun(0, "", ""), key("add-key", "data", "--version"));
    CliRun json = key("keygen", "data", "--json");
    Matcher j = KEYGEN_JSON.matcher(json.out());
    assertTrue(j.matches(), json.out() + json.err());
    assertEquals("2", j.group(1));
    assertEquals(
        new CliRun(0, "{\"plaintext\":\"" + j.group(2) + "\"}\n", ""),
        key("decrypt", "data", "v2:" + j.group(3), "--json"));
    CliRun old = key("keygen", "data", "-v", "1");
    Matcher o = KEYGEN.matcher(old.out());
    assertTrue(o.matches(), old.out() + old.err());
    assertTrue(o.group(2).startsWith("v1:"), o.group(2));
    assertEquals(
        new CliRun(0, "{\"plaintext\":\"" + o.group(1) + "\"}\n", ""),
        key("decrypt", "data", o.group(2), "--json"));
  }

  @Test
  void encryptPrintsACiphertextOfTheKeyAndDecryptPrintsText() throws Exception {
    CliRun encrypted = key("encrypt", "imported", "hello, world");
    assertEquals(0, encrypted.exitCode(), encrypted.err());
    assertTrue(encrypted.out().startsWith("v1:"), encrypted.out());
    byte[] ciphertext = Base64.getDecoder().decode(encrypted.out().strip().substring(3));
    assertArrayEquals(
        "hello, world".getBytes(StandardCharsets.UTF_8),
        importedVersion().decrypt(ciphertext, new byte[0]));
    assertEquals(
        new CliRun(0, "hello, world\n", ""), key("decrypt", "imported", encrypted.out().strip()));

    CliRun json = key("encrypt", "imported", "x", "--json");
    Matcher m =
        Pattern.compile("\\{\"version\":1,\"ciphertext\":\"([A-Za-z0-9+/=]+)\"}\n")
            .matcher(json.out());
    assertTrue(m.matches(), json.out());
    assertArrayEquals(
        new byte[] {'x'},
        importedVersion().decrypt(Base64.getDecoder().decode(m.group(1)), new byte[0]));
  }

  @Test
  void decryptPrintsBinaryPlaintextAsBase64() {
    byte[] binary = {(byte) 0xff, (byte) 0xfe, 0x00, 0x01};
    String ciphertext =
        "v1:" + Base64.getEncoder().encodeToString(importedVersion().encrypt(binary, new byte[0]));
    assertEquals(new CliRun(0, "//4AAQ==\n", ""), key("decrypt", "imported", ciphertext));
  }

  @Test
  void macIsTheKeyVersionsMac() {
    String expected =
        "v1:"
            + Base64.getEncoder()
                .encodeToString(importedVersion().mac("message".getBytes(StandardCharsets.UTF_8)));
    assertEquals(new CliRun(0, expected + "\n", ""), key("mac", "imported", "message"));
    assertEquals(new CliRun(0, expected + "\n", ""), key("mac", "imported", "message", "-v", "1"));
    assertEquals(
        new CliRun(0, "{\"version\":1,\"mac\":\"" + expected.substring(3) + "\"}\n", ""),
        key("mac", "imported", "message", "--json"));
    assertEquals(
        new CliRun(1, "", "minkms: key does not exist\n"),
        key("mac", "imported", "message", "-v", "2"));
  }

  @Test
  void decryptErrors() {
    String usage = "minkms: invalid ciphertext: want v<VERSION>:<BASE64>, as keygen prints it\n";
    for (String bad :
        new String[] {"AAAA", "v0:AAAA", "v1:", "v1:A!!A", "vx:AAAA", "1:AAAA", "v1:AAAAA"}) {
      assertEquals(new CliRun(2, "", usage), key("decrypt", "imported", bad), bad);
    }
    String tampered = "v1:" + Base64.getEncoder().encodeToString(new byte[64]);
    assertEquals(
        new CliRun(1, "", "minkms: invalid ciphertext\n"), key("decrypt", "imported", tampered));
    assertEquals(
        new CliRun(1, "", "minkms: key does not exist\n"), key("decrypt", "imported", "v9:AAAA"));
    assertEquals(
        new CliRun(1, "", "minkms: key does not exist\n"), key("decrypt", "missing", "v1:AAAA"));
  }

  @Test
  void importErrors() {
    assertEquals(
        new CliRun(2, "", "minkms: invalid --import key: not standard base64\n"),
        key("add-key", "bad", "--import", "not base64!"));
    assertEquals(
        new CliRun(2, "", "minkms: --import cannot be used with --version\n"),
        key("add-key", "bad", "--import", MATERIAL_B64, "--version"));
    assertEquals(
        new CliRun(1, "", "minkms: kms: invalid key length 16: imported keys must be 32 bytes\n"),
        key("add-key", "bad", "--import", Base64.getEncoder().encodeToString(new byte[16])));
    assertEquals(
        new CliRun(1, "", "minkms: key already exists\n"),
        key("add-key", "imported", "--import", MATERIAL_B64));
  }

  @Test
  void versionAndEnclaveUsageErrors() {
    assertEquals(
        new CliRun(2, "", "minkms: --all cannot be used with -v\n"),
        key("rm-key", "x", "--all", "-v", "1"));
    assertEquals(
        new CliRun(2, "", "minkms: invalid version 0: must be 1 or more\n"),
        key("rm-key", "x", "-v", "0"));
    assertEquals(
        new CliRun(2, "", "minkms: invalid version -3: must be 1 or more\n"),
        key("keygen", "x", "-v", "-3"));
    assertEquals(
        new CliRun(2, "", "minkms: invalid version 0: must be 1 or more\n"),
        key("stat-key", "x", "-v", "0"));
    assertEquals(
        new CliRun(2, "", "minkms: no enclave: use -e/--enclave NAME\n"), node.run("ls-key"));
    assertEquals(
        new CliRun(2, "", "minkms: no enclave: use -e/--enclave NAME\n"),
        node.run("keygen", "data"));
    assertEquals(
        new CliRun(1, "", "minkms: enclave does not exist\n"), node.run("ls-key", "-e", "nowhere"));
  }

  @Test
  void addKeyHelpDoesNotClashWithItsVersionFlag() {
    CliRun help = node.run("add-key", "--help");
    assertEquals(0, help.exitCode());
    assertTrue(help.out().contains("--version"), help.out());
    assertTrue(help.out().contains("Add a new version to an existing key (rotation)."), help.out());
  }

  private static CliRun untimed(CliRun run) {
    return new CliRun(
        run.exitCode(),
        run.out().replaceAll("\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\d(\\.\\d+)?Z", "TIME"),
        run.err());
  }
}
