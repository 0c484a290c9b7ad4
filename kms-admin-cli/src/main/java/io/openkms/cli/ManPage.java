package io.openkms.cli;

import io.openkms.cli.server.NodeLauncher;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import picocli.CommandLine;
import picocli.CommandLine.Help.Ansi;

/**
 * Writes the manual page {@code minkms(1)} in roff from the picocli model of {@link Minkms}, so
 * that the page and {@code minkms help} never disagree. Run at package time (the distribution's
 * {@code share/man/man1/minkms.1}, installed by the Debian package as {@code
 * /usr/share/man/man1/minkms.1.gz}): {@code java -cp … io.openkms.cli.ManPage FILE}.
 *
 * <p>Layout (man-pages(7)): NAME, SYNOPSIS, DESCRIPTION, COMMANDS (each command's own help text,
 * verbatim), ENVIRONMENT, FILES, EXIT STATUS, SEE ALSO.
 */
public final class ManPage {
  private ManPage() {}

  /** Writes the page to {@code args[0]}. */
  public static void main(String[] args) throws IOException {
    if (args.length != 1) {
      System.err.println("usage: ManPage FILE");
      System.exit(2);
    }
    Path file = Path.of(args[0]);
    if (file.getParent() != null) {
      Files.createDirectories(file.getParent());
    }
    Files.writeString(file, render(BuildInfo.current().projectVersion()), StandardCharsets.UTF_8);
  }

  /**
   * The page's roff text.
   *
   * @param version the version shown in the page's footer
   */
  public static String render(String version) {
    CommandLine root =
        Minkms.commandLine(
            new CliContext(Map.of(), Path.of("/"), false, NodeLauncher.UNAVAILABLE, List::of));
    StringBuilder page = new StringBuilder();
    page.append(".TH MINKMS 1 \"\" \"minkms ")
        .append(escape(version))
        .append("\" \"User Commands\"\n");
    page.append(".SH NAME\nminkms \\- MinIO KMS compatible key management server and client\n");
    page.append(".SH SYNOPSIS\n.B minkms\n.I COMMAND\n[\\fIOPTIONS\\fR] [\\fIARGUMENTS\\fR]\n.br\n")
        .append(".B minkms \\-\\-soft\\-hsm\n");
    page.append(".SH DESCRIPTION\n")
        .append(
            """
                minkms runs a node of a clustered, MinIO KMS compatible key management service
                (\\fBminkms server\\fR) and talks to one (every other command). A node keeps its state,
                sealed under a root encryption key that the HSM key seals, in its data directory;
                every node of a cluster holds the whole state and uses the same HSM key.
                """);
    page.append(".SH COMMANDS\n");
    Map<String, CommandLine> commands = new LinkedHashMap<>();
    root.getSubcommands()
        .forEach(
            (name, sub) -> {
              if (!sub.getCommandSpec().usageMessage().hidden()) {
                commands.putIfAbsent(sub.getCommandName(), sub); // aliases map to the same command
              }
            });
    commands.forEach(
        (name, sub) ->
            page.append(".SS ")
                .append(escape(name))
                .append('\n')
                .append(".nf\n")
                .append(verbatim(sub.getUsageMessage(Ansi.OFF)))
                .append(".fi\n"));
    page.append(".SH ENVIRONMENT\n")
        .append(
            """
                .TP
                .B MINIO_KMS_SERVER
                The servers of client commands, comma-separated (default https://localhost:7373).
                .TP
                .B MINIO_KMS_API_KEY
                The API key (k1:...) of client commands, unless \\-a/\\-\\-api\\-key is given.
                .TP
                .B MINIO_KMS_HSM_KEY
                The HSM key (hsm:aes256:...) of \\fBminkms server\\fR; the same on every node.
                .TP
                .B NO_COLOR
                Turns colours off.
                .TP
                .B MINKMS_JAVA_OPTS
                JVM flags that replace the launcher's defaults.
                """);
    page.append(".SH FILES\n")
        .append(
            """
                .TP
                .I $HOME/.minkms/certs/CAs
                CA certificates (PEM) that client commands trust for server certificates.
                .TP
                .I DIR/kms.db
                A node's root encryption key, sealed by the HSM key; the journal lies beside it.
                .TP
                .I /etc/minkms/config.yaml, /etc/default/minkms
                The node's configuration and the service's environment (Debian package).
                """);
    page.append(".SH EXIT STATUS\n")
        .append(
            """
                0 success; 1 server, network or startup error; 2 usage error; 3 \\fBstat\\fR or
                \\fBls\\fR: the cluster answered but some of its nodes are down.
                """);
    page.append(".SH SEE ALSO\n")
        .append(
            """
                The MinIO KMS documentation, https://docs.min.io/enterprise/minio-kms/
                """);
    return page.toString();
  }

  /** Text safe inside a roff line: backslashes doubled, minus signs escaped. */
  static String escape(String text) {
    return text.replace("\\", "\\e").replace("-", "\\-");
  }

  /** Help text for a {@code .nf} block: escaped, and no line starting with a control character. */
  static String verbatim(String text) {
    StringBuilder out = new StringBuilder();
    for (String line : text.split("\n", -1)) {
      String escaped = escape(line);
      if (escaped.startsWith(".") || escaped.startsWith("'")) {
        escaped = "\\&" + escaped;
      }
      out.append(escaped).append('\n');
    }
    return out.toString().stripTrailing() + "\n";
  }
}
