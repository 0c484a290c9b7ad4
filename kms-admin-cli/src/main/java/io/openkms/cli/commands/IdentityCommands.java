package io.openkms.cli.commands;

import io.openkms.cli.CliException;
import io.openkms.http.client.KmsClient;
import io.openkms.http.proto.CreateIdentityRequest;
import io.openkms.http.proto.DeleteIdentityRequest;
import io.openkms.http.proto.IdentityRequest;
import io.openkms.http.proto.IdentityResponse;
import io.openkms.http.proto.ListIdentitiesResponse;
import io.openkms.http.proto.ListRequest;
import io.openkms.kms.crypto.ApiKey;
import io.openkms.persistence.Hsm;
import io.openkms.persistence.HsmKey;
import io.openkms.persistence.SoftHsm;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * The identity commands (docs/REFERENCE.md §2.3, §2.9): {@code identity} (offline), {@code
 * add-identity}, {@code rm-identity}, {@code ls-identity}, {@code get-identity}. With {@code
 * -e/--enclave} they act on the enclave's Admin and User identities; without it on the cluster's
 * SysAdmin identities.
 */
public final class IdentityCommands {
  private IdentityCommands() {}

  /**
   * {@code minkms identity [--json] [KEY | HSM-KEY]}, offline: no argument → a new {@code k1:} API
   * key and its identity; a {@code k1:}/{@code k2:} API key → its identity; an {@code hsm:aes256:}
   * key → the root API key derived from it (what the server's banner shows) and its identity. Text
   * per {@link ApiKeyText#text}; {@code --json}: {@code {"api_key":"k1:…","identity":"h1:…"}}.
   *
   * <p>Errors (exit 2): {@code invalid API key: <reason>: use the k1:… key printed by the server or
   * minkms identity}; {@code invalid HSM key: <reason>}; anything else: {@code invalid key: want an
   * API key (k1:… or k2:…) or an HSM key (hsm:aes256:…)}. No message repeats the key.
   */
  @Command(
      name = "identity",
      mixinStandardHelpOptions = true,
      description = {
        "Print a new API key and its identity, or the identity of a given API key.",
        "Given an HSM key, print the root API key derived from it and its identity:",
        "minkms identity hsm:aes256:KEYVALUE"
      })
  public static final class Identity implements Callable<Integer> {
    @Spec CommandSpec spec;

    @Option(names = "--json", description = "Print JSON.")
    boolean json;

    @Parameters(
        paramLabel = "KEY",
        arity = "0..1",
        description = "An API key (k1:…, k2:…) or an HSM key (hsm:aes256:…).")
    String key;

    @Override
    public Integer call() throws CliException {
      ApiKey apiKey;
      ApiKeyText.Origin origin;
      if (key == null) {
        apiKey = ApiKey.generate();
        origin = ApiKeyText.Origin.NEW;
      } else if (key.strip().startsWith("hsm:")) {
        apiKey = rootApiKey(key);
        origin = ApiKeyText.Origin.DERIVED;
      } else if (key.strip().startsWith("k1:") || key.strip().startsWith("k2:")) {
        apiKey = ClientCommand.parseApiKey(key);
        origin = ApiKeyText.Origin.GIVEN;
      } else {
        throw CliException.usage(
            "invalid key: want an API key (k1:… or k2:…) or an HSM key (hsm:aes256:…)");
      }
      spec.commandLine()
          .getOut()
          .print(json ? ApiKeyText.json(apiKey) + "\n" : ApiKeyText.text(apiKey, origin));
      spec.commandLine().getOut().flush();
      return 0;
    }

    /**
     * The root API key of the nodes started with {@code hsmKey}: Ed25519 with the seed
     * HKDF-SHA256(HSM key, info {@link Hsm#ROOT_API_KEY_LABEL}) (docs/DESIGN-DECISIONS.md).
     *
     * @throws CliException exit 2, {@code invalid HSM key: <reason>}
     */
    static ApiKey rootApiKey(String hsmKey) throws CliException {
      HsmKey parsed;
      try {
        parsed = HsmKey.parse(hsmKey);
      } catch (IllegalArgumentException e) {
        throw CliException.usage(e.getMessage());
      }
      return ApiKey.fromSeed(new SoftHsm(parsed).deriveSeed(Hsm.ROOT_API_KEY_LABEL));
    }
  }

  /**
   * {@code minkms add-identity [IDENTITY] [--admin] [--service]}: {@code IDENTITY:CREATE} (401).
   * Privilege: {@code --admin} an enclave Admin (without {@code -e}: a cluster SysAdmin); {@code
   * --service} a service account with the caller's rights; neither a User (needs {@code -e}).
   * Without IDENTITY a new API key is generated, its identity created, and the key printed once
   * ({@link ApiKeyText}, {@code Origin.NEW}; {@code --json}: {@code {"api_key":…,"identity":…}})
   * for the admin to hand over, e.g. as AIStor's {@code MINIO_KMS_API_KEY} (docs/REFERENCE.md §14
   * step 6). With IDENTITY it prints nothing.
   */
  @Command(
      name = "add-identity",
      mixinStandardHelpOptions = true,
      description = {
        "Create an identity; without IDENTITY, one for a new API key, printed once.",
        "Example: minkms add-identity --enclave aistor-primary --admin"
      })
  public static final class AddIdentity extends ClientCommand {
    @Parameters(
        paramLabel = "IDENTITY",
        arity = "0..1",
        description = "The identity, h1:… (default: a new API key's).")
    String identity;

    @Option(names = "--admin", description = "An enclave admin (without -e: a cluster SysAdmin).")
    boolean admin;

    @Option(
        names = "--service",
        description = "A service account that has the caller's permissions.")
    boolean service;

