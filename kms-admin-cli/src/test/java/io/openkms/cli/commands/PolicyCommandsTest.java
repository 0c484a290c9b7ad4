package io.openkms.cli.commands;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.openkms.cli.CliRun;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** {@link PolicyCommands} against a real node (docs/REFERENCE.md §2.8, §5.3). */
class PolicyCommandsTest {
  /** Every ruleset form of §5.3: a string, an array, an object; empty patterns ignored. */
  private static final String APP_POLICY =
      """
            {
              "allow": {
                "KEY:ENCRYPT": "app-*",
                "KEY:DECRYPT": ["app-*", "shared", ""],
                "KEY:STATUS": {"app-key": {}},
                "KEY:LIST": ["*"]
              },
              "deny": {"KEY:DECRYPT": "app-secret*"}
            }
            """;

  private static final Pattern KEY_JSON =
      Pattern.compile(
          "\\{\"api_key\":\"(k1:[A-Za-z0-9_-]{43})\",\"identity\":\"(h1:[A-Za-z0-9_-]{43})\"}\n");

  private static TestNode node;
  private static Path files;

  @BeforeAll
  static void startNode() throws Exception {
    node = TestNode.start();
    files = Files.createTempDirectory("minkms-cli-policies");
    assertEquals(new CliRun(0, "", ""), node.run("add-enclave", "pol"));
    assertEquals(new CliRun(0, "", ""), pol("add-key", "app-key"));
    assertEquals(new CliRun(0, "", ""), pol("add-key", "other-key"));
  }

  @AfterAll
  static void stopNode() throws Exception {
    node.close();
    try (var all = Files.walk(files)) {
      for (Path p : all.sorted(java.util.Comparator.reverseOrder()).toList()) {
        Files.delete(p);
      }
    }
  }

  private static CliRun pol(String... args) {
    return polAs(null, args);
  }

  /** {@code minkms CMD -k -e pol args...}, with the API key {@code apiKey} unless null. */
  private static CliRun polAs(String apiKey, String... args) {
    String[] all = new String[args.length + 2];
    all[0] = args[0];
    all[1] = "-e";
    all[2] = "pol";
    System.arraycopy(args, 1, all, 3, args.length - 1);
    return TestNode.runIn(
        node.context(apiKey == null ? Map.of() : Map.of("MINIO_KMS_API_KEY", apiKey)), all);
  }

  private static Path file(String name, String content) throws Exception {
    Path f = files.resolve(name);
    Files.writeString(f, content);
    return f;
  }

  private static String created(String policy) {
    return IdentityCommandsTest.createdAt(pol("stat-policy", "--json", policy).out());
  }

  @Test
  void addGetStatAndListAPolicy() throws Exception {
    assertEquals(
        new CliRun(0, "", ""), pol("add-policy", "app", file("app.json", APP_POLICY).toString()));
    String created = created("app");
    assertEquals(
        new CliRun(
            0,
            "Name      app\n"
                + "Created   "
                + created
                + "\n"
                + "Owner     "
                + node.rootIdentity()
                + "\n"
                + "Allow     KEY:DECRYPT  app-*, shared\n"
                + "          KEY:ENCRYPT  app-*\n"
                + "          KEY:LIST     *\n"
                + "          KEY:STATUS   app-key\n"
                + "Deny      KEY:DECRYPT  app-secret*\n",
            ""),
        pol("get-policy", "app"));
    CliRun json = pol("get-policy", "app", "--json");
    String at = json.out().replaceAll(".*\"created_at\":\"([^\"]+)\".*\n", "$1");
    assertEquals(
        new CliRun(
            0,
            "{\"name\":\"app\",\"allow\":{"
                + "\"KEY:DECRYPT\":{\"rules\":{\"app-*\":{},\"shared\":{}}},"
                + "\"KEY:ENCRYPT\":{\"rules\":{\"app-*\":{}}},"
                + "\"KEY:LIST\":{\"rules\":{\"*\":{}}},"
                + "\"KEY:STATUS\":{\"rules\":{\"app-key\":{}}}},"
                + "\"deny\":{\"KEY:DECRYPT\":{\"rules\":{\"app-secret*\":{}}}},"
                + "\"created_at\":\""
                + at
                + "\",\"created_by\":\""
                + node.rootIdentity()
                + "\"}\n",
            ""),
        json);
    assertEquals(created, IdentityCommandsTest.createdAt(json.out()));

    assertEquals(
        new CliRun(
            0,
            "Name      app\n"
                + "Created   "
                + created
                + "\n"
                + "Owner     "
                + node.rootIdentity()
                + "\n",
            ""),
        pol("stat-policy", "app"));
    assertEquals(
        new CliRun(
            0,
            "{\"name\":\"app\",\"created_at\":\""
                + at
                + "\",\"created_by\":\""
                + node.rootIdentity()
                + "\"}\n",
            ""),
        pol("stat-policy", "app", "--json"));
    assertEquals(
        new CliRun(0, "Created               Name\n" + created + "  app\n", ""),
        pol("ls-policy", "ap"));
    assertEquals(
        new CliRun(
            0,
            "{\"name\":\"app\",\"created_at\":\""
                + at
                + "\",\"created_by\":\""
                + node.rootIdentity()
                + "\"}\n",
            ""),
        pol("ls-policies", "ap", "--json"));
  }

