package io.openkms.cli.commands;

import io.openkms.http.client.KmsClient;
import io.openkms.http.proto.CreateEnclaveRequest;
import io.openkms.http.proto.DeleteEnclaveRequest;
import io.openkms.http.proto.EnclaveStatusRequest;
import io.openkms.http.proto.EnclaveStatusResponse;
import io.openkms.http.proto.ListEnclavesResponse;
import io.openkms.http.proto.ListRequest;
import java.util.List;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;

/**
 * The enclave commands (docs/REFERENCE.md §2.6): {@code add-enclave}, {@code rm-enclave}, {@code
 * ls-enclave}, {@code stat-enclave}. All need SysAdmin. Server errors are printed as the server
 * sends them, e.g. {@code enclave already exists}, {@code enclave does not exist}.
 */
public final class EnclaveCommands {
  private EnclaveCommands() {}

  /** {@code minkms add-enclave NAME}: {@code ENCLAVE:CREATE} (101). Prints nothing on success. */
  @Command(
      name = "add-enclave",
      mixinStandardHelpOptions = true,
      description = "Create an enclave.")
  public static final class AddEnclave extends ClientCommand {
    @Parameters(paramLabel = "NAME", description = "The enclave's name.")
    String name;

    @Override
    protected int run(KmsClient client) {
      client.createEnclave(CreateEnclaveRequest.newBuilder().setName(name).build());
      return 0;
    }
  }

  /**
   * {@code minkms rm-enclave NAME...}: {@code ENCLAVE:DELETE} (102) for each name in turn; stops at
   * the first error. Prints nothing on success.
   */
  @Command(
      name = "rm-enclave",
      mixinStandardHelpOptions = true,
      description = {
        "Delete enclaves and every key, policy and identity in them.",
        "Data encrypted under their keys can only be recovered from a backup."
      })
  public static final class RmEnclave extends ClientCommand {
    @Parameters(paramLabel = "NAME", arity = "1..*", description = "The enclaves to delete.")
    List<String> names;

    @Override
    protected int run(KmsClient client) {
      for (String name : names) {
        client.deleteEnclave(DeleteEnclaveRequest.newBuilder().setName(name).build());
      }
      return 0;
    }
  }

  /**
   * {@code minkms ls-enclave [PREFIX]}: {@code ENCLAVE:LIST} (104), every page. Text: a table
   * {@code Created Name}; {@code --json}: one {@code EnclaveStatusResponse} per line.
   */
  @Command(
      name = "ls-enclave",
      aliases = "ls-enclaves",
      mixinStandardHelpOptions = true,
      description = "List the enclaves whose names start with PREFIX (all by default).")
  public static final class LsEnclave extends ClientCommand {
    @Parameters(
        paramLabel = "PREFIX",
        arity = "0..1",
        defaultValue = "",
        description = "Name prefix.")
    String prefix;

    @Override
    protected int run(KmsClient client) {
      List<EnclaveStatusResponse> all =
          allPages(
              next ->
                  client.listEnclaves(
                      ListRequest.newBuilder().setPrefix(prefix).setContinueAt(next).build()),
              ListEnclavesResponse::getEnclavesList,
              ListEnclavesResponse::getContinueAt);
      if (json()) {
        printJson(all);
        return 0;
      }
      Text.Table table = new Text.Table("Created", "Name");
      for (EnclaveStatusResponse e : all) {
        table.row(Text.time(e.hasCreatedAt(), e.getCreatedAt()), e.getName());
      }
      out().print(table);
      return 0;
    }
  }

  /**
   * {@code minkms stat-enclave NAME [--json]}: {@code ENCLAVE:STATUS} (103). Text: lines {@code
   * Name}, {@code Created}, {@code Owner} (the creating identity).
   */
  @Command(
      name = "stat-enclave",
      mixinStandardHelpOptions = true,
      description = "Show an enclave's name, creation time and creating identity.")
  public static final class StatEnclave extends ClientCommand {
    @Parameters(paramLabel = "NAME", description = "The enclave.")
    String name;

    @Override
    protected int run(KmsClient client) {
      EnclaveStatusResponse e =
          client.enclaveStatus(EnclaveStatusRequest.newBuilder().setName(name).build());
      if (json()) {
        printJson(List.of(e));
        return 0;
      }
      out()
          .print(
              new Text.Block("", 10)
                  .line("Name", e.getName())
                  .line("Created", Text.time(e.hasCreatedAt(), e.getCreatedAt()))
                  .line("Owner", Text.orDash(e.getCreatedBy())));
      return 0;
    }
  }
}
