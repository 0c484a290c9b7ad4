package io.openkms.cli.commands;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.openkms.cli.CliRun;
import io.openkms.kms.crypto.ApiKey;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** {@link EnclaveCommands} against a real node (docs/REFERENCE.md §2.6). */
class EnclaveCommandsTest {
  private static TestNode node;

  @BeforeAll
  static void startNode() throws Exception {
    node = TestNode.start();
  }

  @AfterAll
  static void stopNode() throws Exception {
    node.close();
  }

  private static String created(String enclave) {
    return IdentityCommandsTest.createdAt(node.run("stat-enclave", "--json", enclave).out());
  }

  @Test
  void addStatListAndRemove() {
    assertEquals(new CliRun(0, "", ""), node.run("add-enclave", "alpha"));
    assertEquals(new CliRun(0, "", ""), node.run("add-enclave", "alpha-2"));
    assertEquals(new CliRun(0, "", ""), node.run("add-enclave", "beta"));
    String alpha = created("alpha");
    String alpha2 = created("alpha-2");

    assertEquals(
        new CliRun(
            0,
            "Name      alpha\n"
                + "Created   "
                + alpha
                + "\n"
                + "Owner     "
                + node.rootIdentity()
                + "\n",
            ""),
        node.run("stat-enclave", "alpha"));
    CliRun json = node.run("stat-enclave", "alpha", "--json");
    assertEquals(0, json.exitCode());
    assertEquals(
        "{\"name\":\"alpha\",\"created_at\":\""
            + json.out().split("\"created_at\":\"")[1].split("\"")[0]
            + "\",\"created_by\":\""
            + node.rootIdentity()
            + "\"}\n",
        json.out());
    assertEquals(alpha, IdentityCommandsTest.createdAt(json.out()));

    assertEquals(
        new CliRun(
            0, "Created               Name\n" + alpha + "  alpha\n" + alpha2 + "  alpha-2\n", ""),
        node.run("ls-enclave", "alph"));
    CliRun lines = node.run("ls-enclaves", "--json", "alpha");
    assertEquals(2, lines.out().lines().count(), lines.out());
    assertEquals(alpha, IdentityCommandsTest.createdAt(lines.out().lines().toList().get(0)));
    assertEquals(alpha2, IdentityCommandsTest.createdAt(lines.out().lines().toList().get(1)));

    assertEquals(new CliRun(0, "", ""), node.run("rm-enclave", "alpha", "alpha-2"));
    assertEquals(new CliRun(0, "Created  Name\n", ""), node.run("ls-enclave", "alph"));
    assertEquals(
        new CliRun(1, "", "minkms: enclave does not exist\n"), node.run("stat-enclave", "alpha"));
    assertEquals(new CliRun(0, "", ""), node.run("rm-enclave", "beta"));
  }

  @Test
  void serverErrorsArePrintedAsTheServerSendsThem() {
    assertEquals(new CliRun(0, "", ""), node.run("add-enclave", "gamma"));
    assertEquals(
        new CliRun(1, "", "minkms: enclave already exists\n"), node.run("add-enclave", "gamma"));
    assertEquals(
        new CliRun(1, "", "minkms: enclave does not exist\n"), node.run("rm-enclave", "nope"));
    assertEquals(
        new CliRun(1, "", "minkms: enclave does not exist\n"),
        node.run("rm-enclave", "gamma", "nope"));
    assertEquals(
        new CliRun(1, "", "minkms: enclave does not exist\n"), node.run("stat-enclave", "gamma"));
    CliRun bad = node.run("add-enclave", "bad name");
    assertEquals(
        new CliRun(
            1,
            "",
            "minkms: invalid enclave name 'bad name': only A-Z, a-z, 0-9, '.', '_' and '-'"
                + " are allowed\n"),
        bad);
  }

  @Test
  void onlySysAdminsManageEnclaves() {
    String stranger = ApiKey.generate().toString();
    assertEquals(
        new CliRun(1, "", "minkms: access denied: insufficient permissions\n"),
        node.run("add-enclave", "-a", stranger, "delta"));
    assertEquals(
        new CliRun(1, "", "minkms: access denied: insufficient permissions\n"),
        node.run("ls-enclave", "-a", stranger));
  }

  @Test
  void argumentsAreRequired() {
    assertEquals(
        new CliRun(2, "", "minkms: Missing required parameter: 'NAME'\n"), node.run("add-enclave"));
    assertEquals(
        new CliRun(2, "", "minkms: Missing required parameter: 'NAME'\n"), node.run("rm-enclave"));
    assertEquals(2, node.run("stat-enclave", "a", "b").exitCode());
  }
}
