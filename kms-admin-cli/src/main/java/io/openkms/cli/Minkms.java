package io.openkms.cli;

import io.openkms.cli.commands.BenchCommand;
import io.openkms.cli.commands.ClientCommand;
import io.openkms.cli.commands.ClusterCommands;
import io.openkms.cli.commands.EnclaveCommands;
import io.openkms.cli.commands.EnvCommand;
import io.openkms.cli.commands.IdentityCommands;
import io.openkms.cli.commands.KeyCommands;
import io.openkms.cli.commands.OpsCommands;
import io.openkms.cli.commands.PolicyCommands;
import io.openkms.cli.server.ServerCommand;
import java.io.PrintWriter;
import java.lang.reflect.Constructor;
import java.lang.reflect.Modifier;
import java.security.SecureRandom;
import java.util.Base64;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.HelpCommand;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.ParseResult;
import picocli.CommandLine.Spec;
import picocli.CommandLine.UnmatchedArgumentException;

/**
 * The {@code minkms} program (docs/REFERENCE.md §2): the top-level command, its global {@code
 * --soft-hsm} flag, and the registry of subcommands ({@link #SUBCOMMANDS}).
 *
 * <p>Exit codes: 0 success; 1 server, network or startup error; 2 usage error. Every error is one
 * line {@code minkms: <message>} on standard error, never a stack trace.
 *
 * <p>Adding a command: write a picocli {@code @Command} class with a no-argument constructor
 * ({@code mixinStandardHelpOptions = true} for {@code -h}/{@code -V}), reach the environment
 * through {@code @ParentCommand Minkms minkms} → {@link #context()}, throw {@link CliException} for
 * errors, and add the class to {@link #SUBCOMMANDS}.
 *
 * <p>Shell completion (bash, and zsh with {@code bashcompinit}): {@code source <(minkms
 * completion)}, or install it with {@code minkms completion > /etc/bash_completion.d/minkms}.
 */
@Command(
    name = "minkms",
    mixinStandardHelpOptions = true,
    description = "MinIO KMS compatible key management server and client.",
    footer = {
      "",
      "Environment:",
      "  MINIO_KMS_SERVER   servers to talk to, comma-separated (default https://localhost:7373)",
      "  MINIO_KMS_API_KEY  the API key k1:... of client commands (or -a/--api-key)",
      "  MINIO_KMS_HSM_KEY  the HSM key hsm:aes256:... of 'minkms server' (minkms --soft-hsm)",
      "  NO_COLOR           turns colours off",
      "Files:",
      "  $HOME/.minkms/certs/CAs  CA certificates (PEM) trusted for server certificates",
      "Exit codes:",
      "  0 success, 1 server or network error, 2 usage error,",
      "  3 'stat'/'ls': the cluster answered but some nodes are down",
      "",
      "Run 'minkms help COMMAND' for the options of a command."
    })
public final class Minkms implements Callable<Integer> {

  /** Every subcommand of {@code minkms}, in help order. Add new command classes here. */
  public static final List<Class<?>> SUBCOMMANDS =
      List.of(
          ServerCommand.class,
          VersionCommand.class,
          CompletionCommand.class,
          HelpCommand.class,
          IdentityCommands.Identity.class,
          ClusterCommands.Add.class,
          ClusterCommands.Rm.class,
          ClusterCommands.Ls.class,
          ClusterCommands.Stat.class,
          ClusterCommands.Edit.class,
          EnclaveCommands.AddEnclave.class,
          EnclaveCommands.RmEnclave.class,
          EnclaveCommands.LsEnclave.class,
          EnclaveCommands.StatEnclave.class,
          KeyCommands.AddKey.class,
          KeyCommands.RmKey.class,
          KeyCommands.LsKey.class,
          KeyCommands.StatKey.class,
          KeyCommands.Keygen.class,
          KeyCommands.Decrypt.class,
          KeyCommands.Encrypt.class,
          KeyCommands.Mac.class,
          PolicyCommands.AddPolicy.class,
          PolicyCommands.GetPolicy.class,
          PolicyCommands.StatPolicy.class,
          PolicyCommands.SetPolicy.class,
          PolicyCommands.RmPolicy.class,
          PolicyCommands.LsPolicy.class,
          IdentityCommands.AddIdentity.class,
          IdentityCommands.RmIdentity.class,
          IdentityCommands.LsIdentity.class,
          IdentityCommands.GetIdentity.class,
          OpsCommands.Backup.class,
          OpsCommands.Restore.class,
          OpsCommands.Restart.class,
          OpsCommands.Logs.class,
          OpsCommands.Pprof.class,
          EnvCommand.class,
          BenchCommand.class);

  /** The prefix of every error line. */
  public static final String ERROR_PREFIX = "minkms: ";

  private final CliContext context;

  @Spec private CommandSpec spec;

  @Option(
      names = "--soft-hsm",
      description = "Generate a new software HSM key (hsm:aes256:...) and print it.")
  private boolean softHsm;