    @Override
    protected void check() throws CliException {
      if (admin && service) {
        throw CliException.usage(
            "--admin cannot be used with --service: a service account has its creator's privilege");
      }
      if (enclave().isEmpty() && !admin && !service) {
        throw CliException.usage(
            "no enclave: use -e/--enclave NAME, or --admin for a cluster SysAdmin identity");
      }
    }

    @Override
    protected int run(KmsClient client) {
      ApiKey generated = identity == null ? ApiKey.generate() : null;
      String id = generated != null ? generated.identity().toString() : identity;
      String privilege =
          service ? "" : admin ? (enclave().isEmpty() ? "SysAdmin" : "Admin") : "User";
      client.createIdentity(
          enclave(),
          CreateIdentityRequest.newBuilder()
              .setIdentity(id)
              .setPrivilege(privilege)
              .setIsServiceAccount(service)
              .build());
      if (generated != null) {
        out()
            .print(
                json()
                    ? ApiKeyText.json(generated) + "\n"
                    : ApiKeyText.text(generated, ApiKeyText.Origin.NEW));
      }
      return 0;
    }
  }

  /**
   * {@code minkms rm-identity IDENTITY...}: {@code IDENTITY:DELETE} (402) for each in turn, with
   * their service accounts; stops at the first error. Prints nothing on success.
   */
  @Command(
      name = "rm-identity",
      mixinStandardHelpOptions = true,
      description = "Delete identities and their service accounts.")
  public static final class RmIdentity extends ClientCommand {
    @Parameters(paramLabel = "IDENTITY", arity = "1..*", description = "The identities, h1:….")
    List<String> identities;

    @Override
    protected int run(KmsClient client) {
      for (String id : identities) {
        client.deleteIdentity(
            enclave(), DeleteIdentityRequest.newBuilder().setIdentity(id).build());
      }
      return 0;
    }
  }

  /**
   * {@code minkms ls-identity [PREFIX]}: {@code IDENTITY:LIST} (404), every page. Text: a table
   * {@code Privilege Policy Created Identity} (a service account's privilege is followed by {@code
   * (service)}); {@code --json}: one {@code IdentityResponse} per line.
   */
  @Command(
      name = "ls-identity",
      aliases = "ls-identities",
      mixinStandardHelpOptions = true,
      description = "List the identities that start with PREFIX (all by default).")
  public static final class LsIdentity extends ClientCommand {
    @Parameters(
        paramLabel = "PREFIX",
        arity = "0..1",
        defaultValue = "",
        description = "Identity prefix.")
    String prefix;

    @Override
    protected int run(KmsClient client) {
      List<IdentityResponse> all =
          allPages(
              next ->
                  client.listIdentities(
                      enclave(),
                      ListRequest.newBuilder().setPrefix(prefix).setContinueAt(next).build()),
              ListIdentitiesResponse::getIdentitiesList,
              ListIdentitiesResponse::getContinueAt);
      if (json()) {
        printJson(all);
        return 0;
      }
      Text.Table table = new Text.Table("Privilege", "Policy", "Created", "Identity");
      for (IdentityResponse i : all) {
        table.row(
            Text.privilege(i.getPrivilege()) + (i.getIsServiceAccount() ? " (service)" : ""),
            Text.orDash(i.getPolicy()),
            Text.time(i.hasCreatedAt(), i.getCreatedAt()),
            i.getIdentity());
      }
      out().print(table);
      return 0;
    }
  }

  /**
   * {@code minkms get-identity [IDENTITY...] [--json]}: {@code IDENTITY:STATUS} (403), one batch
   * request; no IDENTITY shows the caller's own identity. Text: per identity the lines {@code
   * Identity}, {@code Privilege}, {@code Policy}, {@code Created}, {@code Owner}, {@code Service
   * account} (yes/no), {@code Service accounts}, {@code Tags} ({@code k=v}), with {@code -} for
   * none; {@code --json}: one {@code IdentityResponse} per line.
   */
  @Command(
      name = "get-identity",
      mixinStandardHelpOptions = true,
      description =
          "Show identities (default: your own): privilege, policy, creation and service accounts.")
  public static final class GetIdentity extends ClientCommand {
    @Parameters(paramLabel = "IDENTITY", arity = "0..*", description = "The identities, h1:….")
    List<String> identities;

    @Override
    protected int run(KmsClient client) {
      List<IdentityRequest> requests = new ArrayList<>();
      for (String id : identities == null || identities.isEmpty() ? List.of("") : identities) {
        requests.add(IdentityRequest.newBuilder().setIdentity(id).build());
      }
      List<IdentityResponse> found = client.identityStatus(enclave(), requests);
      if (json()) {
        printJson(found);
        return 0;
      }
      List<String> blocks = new ArrayList<>();
      for (IdentityResponse i : found) {
        blocks.add(text(i));
      }
      out().print(String.join("\n", blocks));
      return 0;
    }

    static String text(IdentityResponse i) {
      List<String> tags = new ArrayList<>();
      for (Map.Entry<String, String> tag : new TreeMap<>(i.getTagsMap()).entrySet()) {
        tags.add(tag.getKey() + "=" + tag.getValue());
      }
      return new Text.Block("", 18)
          .line("Identity", i.getIdentity())
          .line("Privilege", Text.privilege(i.getPrivilege()))
          .line("Policy", Text.orDash(i.getPolicy()))
          .line("Created", Text.time(i.hasCreatedAt(), i.getCreatedAt()))
          .line("Owner", Text.orDash(i.getCreatedBy()))
          .line("Service account", i.getIsServiceAccount() ? "yes" : "no")
          .line("Service accounts", Text.orDash(String.join("\n", i.getServiceAccountsList())))
          .line("Tags", Text.orDash(String.join("\n", tags)))
          .toString();
    }
  }
}
