package io.openkms.cli.client;

import io.openkms.cli.CliException;
import java.net.URI;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * What a client command needs to reach the cluster, resolved from {@link ClientOptions} and the
 * environment.
 *
 * @param apiKey the {@code k1:}/{@code k2:} API key text (not parsed here), if any; never printed
 *     by {@link #toString()}
 * @param insecure skip verification of the server certificate
 * @param enclave the enclave, if given
 * @param json print JSON instead of text
 * @param servers the servers to try, {@code https://host:port}, at least one
 * @param colour colour the text output (stdout is a terminal and {@code NO_COLOR} is not set)
 */
public record ClientSettings(
    Optional<String> apiKey,
    boolean insecure,
    Optional<String> enclave,
    boolean json,
    List<URI> servers,
    boolean colour) {

  public ClientSettings {
    Objects.requireNonNull(apiKey, "apiKey");
    Objects.requireNonNull(enclave, "enclave");
    servers = List.copyOf(servers);
    if (servers.isEmpty()) {
      throw new IllegalArgumentException("no server");
    }
  }

  /**
   * The API key.
   *
   * @throws CliException exit 2, {@code no API key: use --api-key or set MINIO_KMS_API_KEY}
   */
  public String requireApiKey() throws CliException {
    return apiKey.orElseThrow(
        () -> CliException.usage("no API key: use --api-key or set MINIO_KMS_API_KEY"));
  }

  /** Like the record's, with the API key replaced by {@code ***}. */
  @Override
  public String toString() {
    return "ClientSettings[apiKey="
        + (apiKey.isPresent() ? "***" : "")
        + ", insecure="
        + insecure
        + ", enclave="
        + enclave.orElse("")
        + ", json="
        + json
        + ", servers="
        + servers
        + ", colour="
        + colour
        + "]";
  }
}