  /**
   * @param context the environment the commands read (see {@link CliContext#system()})
   */
  public Minkms(CliContext context) {
    this.context = context;
  }

  /** The environment of this invocation, for subcommands. */
  public CliContext context() {
    return context;
  }

  /** Runs {@code minkms} with the process's environment and exits with its exit code. */
  public static void main(String[] args) {
    System.exit(run(CliContext.system(), args));
  }

  /**
   * Runs {@code minkms} with the given arguments; writes to {@link System#out} and {@link
   * System#err}.
   *
   * @return the exit code: 0, 1 or 2
   */
  public static int run(CliContext context, String... args) {
    return commandLine(context, args).execute(args);
  }

  /**
   * The configured picocli command line of {@code minkms}: every subcommand of {@link
   * #SUBCOMMANDS}, the one-line error handlers and exit codes. Set its output with {@link
   * CommandLine#setOut} / {@link CommandLine#setErr} before {@code execute}.
   */
  public static CommandLine commandLine(CliContext context) {
    return commandLine(context, SUBCOMMANDS);
  }

  /**
   * The command line that runs {@code minkms args...}: as {@link #commandLine(CliContext)}, but
   * with only the subcommand that {@code args[0]} names (by name or alias) when it names one other
   * than {@code help} and {@code completion}, which list the others. picocli builds its model of a
   * command by reflection; the model of all {@link #SUBCOMMANDS} took about a third of the start of
   * a client command (docs/PERFORMANCE.md, "CLI start time"). Without a command name (options,
   * {@code --help}, an unknown command and its suggestions) every subcommand is registered.
   */
  public static CommandLine commandLine(CliContext context, String... args) {
    return commandLine(context, subcommandsFor(args));
  }

  /**
   * The subcommands {@code minkms args...} needs: see {@link #commandLine(CliContext, String...)}.
   */
  static List<Class<?>> subcommandsFor(String... args) {
    if (args.length == 0) {
      return SUBCOMMANDS;
    }
    for (Class<?> subcommand : SUBCOMMANDS) {
      Command command = subcommand.getAnnotation(Command.class);
      if (subcommand != HelpCommand.class
          && subcommand != CompletionCommand.class
          && (command.name().equals(args[0]) || List.of(command.aliases()).contains(args[0]))) {
        return List.of(subcommand);
      }
    }
    return SUBCOMMANDS;
  }

  private static CommandLine commandLine(CliContext context, List<Class<?>> subcommands) {
    CommandLine cmd = new CommandLine(new Minkms(context), new CommandFactory());
    // set here, not as @Command(versionProvider): picocli makes those with its default factory
    cmd.getCommandSpec().versionProvider(new VersionProvider());
    for (Class<?> subcommand : subcommands) {
      cmd.addSubcommand(subcommand);
    }
    for (CommandLine subcommand : cmd.getSubcommands().values()) {
      subcommand.getCommandSpec().versionProvider(new VersionProvider()); // "minkms CMD --version"
      if (subcommand.getCommand() instanceof ClientCommand.ClusterLevel) {
        CommandSpec spec = subcommand.getCommandSpec();
        spec.remove(spec.findOption("--enclave")); // no enclave in cluster commands
      }
    }
    cmd.setParameterExceptionHandler(Minkms::handleUsageError);
    cmd.setExecutionExceptionHandler(Minkms::handleFailure);
    cmd.setExecutionStrategy(Minkms::execute);
    return cmd;
  }

  @Override
  public Integer call() {
    CommandLine cmd = spec.commandLine();
    if (!softHsm) {
      cmd.usage(cmd.getErr());
      return CliException.USAGE;
    }
    PrintWriter out = cmd.getOut();
    out.println(newSoftHsmKey(new SecureRandom()));
    if (context.terminal()) {
      out.println();
      out.println(
          "This HSM key is shown only once: store it in a safe place, such as a secrets vault.");
      out.println(
          "All nodes of a cluster need the same key. Losing it loses all data: without it,");
      out.println("the state of the nodes cannot be decrypted.");
    }
    out.flush();
    return 0;
  }

  /**
   * A new software HSM key, {@code hsm:aes256:<std base64 of 32 random bytes>} (docs/REFERENCE.md
   * §2.3).
   */
  static String newSoftHsmKey(SecureRandom random) {
    byte[] key = new byte[32];
    random.nextBytes(key);
    return "hsm:aes256:" + Base64.getEncoder().encodeToString(key);
  }

  private static int execute(ParseResult parseResult) {
    if (parseResult.hasMatchedOption("--soft-hsm") && parseResult.hasSubcommand()) {
      throw new ParameterException(
          parseResult.commandSpec().commandLine(), "--soft-hsm cannot be used with a command");
    }
    return new CommandLine.RunLast().execute(parseResult);
  }

