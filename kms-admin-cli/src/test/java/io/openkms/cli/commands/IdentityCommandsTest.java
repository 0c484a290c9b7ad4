package io.openkms.cli.commands;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.openkms.cli.CliRun;
import io.openkms.kms.crypto.ApiKey;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * {@link IdentityCommands}: {@code identity} (docs/REFERENCE.md §2.3, docs/PROTOCOL.md §2.2
 * vectors) and {@code add-identity}, {@code rm-identity}, {@code ls-identity}, {@code get-identity}
 * (§2.9) against a real node.
 */
class IdentityCommandsTest {
  private static final Pattern NEW_KEY_TEXT =
      Pattern.compile(
          """
            Your API key:

               (k1:[A-Za-z0-9_-]{43})

            This is the only time it is shown: copy it now and keep it secret.

            Your API key's identity:

               (h1:[A-Za-z0-9_-]{43})

            The identity is not secret: it names the API key in identity and policy commands.

            Recompute the identity of an API key with: minkms identity k1:APIKEY
            """);
  private static final Pattern KEY_JSON =
      Pattern.compile(
          "\\{\"api_key\":\"(k1:[A-Za-z0-9_-]{43})\",\"identity\":\"(h1:[A-Za-z0-9_-]{43})\"}\n");
  private static final String[][] VECTORS = {
    {
      "k1:AqwjUvaWEE9O83quGOkiO_2D1x37Za9gE4L5UHdq0Ag",
      "h1:FALvKoL5sB2mfvXrbheZ8tgKjIJZ60gN-VH9TcfK7Q0"
    },
    {
      "k1:T5duXn2-loqNy4LJT9m-1u6bTi3-GvztEgeIkNYeypg",
      "h1:qggD1mUjQkp_uODaOLduK6Y2ramHXzPWt3lEXMT6FNk"
    },
    {
      "k1:d7cY_5k8HbBGkZpoy2hGmvkxg83QDBXsA_nFXDfTk2E",
      "h1:Rvxa7nj8zkL48CeDkN6LhpX-K7KK6uhIhpBOcTHNhWw"
    },
    {
      "k1:xZnpcYtPdVMNLBBRaUO5HPEoK_jVrcc3MWR8BshkjJw",
      "h1:l4AoVm6xKAVGsfo8J_ttCOC6Odgq3GJLHg5NtAdOAr0"
    },
  };
  private static final String TIME = "\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\d(\\.\\d+)?Z";

  private static TestNode node;

  @BeforeAll
  static void startNode() throws Exception {
    node = TestNode.start();
    assertEquals(new CliRun(0, "", ""), node.run("add-enclave", "tenant"));
  }

  @AfterAll
  static void stopNode() throws Exception {
    node.close();
  }

  private static CliRun offline(String... args) {
    return CliRun.run(CliRun.quietContext(), args);
  }

  /** Times replaced by {@code TIME}, so that the rest can be compared exactly. */
  private static String untimed(String text) {
    return text.replaceAll(TIME, "TIME");
  }

  private static String givenText(String key, String identity) {
    return "Your API key:\n\n   "
        + key
        + "\n\n"
        + "This is the API key you gave, not a new one. Keep it secret.\n\n"
        + "Your API key's identity:\n\n   "
        + identity
        + "\n\n"
        + "The identity is not secret: it names the API key in identity and policy commands.\n\n"
        + "Recompute the identity of an API key with: minkms identity k1:APIKEY\n";
  }

  // ---- minkms identity -------------------------------------------------------------------

  @Test
  void identityOfTheWireProtocolVectorsAsText() {
    for (String[] v : VECTORS) {
      assertEquals(new CliRun(0, givenText(v[0], v[1]), ""), offline("identity", v[0]));
    }
  }

  @Test
  void identityOfTheWireProtocolVectorsAsJson() {
    for (String[] v : VECTORS) {
      assertEquals(
          new CliRun(0, "{\"api_key\":\"" + v[0] + "\",\"identity\":\"" + v[1] + "\"}\n", ""),
          offline("identity", "--json", v[0]));
    }
  }

