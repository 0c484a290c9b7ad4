package io.openkms.cli.commands;

import io.openkms.cli.CliException;
import io.openkms.http.client.KmsClient;
import io.openkms.http.proto.AssignPolicyRequest;
import io.openkms.http.proto.CreatePolicyRequest;
import io.openkms.http.proto.DeletePolicyRequest;
import io.openkms.http.proto.ListPoliciesResponse;
import io.openkms.http.proto.ListRequest;
import io.openkms.http.proto.PolicyRequest;
import io.openkms.http.proto.PolicyResponse;
import io.openkms.http.proto.PolicyStatusResponse;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;

/**
 * The policy commands (docs/REFERENCE.md §2.8, §5.3): {@code add-policy}, {@code get-policy},
 * {@code stat-policy}, {@code set-policy}, {@code rm-policy}, {@code ls-policy}. All act in the
 * enclave of {@code -e/--enclave} (required) and need an enclave admin or SysAdmin.
 */
public final class PolicyCommands {
  private PolicyCommands() {}

  private static List<PolicyRequest> requests(List<String> names) {
    List<PolicyRequest> requests = new ArrayList<>();
    for (String name : names) {
      requests.add(PolicyRequest.newBuilder().setName(name).build());
    }
    return requests;
  }

  /**
   * {@code minkms add-policy NAME FILE}: {@code POLICY:CREATE} (301) from a JSON policy file
   * ({@link PolicyFile}); creates or replaces the policy. Prints nothing on success.
   */
  @Command(
      name = "add-policy",
      mixinStandardHelpOptions = true,
      description = {
        "Create or replace a policy from a JSON file.",
        "Example: {\"allow\": {\"KEY:ENCRYPT\": [\"my-key*\"]}, \"deny\": {\"KEY:DELETE\": \"*\"}}",
        "A ruleset is a pattern, an array of patterns or an object of patterns."
      })
  public static final class AddPolicy extends ClientCommand.InEnclave {
    @Parameters(index = "0", paramLabel = "NAME", description = "The policy's name.")
    String name;

    @Parameters(index = "1", paramLabel = "FILE", description = "The JSON policy file.")
    Path file;

    private CreatePolicyRequest request;

    @Override
    protected void check() throws CliException {
      request = PolicyFile.read(name, file);
    }

    @Override
    protected int run(KmsClient client) {
      client.createPolicy(enclave(), request);
      return 0;
    }
  }

  /**
   * {@code minkms get-policy NAME... [--json]}: {@code POLICY:GET} (304), one batch request. Text:
   * per policy the lines {@code Name}, {@code Created}, {@code Owner}, {@code Allow}, {@code Deny}
   * (one line per command: {@code KEY:ENCRYPT my-key*, other}), blocks separated by a blank line;
   * {@code --json}: one {@code PolicyResponse} per line.
   */
  @Command(
      name = "get-policy",
      mixinStandardHelpOptions = true,
      description = "Show policies and their rules.")
  public static final class GetPolicy extends ClientCommand.InEnclave {
    @Parameters(paramLabel = "NAME", arity = "1..*", description = "The policies.")
    List<String> names;

    @Override
    protected int run(KmsClient client) {
      List<PolicyResponse> policies = client.getPolicy(enclave(), requests(names));
      if (json()) {
        printJson(policies);
        return 0;
      }
      List<String> blocks = new ArrayList<>();
      for (PolicyResponse p : policies) {
        blocks.add(PolicyFile.text(p));
      }
      out().print(String.join("\n", blocks));
      return 0;
    }
  }

  /**
   * {@code minkms stat-policy NAME... [--json]}: {@code POLICY:STATUS} (305), one batch request.
   * Text: per policy the lines {@code Name}, {@code Created}, {@code Owner}.
   */
  @Command(
      name = "stat-policy",
      mixinStandardHelpOptions = true,
      description = "Show policies' creation time and owner.")
  public static final class StatPolicy extends ClientCommand.InEnclave {
    @Parameters(paramLabel = "NAME", arity = "1..*", description = "The policies.")
    List<String> names;