  private static int handleUsageError(ParameterException ex, String[] args) {
    PrintWriter err = ex.getCommandLine().getErr();
    if (ex instanceof UnmatchedArgumentException unmatched
        && unmatched.isUnknownOption() == false
        && ex.getCommandLine().getParent() == null
        && !unmatched.getUnmatched().isEmpty()) {
      err.println(
          ERROR_PREFIX
              + unknownCommand(unmatched.getUnmatched().get(0), unmatched.getSuggestions()));
      err.flush();
      return CliException.USAGE;
    }
    err.println(ERROR_PREFIX + oneLine(ex.getMessage(), ex));
    err.flush();
    return CliException.USAGE;
  }

  private static int handleFailure(Exception ex, CommandLine cmd, ParseResult parseResult) {
    PrintWriter err = cmd.getErr();
    err.println(ERROR_PREFIX + oneLine(ex.getMessage(), ex));
    err.flush();
    return ex instanceof CliException cli ? cli.exitCode() : CliException.FAILURE;
  }

  /**
   * The line for an unknown command: {@code unknown command 'stat-kye': did you mean 'stat-key'?
   * Run 'minkms help' for the list of commands}, or without suggestions {@code unknown command
   * 'bogus': run 'minkms help' for the list of commands}. Only picocli's suggestions within {@link
   * #typoDistance} max(2, length / 3) of the typed word are named: picocli also offers unrelated
   * names ({@code nosuch} got {@code 'bench'}, {@code stat-kye} also {@code 'stat'} and {@code
   * 'stat-policy'}).
   */
  static String unknownCommand(String command, List<String> picocliSuggestions) {
    int bound = Math.max(2, command.length() / 3);
    List<String> suggestions =
        picocliSuggestions.stream().filter(x -> typoDistance(command, x) <= bound).toList();
    StringBuilder line = new StringBuilder("unknown command '").append(command).append("'");
    if (!suggestions.isEmpty()) {
      line.append(": did you mean ")
          .append(
              String.join(" or ", suggestions.stream().limit(3).map(x -> "'" + x + "'").toList()))
          .append('?');
    }
    return line.append(suggestions.isEmpty() ? ": run" : " Run")
        .append(" 'minkms help' for the list of commands")
        .toString();
  }

  /**
   * The edit distance between two words where inserting, deleting or replacing a character, or
   * swapping two adjacent ones, costs 1 (optimal string alignment, case-insensitive).
   */
  static int typoDistance(String a, String b) {
    String x = a.toLowerCase(java.util.Locale.ROOT);
    String y = b.toLowerCase(java.util.Locale.ROOT);
    int[][] d = new int[x.length() + 1][y.length() + 1];
    for (int i = 0; i <= x.length(); i++) {
      d[i][0] = i;
    }
    for (int j = 0; j <= y.length(); j++) {
      d[0][j] = j;
    }
    for (int i = 1; i <= x.length(); i++) {
      for (int j = 1; j <= y.length(); j++) {
        int cost = x.charAt(i - 1) == y.charAt(j - 1) ? 0 : 1;
        d[i][j] = Math.min(Math.min(d[i - 1][j] + 1, d[i][j - 1] + 1), d[i - 1][j - 1] + cost);
        if (i > 1
            && j > 1
            && x.charAt(i - 1) == y.charAt(j - 2)
            && x.charAt(i - 2) == y.charAt(j - 1)) {
          d[i][j] = Math.min(d[i][j], d[i - 2][j - 2] + 1);
        }
      }
    }
    return d[x.length()][y.length()];
  }

  /** The message on one line; the exception's class name when it has no message. */
  static String oneLine(String message, Throwable ex) {
    if (message == null || message.isBlank()) {
      return ex.getClass().getSimpleName();
    }
    return message.strip().replaceAll("\\s*\\R\\s*", " ");
  }

  /**
   * Makes command, converter and version provider objects with their no-argument constructor.
   * picocli's default factory would do the same, but its class initialiser looks for {@code
   * groovy.lang.Closure}: a class that is on no class path, so the class loader opens every jar of
   * {@code lib/} (about 90, with Pekko, Scala and H2) on every start to not find it. picocli also
   * runs that initialiser when it makes the classes named in {@code @Command} or {@code @Option}
   * attributes (versionProvider, converter, defaultValueProvider): set them on the {@link
   * CommandSpec} instead. Anything else (picocli asks for no interface or abstract class today)
   * goes to picocli's factory.
   */
  static final class CommandFactory implements CommandLine.IFactory {
    @Override
    public <K> K create(Class<K> cls) throws Exception {
      if (cls.isInterface() || Modifier.isAbstract(cls.getModifiers())) {
        return CommandLine.defaultFactory().create(cls);
      }
      Constructor<K> constructor = cls.getDeclaredConstructor();
      constructor.setAccessible(true);
      return constructor.newInstance();
    }
  }

  /** Gives {@code minkms --version} its line, {@link BuildInfo#versionLine()}. */
  static final class VersionProvider implements CommandLine.IVersionProvider {
    @Override
    public String[] getVersion() {
      return new String[] {BuildInfo.current().versionLine()};
    }
  }
}
