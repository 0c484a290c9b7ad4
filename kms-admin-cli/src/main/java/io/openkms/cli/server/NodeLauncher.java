package io.openkms.cli.server;

import io.openkms.cli.CliException;
import io.openkms.cli.config.ServerConfig;
import java.util.ServiceLoader;

/**
 * Starts and runs one minkms node: the seam between {@code minkms server} (argument and config
 * parsing, here) and the node itself (store, actors, HTTPS; implemented elsewhere).
 *
 * <p>An implementation registers itself for {@link ServiceLoader} in {@code
 * META-INF/services/io.openkms.cli.server.NodeLauncher}; {@link #load()} picks the first one on the
 * classpath, or {@link #UNAVAILABLE}.
 */
@FunctionalInterface
public interface NodeLauncher {

  /**
   * Starts the node and blocks until it stops.
   *
   * @param options the validated command line ({@code DIR}, {@code --address}, {@code --host},
   *     {@code --dev}, {@code MINIO_KMS_HSM_KEY})
   * @param config the validated config file, or {@link ServerConfig#defaults()}
   * @return the process exit code: 0 after a normal shutdown
   * @throws CliException a startup error, printed as {@code minkms: <message>} with its exit code
   *     (e.g. 1 and {@code failed to unseal root encryption key with HSM: invalid ciphertext}); any
   *     other exception is printed the same way with exit code 1
   */
  int launch(ServerOptions options, ServerConfig config) throws Exception;

  /**
   * Used when no implementation is installed: fails with {@code server not available in this
   * build}, exit 1.
   */
  NodeLauncher UNAVAILABLE =
      (options, config) -> {
        throw CliException.failure("server not available in this build");
      };

  /** The first implementation registered for {@link ServiceLoader}, else {@link #UNAVAILABLE}. */
  static NodeLauncher load() {
    return ServiceLoader.load(NodeLauncher.class).findFirst().orElse(UNAVAILABLE);
  }
}