    @Override
    protected int run(KmsClient client) {
      List<PolicyStatusResponse> policies = client.policyStatus(enclave(), requests(names));
      if (json()) {
        printJson(policies);
        return 0;
      }
      List<String> blocks = new ArrayList<>();
      for (PolicyStatusResponse p : policies) {
        blocks.add(
            new Text.Block("", 10)
                .line("Name", p.getName())
                .line("Created", Text.time(p.hasCreatedAt(), p.getCreatedAt()))
                .line("Owner", Text.orDash(p.getCreatedBy()))
                .toString());
      }
      out().print(String.join("\n", blocks));
      return 0;
    }
  }

  /**
   * {@code minkms set-policy POLICY IDENTITY}: {@code POLICY:ASSIGN} (303), replacing the User
   * identity's policy. Prints nothing on success.
   */
  @Command(
      name = "set-policy",
      mixinStandardHelpOptions = true,
      description = {
        "Assign a policy to a User identity, replacing its previous policy.",
        "Policy and identity must be in the same enclave."
      })
  public static final class SetPolicy extends ClientCommand.InEnclave {
    @Parameters(index = "0", paramLabel = "POLICY", description = "The policy.")
    String policy;

    @Parameters(index = "1", paramLabel = "IDENTITY", description = "The identity, h1:….")
    String identity;

    @Override
    protected void check() throws CliException {
      if (identity.isEmpty()) {
        throw CliException.usage("identity must not be empty");
      }
    }

    @Override
    protected int run(KmsClient client) {
      client.assignPolicy(
          enclave(),
          AssignPolicyRequest.newBuilder().setPolicy(policy).setIdentity(identity).build());
      return 0;
    }
  }

  /**
   * {@code minkms rm-policy NAME...}: {@code POLICY:DELETE} (302) for each name in turn; stops at
   * the first error. Prints nothing on success.
   */
  @Command(name = "rm-policy", mixinStandardHelpOptions = true, description = "Delete policies.")
  public static final class RmPolicy extends ClientCommand.InEnclave {
    @Parameters(paramLabel = "NAME", arity = "1..*", description = "The policies.")
    List<String> names;

    @Override
    protected int run(KmsClient client) {
      for (String name : names) {
        client.deletePolicy(enclave(), DeletePolicyRequest.newBuilder().setName(name).build());
      }
      return 0;
    }
  }

  /**
   * {@code minkms ls-policy [PREFIX]}: {@code POLICY:LIST} (306), every page. Text: a table {@code
   * Created Name}; {@code --json}: one {@code PolicyStatusResponse} per line.
   */
  @Command(
      name = "ls-policy",
      aliases = "ls-policies",
      mixinStandardHelpOptions = true,
      description = "List the policies whose names start with PREFIX (all by default).")
  public static final class LsPolicy extends ClientCommand.InEnclave {
    @Parameters(
        paramLabel = "PREFIX",
        arity = "0..1",
        defaultValue = "",
        description = "Name prefix.")
    String prefix;

    @Override
    protected int run(KmsClient client) {
      List<PolicyStatusResponse> policies =
          allPages(
              next ->
                  client.listPolicies(
                      enclave(),
                      ListRequest.newBuilder().setPrefix(prefix).setContinueAt(next).build()),
              ListPoliciesResponse::getPoliciesList,
              ListPoliciesResponse::getContinueAt);
      if (json()) {
        printJson(policies);
        return 0;
      }
      Text.Table table = new Text.Table("Created", "Name");
      for (PolicyStatusResponse p : policies) {
        table.row(Text.time(p.hasCreatedAt(), p.getCreatedAt()), p.getName());
      }
      out().print(table);
      return 0;
    }
  }
}
