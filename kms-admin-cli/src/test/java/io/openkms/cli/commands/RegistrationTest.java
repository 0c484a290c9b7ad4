package io.openkms.cli.commands;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.openkms.cli.CliRun;
import io.openkms.cli.Minkms;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;

/**
 * The client commands are registered in {@link Minkms#SUBCOMMANDS}, in help and in the completion
 * script.
 */
class RegistrationTest {
  static final List<String> COMMANDS =
      List.of(
          "identity",
          "add",
          "rm",
          "ls",
          "stat",
          "edit",
          "add-enclave",
          "rm-enclave",
          "ls-enclave",
          "stat-enclave",
          "add-key",
          "rm-key",
          "ls-key",
          "stat-key",
          "keygen",
          "decrypt",
          "encrypt",
          "mac",
          "add-policy",
          "get-policy",
          "stat-policy",
          "set-policy",
          "rm-policy",
          "ls-policy",
          "add-identity",
          "rm-identity",
          "ls-identity",
          "get-identity",
          "bench",
          "backup",
          "restore",
          "restart",
          "logs",
          "pprof",
          "env");

  @Test
  void everyCommandIsASubcommandWithItsAliases() {
    Set<String> names =
        new TreeSet<>(Minkms.commandLine(CliRun.quietContext()).getSubcommands().keySet());
    Set<String> expected = new TreeSet<>(COMMANDS);
    expected.addAll(
        List.of(
            "server",
            "version",
            "completion",
            "help",
            "ls-enclaves",
            "ls-keys",
            "ls-policies",
            "ls-identities"));
    assertEquals(expected, names);
  }

  @Test
  void helpListsEveryCommand() {
    CliRun help = CliRun.run(CliRun.quietContext(), "help");
    assertEquals(0, help.exitCode());
    for (String command : COMMANDS) {
      assertTrue(
          help.out().contains("\n  " + command + " ")
              || help.out().contains("\n  " + command + ","),
          command + " in\n" + help.out());
    }
  }

  @Test
  void everyCommandHasHelp() {
    for (String command : COMMANDS) {
      CliRun help = CliRun.run(CliRun.quietContext(), command, "--help");
      assertEquals(0, help.exitCode(), command);
      assertTrue(help.out().startsWith("Usage: minkms " + command), help.out());
    }
    assertTrue(CliRun.run(CliRun.quietContext(), "help", "stat-key").out().contains("-v=VER"));
  }

  @Test
  void theCompletionScriptKnowsEveryCommandAndTheClientOptions() {
    CliRun completion = CliRun.run(CliRun.quietContext(), "completion");
    assertEquals(0, completion.exitCode());
    for (String command : COMMANDS) {
      assertTrue(
          completion.out().contains("function _picocli_minkms_" + command.replace("-", "")),
          command);
    }
    for (String option :
        List.of(
            "--api-key",
            "--insecure",
            "--enclave",
            "--json",
            "--rm",
            "--import",
            "--all",
            "--admin",
            "--service",
            "--type")) {
      assertTrue(completion.out().contains(option), option);
    }
  }
}
