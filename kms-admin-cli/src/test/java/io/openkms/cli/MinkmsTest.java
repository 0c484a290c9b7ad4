package io.openkms.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.security.SecureRandom;
import java.util.Base64;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import picocli.CommandLine.HelpCommand;

/** {@link Minkms}: global flags, version, help, completion, exit codes and one-line errors. */
class MinkmsTest {
  private static final Pattern SOFT_HSM_KEY = Pattern.compile("hsm:aes256:([A-Za-z0-9+/]{43}=)");

  private static CliRun run(String... args) {
    return CliRun.run(CliRun.quietContext(), args);
  }

  @Test
  void softHsmKeyIsStandardBase64Of32Bytes() {
    SecureRandom counting =
        new SecureRandom() {
          @Override
          public void nextBytes(byte[] bytes) {
            for (int i = 0; i < bytes.length; i++) {
              bytes[i] = (byte) i;
            }
          }
        };
    assertEquals(
        "hsm:aes256:AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=", Minkms.newSoftHsmKey(counting));
  }

  @Test
  void softHsmPrintsOnlyTheKeyWhenStdoutIsNotATerminal() {
    CliRun first = run("--soft-hsm");
    CliRun second = run("--soft-hsm");
    assertEquals(0, first.exitCode());
    assertEquals("", first.err());
    assertTrue(first.out().endsWith("\n"), first.out());
    assertEquals(1, first.out().lines().count());
    Matcher matcher = SOFT_HSM_KEY.matcher(first.out().substring(0, first.out().length() - 1));
    assertTrue(matcher.matches(), first.out());
    assertEquals(32, Base64.getDecoder().decode(matcher.group(1)).length);
    assertNotEquals(first.out(), second.out());
  }

  @Test
  void softHsmWarnsOnATerminal() {
    CliRun result = CliRun.run(CliRun.quietContext().withTerminal(true), "--soft-hsm");
    assertEquals(0, result.exitCode());
    List<String> lines = result.out().lines().toList();
    assertTrue(SOFT_HSM_KEY.matcher(lines.get(0)).matches(), lines.get(0));
    assertEquals(
        List.of(
            "",
            "This HSM key is shown only once: store it in a safe place, such as a secrets vault.",
            "All nodes of a cluster need the same key. Losing it loses all data: without it,",
            "the state of the nodes cannot be decrypted."),
        lines.subList(1, lines.size()));
  }

  @Test
  void softHsmWithACommandIsAUsageError() {
    CliRun result = run("--soft-hsm", "version");
    assertEquals(new CliRun(2, "", "minkms: --soft-hsm cannot be used with a command\n"), result);
  }

  @Test
  void versionFlagAndCommandPrintTheSameLine() {
    String line =
        "minkms version "
            + BuildInfo.current().release()
            + " (commit="
            + BuildInfo.current().commit()
            + ")\n";
    assertEquals(new CliRun(0, line, ""), run("--version"));
    assertEquals(new CliRun(0, line, ""), run("version"));
    assertEquals(new CliRun(0, line, ""), run("server", "--version"));
    assertEquals(new CliRun(0, line, ""), run("completion", "-V"));
  }

  @Test
  void helpListsTheSubcommands() {
    CliRun result = run("--help");
    assertEquals(0, result.exitCode());
    assertTrue(
        result.out().startsWith("Usage: minkms [-hV] [--soft-hsm] [COMMAND]\n"), result.out());
    for (String command : List.of("server", "version", "completion", "help")) {
      assertTrue(result.out().contains("\n  " + command + " "), command);
    }
    assertEquals(result, run("help"));
  }

  @Test
  void helpOfACommand() {
    CliRun result = run("help", "server");
    assertEquals(0, result.exitCode());
    assertTrue(result.out().startsWith("Usage: minkms server "), result.out());
    assertTrue(result.out().contains("\n      --address=IP[:PORT]   Listen address"), result.out());
  }

  @Test
  void noArgumentsPrintsUsageAndExits2() {
    CliRun result = run();
    assertEquals(2, result.exitCode());
    assertEquals("", result.out());
    assertTrue(
        result.err().startsWith("Usage: minkms [-hV] [--soft-hsm] [COMMAND]\n"), result.err());
  }

  @Test
  void unknownOptionAndCommandAreUsageErrors() {
    assertEquals(new CliRun(2, "", "minkms: Unknown option: '--bogus'\n"), run("--bogus"));
    assertEquals(
        new CliRun(
            2,
            "",
            "minkms: unknown command 'zzzzzzzz': run 'minkms help' for the list of commands\n"),
        run("zzzzzzzz"));
    assertEquals(new CliRun(2, "", "minkms: Missing required parameter: 'DIR'\n"), run("server"));
  }