  @Test
  void identityWithoutArgumentGeneratesANewKeyEachTime() {
    CliRun first = offline("identity");
    CliRun second = offline("identity");
    assertEquals(0, first.exitCode());
    assertEquals("", first.err());
    Matcher m = NEW_KEY_TEXT.matcher(first.out());
    assertTrue(m.matches(), first.out());
    assertEquals(ApiKey.parse(m.group(1)).identity().toString(), m.group(2));
    Matcher n = NEW_KEY_TEXT.matcher(second.out());
    assertTrue(n.matches(), second.out());
    assertNotEquals(m.group(1), n.group(1));
  }

  @Test
  void identityWithoutArgumentAsJson() {
    CliRun result = offline("identity", "--json");
    assertEquals(0, result.exitCode());
    Matcher m = KEY_JSON.matcher(result.out());
    assertTrue(m.matches(), result.out());
    assertEquals(ApiKey.parse(m.group(1)).identity().toString(), m.group(2));
  }

  @Test
  void identityOfAnHsmKeyIsTheRootApiKeyOfTheServerBanner() {
    String bannerKey =
        node.node
            .banner()
            .lines()
            .filter(l -> l.startsWith("API Key"))
            .map(l -> l.substring("API Key".length()).strip())
            .findFirst()
            .orElseThrow();
    assertEquals(node.rootKey(), bannerKey);
    String identity = ApiKey.parse(bannerKey).identity().toString();
    assertEquals(
        new CliRun(
            0, "{\"api_key\":\"" + bannerKey + "\",\"identity\":\"" + identity + "\"}\n", ""),
        offline("identity", "--json", TestNode.HSM_KEY));
    String text =
        "Your API key:\n\n   "
            + bannerKey
            + "\n\n"
            + "It is derived from the HSM key and can be recomputed from it at any time with:\n"
            + "minkms identity hsm:aes256:KEYVALUE. Keep it secret.\n\n"
            + "Your API key's identity:\n\n   "
            + identity
            + "\n\n"
            + "The identity is not secret: it names the API key in identity and policy commands.\n\n"
            + "Recompute the identity of an API key with: minkms identity k1:APIKEY\n";
    assertEquals(new CliRun(0, text, ""), offline("identity", TestNode.HSM_KEY));
  }

  @Test
  void identityOfAMalformedKeyIsAUsageError() {
    assertEquals(
        new CliRun(
            2,
            "",
            "minkms: invalid API key: 'k1:' must be followed by 43 base64url characters,"
                + " got 3: use the k1:… key printed by the server or minkms identity\n"),
        offline("identity", "k1:abc"));
    assertEquals(
        new CliRun(
            2,
            "",
            "minkms: invalid API key: 'k2:' must be followed by 43, 64 or 88 base64url"
                + " characters (P-256, P-384, P-521), got 1: use the k1:… key printed by the server or minkms identity\n"),
        offline("identity", "k2:a"));
    assertEquals(
        new CliRun(2, "", "minkms: invalid HSM key: want 32 bytes, got 3\n"),
        offline("identity", "hsm:aes256:AAAA"));
    assertEquals(
        new CliRun(2, "", "minkms: invalid HSM key: missing prefix \"hsm:aes256:\"\n"),
        offline("identity", "hsm:aes128:AAAA"));
    assertEquals(
        new CliRun(
            2,
            "",
            "minkms: invalid key: want an API key (k1:… or k2:…) or an HSM key"
                + " (hsm:aes256:…)\n"),
        offline("identity", "secret-value"));
    assertEquals(2, offline("identity", "a", "b").exitCode());
  }

  // ---- client identity commands -----------------------------------------------------------

  @Test
  void getIdentityWithoutArgumentShowsTheCaller() {
    String text =
        "Identity          "
            + node.rootIdentity()
            + "\n"
            + "Privilege         SysAdmin\n"
            + "Policy            -\n"
            + "Created           -\n"
            + "Owner             -\n"
            + "Service account   no\n"
            + "Service accounts  -\n"
            + "Tags              -\n";
    assertEquals(new CliRun(0, text, ""), node.run("get-identity"));
    assertEquals(
        new CliRun(
            0,
            "{\"identity\":\""
                + node.rootIdentity()
                + "\",\"privilege\":1,\"policy\":\"\","
                + "\"created_by\":\"\",\"is_service_account\":false,\"service_accounts\":[],\"tags\":{}}\n",
            ""),
        node.run("get-identity", "--json"));
  }

