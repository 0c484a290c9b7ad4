package io.openkms.cli.client;

import io.openkms.cli.CliContext;
import io.openkms.cli.CliException;
import java.util.Optional;
import picocli.CommandLine.Option;

/**
 * The options shared by every client command (docs/REFERENCE.md §2.1), as a picocli mixin:
 * {@code @Mixin ClientOptions client;} then {@code client.resolve(minkms.context())}.
 *
 * <ul>
 *   <li>{@code -a, --api-key KEY} — default: environment {@code MINIO_KMS_API_KEY};
 *   <li>{@code -k, --insecure} — do not verify the server certificate;
 *   <li>{@code -e, --enclave NAME};
 *   <li>{@code --json} — JSON output.
 * </ul>
 *
 * The servers come from {@code MINIO_KMS_SERVER} ({@link ServerList}).
 */
public final class ClientOptions {
  /** Environment variable of the default API key. */
  public static final String API_KEY_ENV = "MINIO_KMS_API_KEY";

  /** Environment variable that turns colour off when set to a non-empty value (no-color.org). */
  public static final String NO_COLOR_ENV = "NO_COLOR";

  @Option(
      names = {"-a", "--api-key"},
      paramLabel = "KEY",
      description = "API key (default: $MINIO_KMS_API_KEY).")
  String apiKey;

  @Option(
      names = {"-k", "--insecure"},
      description = "Skip verification of the server certificate.")
  boolean insecure;

  @Option(
      names = {"-e", "--enclave"},
      paramLabel = "NAME",
      description = "The enclave.")
  String enclave;

  @Option(names = "--json", description = "Print JSON.")
  boolean json;

  /**
   * The settings of one client invocation.
   *
   * @throws CliException exit 2, {@code invalid MINIO_KMS_SERVER entry '<e>': <reason>} (see {@link
   *     ServerList#parse})
   */
  public ClientSettings resolve(CliContext context) throws CliException {
    Optional<String> key =
        apiKey != null && !apiKey.isEmpty()
            ? Optional.of(apiKey)
            : Optional.ofNullable(context.getenv(API_KEY_ENV));
    boolean colour = context.terminal() && context.getenv(NO_COLOR_ENV) == null;
    return new ClientSettings(
        key,
        insecure,
        Optional.ofNullable(enclave).filter(name -> !name.isEmpty()),
        json,
        ServerList.parse(context.getenv(ServerList.SERVER_ENV)),
        colour);
  }
}