  @Test
  void completionPrintsABashScriptForEveryCommand() {
    CliRun result = run("completion");
    assertEquals(0, result.exitCode());
    assertEquals("", result.err());
    assertTrue(result.out().contains("complete -F _complete_minkms"), result.out());
    assertTrue(result.out().contains("--soft-hsm"));
    assertTrue(result.out().contains("--address"));
  }

  @Test
  void subcommandRegistryIsTheSingleListOfCommands() {
    // The client commands (io.openkms.cli.commands.RegistrationTest) are appended after these.
    assertEquals(
        List.of(
            io.openkms.cli.server.ServerCommand.class,
            VersionCommand.class,
            CompletionCommand.class,
            HelpCommand.class),
        Minkms.SUBCOMMANDS.subList(0, 4));
    assertEquals(
        List.of("server", "version", "completion", "help"),
        List.copyOf(Minkms.commandLine(CliRun.quietContext()).getSubcommands().keySet())
            .subList(0, 4));
  }

  /** A named command builds only its own picocli model (issue 16, item 9: start time). */
  @Test
  void aNamedCommandRegistersOnlyItself() {
    assertEquals(
        List.of(io.openkms.cli.commands.KeyCommands.LsKey.class),
        Minkms.subcommandsFor("ls-key", "-e", "x"));
    assertEquals(
        List.of(io.openkms.cli.commands.KeyCommands.LsKey.class), Minkms.subcommandsFor("ls-keys"));
    assertEquals(List.of(VersionCommand.class), Minkms.subcommandsFor("version"));
    assertEquals(
        java.util.Set.of("ls-key", "ls-keys"),
        Minkms.commandLine(CliRun.quietContext(), "ls-key").getSubcommands().keySet());
    // help and completion list the others; without a command name picocli needs them all
    for (String[] args :
        List.of(
            new String[0],
            new String[] {"help", "ls-key"},
            new String[] {"completion"},
            new String[] {"--help"},
            new String[] {"ls-kye"},
            new String[] {"--soft-hsm"})) {
      assertEquals(Minkms.SUBCOMMANDS, Minkms.subcommandsFor(args), List.of(args).toString());
    }
    CliRun help = CliRun.run(CliRun.quietContext(), "help", "ls-key");
    assertEquals(0, help.exitCode(), help.err());
    assertTrue(help.out().startsWith("Usage: minkms ls-key"), help.out());
    CliRun typo = CliRun.run(CliRun.quietContext(), "ls-kye");
    assertTrue(typo.err().contains("did you mean 'ls-key'"), typo.err());
  }

  /** Only near names are suggested (issue 16 trial: {@code nosuch} got {@code 'bench'}). */
  @Test
  void unknownCommandsNameOnlyNearCommands() {
    assertEquals(
        new CliRun(
            2,
            "",
            "minkms: unknown command 'stat-kye': did you mean 'stat-key'? Run 'minkms help' for"
                + " the list of commands\n"),
        CliRun.run(CliRun.quietContext(), "stat-kye"));
    assertEquals(
        new CliRun(
            2,
            "",
            "minkms: unknown command 'nosuch': run 'minkms help' for the list of commands\n"),
        CliRun.run(CliRun.quietContext(), "nosuch"));
    assertEquals(1, Minkms.typoDistance("ls-kye", "ls-key"));
    assertEquals(1, Minkms.typoDistance("ab", "BA"));
    assertEquals(0, Minkms.typoDistance("ls", "ls"));
  }

  @Test
  void failuresAreOneLineWithTheirExitCode() {
    CliContext failing =
        CliRun.quietContext()
            .withEnv(java.util.Map.of("MINIO_KMS_HSM_KEY", "hsm:aes256:x"))
            .withNodeLauncher(
                (options, config) -> {
                  throw new IllegalStateException("first line\n  second line\n");
                });
    assertEquals(
        new CliRun(1, "", "minkms: first line second line\n"),
        CliRun.run(failing, "server", "/tmp/v"));

    CliContext noMessage =
        failing.withNodeLauncher(
            (options, config) -> {
              throw new NullPointerException();
            });
    assertEquals(
        new CliRun(1, "", "minkms: NullPointerException\n"),
        CliRun.run(noMessage, "server", "/tmp/v"));

    CliContext usage =
        failing.withNodeLauncher(
            (options, config) -> {
              throw CliException.usage("bad input");
            });
    assertEquals(new CliRun(2, "", "minkms: bad input\n"), CliRun.run(usage, "server", "/tmp/v"));

    CliContext ok = failing.withNodeLauncher((options, config) -> 0);
    assertEquals(new CliRun(0, "", ""), CliRun.run(ok, "server", "/tmp/v"));
  }

  @Test
  void theDefaultNodeLauncherIsUnavailable() {
    CliContext context =
        CliRun.quietContext().withEnv(java.util.Map.of("MINIO_KMS_HSM_KEY", "hsm:aes256:x"));
    assertEquals(
        new CliRun(1, "", "minkms: server not available in this build\n"),
        CliRun.run(context, "server", "/tmp/v"));
  }
}