  @Test
  void addIdentityWithoutIdentityPrintsANewAdminKeyOnce() {
    CliRun added = node.run("add-identity", "-e", "tenant", "--admin");
    assertEquals(0, added.exitCode(), added.err());
    Matcher m = NEW_KEY_TEXT.matcher(added.out());
    assertTrue(m.matches(), added.out());
    String key = m.group(1);
    String identity = m.group(2);
    assertEquals(ApiKey.parse(key).identity().toString(), identity);

    CliRun self =
        TestNode.runIn(
            node.context(Map.of("MINIO_KMS_API_KEY", key)), "get-identity", "-e", "tenant");
    assertEquals(
        new CliRun(
            0,
            "Identity          "
                + identity
                + "\n"
                + "Privilege         Admin\n"
                + "Policy            -\n"
                + "Created           TIME\n"
                + "Owner             "
                + node.rootIdentity()
                + "\n"
                + "Service account   no\n"
                + "Service accounts  -\n"
                + "Tags              -\n",
            ""),
        new CliRun(self.exitCode(), untimed(self.out()), self.err()));
  }

  @Test
  void addIdentityAsJsonPrintsKeyAndIdentity() {
    CliRun added = node.run("add-identity", "-e", "tenant", "--json");
    Matcher m = KEY_JSON.matcher(added.out());
    assertTrue(m.matches(), added.out() + added.err());
    CliRun got = node.run("get-identity", "-e", "tenant", "--json", m.group(2));
    assertEquals(
        new CliRun(
            0,
            "{\"identity\":\""
                + m.group(2)
                + "\",\"privilege\":3,\"policy\":\"\","
                + "\"created_at\":\"TIME\",\"created_by\":\""
                + node.rootIdentity()
                + "\",\"is_service_account\":false,"
                + "\"service_accounts\":[],\"tags\":{}}\n",
            ""),
        new CliRun(got.exitCode(), untimed(got.out()), got.err()));
  }

  /** The created_at of a JSON answer, as the text output shows it ({@link Text#time}). */
  static String createdAt(String json) {
    Matcher m = Pattern.compile("\"created_at\":\"([^\"]+)\"").matcher(json);
    assertTrue(m.find(), json);
    return Instant.parse(m.group(1)).truncatedTo(ChronoUnit.SECONDS).toString();
  }

  @Test
  void addListAndRemoveAGivenUserIdentity() {
    String user = "h1:FALvKoL5sB2mfvXrbheZ8tgKjIJZ60gN-VH9TcfK7Q0";
    assertEquals(new CliRun(0, "", ""), node.run("add-identity", "-e", "tenant", user));
    assertEquals(
        new CliRun(1, "", "minkms: identity already exists\n"),
        node.run("add-identity", "-e", "tenant", user));
    String created = createdAt(node.run("get-identity", "-e", "tenant", "--json", user).out());
    assertEquals(
        new CliRun(
            0,
            "Privilege  Policy  Created               Identity\n"
                + "User       -       "
                + created
                + "  "
                + user
                + "\n",
            ""),
        node.run("ls-identity", "-e", "tenant", "h1:FALv"));
    CliRun json = node.run("ls-identity", "-e", "tenant", "--json", "h1:FALv");
    assertEquals(
        new CliRun(
            0,
            "{\"identity\":\""
                + user
                + "\",\"privilege\":3,\"policy\":\"\","
                + "\"created_at\":\"TIME\",\"created_by\":\""
                + node.rootIdentity()
                + "\",\"is_service_account\":false,"
                + "\"service_accounts\":[],\"tags\":{}}\n",
            ""),
        new CliRun(json.exitCode(), untimed(json.out()), json.err()));
    assertEquals(new CliRun(0, "", ""), node.run("rm-identity", "-e", "tenant", user));
    assertEquals(
        new CliRun(1, "", "minkms: identity does not exist\n"),
        node.run("get-identity", "-e", "tenant", user));
    assertEquals(
        new CliRun(1, "", "minkms: identity does not exist\n"),
        node.run("rm-identity", "-e", "tenant", user));
    assertEquals(
        new CliRun(0, "Privilege  Policy  Created  Identity\n", ""),
        node.run("ls-identity", "-e", "tenant", "h1:FALv"));
  }