  @Test
  void severalPoliciesAndAnEmptyOne() throws Exception {
    assertEquals(
        new CliRun(0, "", ""), pol("add-policy", "empty", file("empty.json", "{}").toString()));
    assertEquals(
        new CliRun(0, "", ""),
        pol("add-policy", "nulls", file("nulls.json", "{\"allow\":null}").toString()));
    assertEquals(
        new CliRun(
            0,
            "Name      empty\n"
                + "Created   "
                + created("empty")
                + "\n"
                + "Owner     "
                + node.rootIdentity()
                + "\n"
                + "Allow     -\n"
                + "Deny      -\n"
                + "\n"
                + "Name      nulls\n"
                + "Created   "
                + created("nulls")
                + "\n"
                + "Owner     "
                + node.rootIdentity()
                + "\n"
                + "Allow     -\n"
                + "Deny      -\n",
            ""),
        pol("get-policy", "empty", "nulls"));
    assertEquals(2, pol("stat-policy", "--json", "empty", "nulls").out().lines().count());
    assertEquals(new CliRun(0, "", ""), pol("rm-policy", "empty", "nulls"));
    assertEquals(new CliRun(1, "", "minkms: policy does not exist\n"), pol("get-policy", "empty"));
    assertEquals(new CliRun(1, "", "minkms: policy does not exist\n"), pol("rm-policy", "nulls"));
  }

  @Test
  void anAssignedPolicyDecidesWhatAUserMayDo() throws Exception {
    assertEquals(
        new CliRun(0, "", ""),
        pol("add-policy", "user-policy", file("user.json", APP_POLICY).toString()));
    CliRun added = pol("add-identity", "--json");
    Matcher m = KEY_JSON.matcher(added.out());
    assertTrue(m.matches(), added.out() + added.err());
    String userKey = m.group(1);
    String user = m.group(2);
    String denied = "minkms: access denied: insufficient permissions\n";

    assertEquals(new CliRun(1, "", denied), polAs(userKey, "encrypt", "app-key", "x"));
    assertEquals(new CliRun(0, "", ""), pol("set-policy", "user-policy", user));
    CliRun encrypted = polAs(userKey, "encrypt", "app-key", "secret text");
    assertEquals(0, encrypted.exitCode(), encrypted.err());
    assertEquals(
        new CliRun(0, "secret text\n", ""),
        polAs(userKey, "decrypt", "app-key", encrypted.out().strip()));
    assertEquals(new CliRun(1, "", denied), polAs(userKey, "encrypt", "other-key", "x"));
    assertEquals(new CliRun(1, "", denied), polAs(userKey, "stat-key", "other-key"));
    assertEquals(new CliRun(1, "", denied), polAs(userKey, "rm-key", "app-key"));
    assertEquals(0, polAs(userKey, "stat-key", "app-key").exitCode());
    assertEquals(0, polAs(userKey, "ls-key").exitCode());
    assertTrue(pol("get-identity", user).out().contains("Policy            user-policy\n"));

    assertEquals(new CliRun(0, "", ""), pol("rm-policy", "user-policy"));
    assertEquals(new CliRun(1, "", denied), polAs(userKey, "encrypt", "app-key", "x"));
  }

  @Test
  void setPolicyErrors() throws Exception {
    assertEquals(
        new CliRun(0, "", ""),
        pol("add-policy", "for-admin", file("admin.json", APP_POLICY).toString()));
    CliRun added = pol("add-identity", "--admin", "--json");
    Matcher m = KEY_JSON.matcher(added.out());
    assertTrue(m.matches(), added.out() + added.err());
    assertEquals(
        new CliRun(1, "", "minkms: kms: policies can only be assigned to User identities\n"),
        pol("set-policy", "for-admin", m.group(2)));
    assertEquals(
        new CliRun(1, "", "minkms: policy does not exist\n"),
        pol("set-policy", "missing", m.group(2)));
    assertEquals(
        new CliRun(2, "", "minkms: identity must not be empty\n"),
        pol("set-policy", "for-admin", ""));
    assertEquals(
        new CliRun(2, "", "minkms: no enclave: use -e/--enclave NAME\n"), node.run("ls-policy"));
  }

  @Test
  void badPolicyFilesAreUsageErrors() throws Exception {
    Path missing = files.resolve("missing.json");
    assertEquals(
        new CliRun(2, "", "minkms: cannot read policy file " + missing + ": no such file\n"),
        pol("add-policy", "p", missing.toString()));
    String[][] cases = {
      {
        "not json",
        "invalid JSON at line 1, column 1: Unrecognized token 'not': was expecting (JSON String,"
            + " Number, Array, Object or token 'null', 'true' or 'false')"
      },
      {
        "{\"allow\": {}} {\"deny\": {}}",
        "invalid JSON at line 1, column 15: a second JSON value" + " after the first"
      },
      {
        "{\"allow\": {\"KEY:ENCRYPT\": \"x\"}, \"allow\": {}}",
        "invalid JSON at line 1, column 40: Duplicate field 'allow'"
      },
      {
        "[\"a\",}",
        "invalid JSON at line 1, column 6: Unexpected character ('}' (code 125)):"
            + " expected a value"
      },
      {"[\"KEY:ENCRYPT\"]", "not a JSON object"},
      {"{\"allow\": {}, \"extra\": {}}", "unknown field 'extra': want allow or deny"},
      {"{\"allow\": [\"KEY:ENCRYPT\"]}", "'allow' must be an object"},
      {
        "{\"deny\": {\"KEY:ENCRYPT\": 1}}",
        "ruleset of 'KEY:ENCRYPT' must be a string, an array of strings or an object"
      },
      {"{\"allow\": {\"KEY:ENCRYPT\": [\"a\", 2]}}", "pattern of 'KEY:ENCRYPT' must be a string"},
    };
    for (String[] c : cases) {
      Path f = file("bad.json", c[0]);
      assertEquals(
          new CliRun(2, "", "minkms: invalid policy file " + f + ": " + c[1] + "\n"),
          pol("add-policy", "p", f.toString()),
          c[0]);
    }
    assertEquals(new CliRun(1, "", "minkms: policy does not exist\n"), pol("get-policy", "p"));
  }
}