  @Test
  void clusterSysAdminAndServiceAccount() {
    CliRun added = node.run("add-identity", "--admin", "--json");
    Matcher m = KEY_JSON.matcher(added.out());
    assertTrue(m.matches(), added.out() + added.err());
    String adminKey = m.group(1);
    String admin = m.group(2);
    CliRun self =
        TestNode.runIn(
            node.context(Map.of("MINIO_KMS_API_KEY", adminKey)), "get-identity", "--json");
    assertTrue(
        self.out().startsWith("{\"identity\":\"" + admin + "\",\"privilege\":1,"), self.out());

    String service = "h1:qggD1mUjQkp_uODaOLduK6Y2ramHXzPWt3lEXMT6FNk";
    assertEquals(
        new CliRun(0, "", ""),
        TestNode.runIn(
            node.context(Map.of("MINIO_KMS_API_KEY", adminKey)),
            "add-identity",
            "--service",
            service));
    String adminCreated = createdAt(node.run("get-identity", "--json", admin).out());
    String serviceCreated = createdAt(node.run("get-identity", "--json", service).out());
    CliRun parent = node.run("get-identity", admin);
    assertEquals(
        new CliRun(
            0,
            "Identity          "
                + admin
                + "\n"
                + "Privilege         SysAdmin\n"
                + "Policy            -\n"
                + "Created           "
                + adminCreated
                + "\n"
                + "Owner             "
                + node.rootIdentity()
                + "\n"
                + "Service account   no\n"
                + "Service accounts  "
                + service
                + "\n"
                + "Tags              -\n",
            ""),
        parent);
    String[] rows = {
      "SysAdmin            -       " + adminCreated + "  " + admin,
      "SysAdmin (service)  -       " + serviceCreated + "  " + service,
    };
    java.util.Arrays.sort(
        rows, java.util.Comparator.comparing(r -> r.substring(r.lastIndexOf(' ') + 1)));
    assertEquals(
        new CliRun(
            0,
            "Privilege           Policy  Created               Identity\n"
                + rows[0]
                + "\n"
                + rows[1]
                + "\n",
            ""),
        node.run("ls-identity"));
    assertEquals(new CliRun(0, "", ""), node.run("rm-identity", admin));
    assertEquals(
        new CliRun(1, "", "minkms: identity does not exist\n"), node.run("get-identity", service));
    assertEquals(
        new CliRun(0, "Privilege  Policy  Created  Identity\n", ""), node.run("ls-identity"));
  }

  @Test
  void addIdentityUsageErrors() {
    assertEquals(
        new CliRun(
            2,
            "",
            "minkms: no enclave: use -e/--enclave NAME, or --admin for a cluster SysAdmin"
                + " identity\n"),
        node.run("add-identity"));
    assertEquals(
        new CliRun(
            2,
            "",
            "minkms: --admin cannot be used with --service: a service account has its"
                + " creator's privilege\n"),
        node.run("add-identity", "-e", "tenant", "--admin", "--service"));
  }

  @Test
  void anInvalidIdentityIsTheServersError() {
    CliRun result = node.run("get-identity", "-e", "tenant", "h1:nope");
    assertEquals(1, result.exitCode());
    assertEquals("", result.out());
    assertTrue(result.err().startsWith("minkms: kms: invalid identity 'h1:nope': "), result.err());
  }

  @Test
  void aMalformedApiKeyIsAUsageError() {
    assertEquals(
        new CliRun(
            2,
            "",
            "minkms: invalid API key: 'k1:' must be followed by 43 base64url characters,"
                + " got 5: use the k1:… key printed by the server or minkms identity\n"),
        node.run("get-identity", "-a", "k1:short"));
    assertEquals(
        new CliRun(
            2,
            "",
            "minkms: invalid API key: must start with 'k1:' or 'k2:': use the k1:… key"
                + " printed by the server or minkms identity\n"),
        TestNode.runIn(node.context(Map.of("MINIO_KMS_API_KEY", "hsm:aes256:x")), "get-identity"));
  }
}
