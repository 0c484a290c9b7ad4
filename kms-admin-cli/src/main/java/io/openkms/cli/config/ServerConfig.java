package io.openkms.cli.config;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * A node's config file ({@code minkms server --config FILE}), validated (docs/REFERENCE.md §3.2,
 * plus our {@code store} and {@code cluster} sections):
 *
 * <pre>
 * version: v1                        # required, exactly v1
 * admin:
 *   identity: h1:...                 # optional SysAdmin identity (46 characters)
 * heartbeat: 500ms                   # optional Go duration; 0 or absent = default
 * tls:
 *   certs:                           # or the older flat form  tls: {key, cert, ca}
 *     - key: /etc/minkms/certs/private.key
 *       cert: /etc/minkms/certs/public.crt
 *   ca: /etc/minkms/certs/CAs
 * hsm: ...                           # accepted and ignored, with a warning
 * store: {kind: h2|postgres, url, user, password, schema}   # see StoreSettings
 * cluster:
 *   port: 7374                       # internode port; default API port + 1
 * limits:
 *   max_change_size: 128KiB          # largest serialized write, see LimitsConfig
 * log: {error: on, audit: off}       # see LogConfig (error log, audit log)
 * api: {/v1/health/metrics: {skip_auth: false}}   # see ApiConfig
 * </pre>
 *
 * @param adminIdentity the {@code admin.identity} ({@code h1:...}), if given
 * @param heartbeat the leader's heartbeat interval; {@link Duration#ZERO} = the default
 * @param tls the server's certificates and CA
 * @param store where the node keeps its state
 * @param cluster the internode settings
 * @param limits the bounds on clients' writes ({@link LimitsConfig})
 * @param warnings one-line warnings about accepted but ignored settings, each starting {@code
 *     config file <path>: }; {@code minkms server} prints them
 * @param log the error and audit logs
 * @param api per-endpoint settings
 */
public record ServerConfig(
    Optional<String> adminIdentity,
    Duration heartbeat,
    TlsConfig tls,
    StoreSettings store,
    ClusterConfig cluster,
    LimitsConfig limits,
    List<String> warnings,
    LogConfig log,
    ApiConfig api) {

  /** The only supported {@code version}. */
  public static final String VERSION = "v1";

  public ServerConfig {
    Objects.requireNonNull(adminIdentity, "adminIdentity");
    Objects.requireNonNull(heartbeat, "heartbeat");
    Objects.requireNonNull(tls, "tls");
    Objects.requireNonNull(store, "store");
    Objects.requireNonNull(cluster, "cluster");
    Objects.requireNonNull(limits, "limits");
    Objects.requireNonNull(log, "log");
    Objects.requireNonNull(api, "api");
    warnings = List.copyOf(warnings);
  }

  /** With the default {@code log} and {@code api} sections. */
  public ServerConfig(
      Optional<String> adminIdentity,
      Duration heartbeat,
      TlsConfig tls,
      StoreSettings store,
      ClusterConfig cluster,
      LimitsConfig limits,
      List<String> warnings) {
    this(
        adminIdentity,
        heartbeat,
        tls,
        store,
        cluster,
        limits,
        warnings,
        LogConfig.DEFAULT,
        ApiConfig.DEFAULT);
  }

  /**
   * The configuration without a config file: no admin identity, default heartbeat, no TLS files,
   * H2.
   */
  public static ServerConfig defaults() {
    return new ServerConfig(
        Optional.empty(),
        Duration.ZERO,
        TlsConfig.NONE,
        StoreSettings.H2,
        ClusterConfig.DEFAULT,
        LimitsConfig.DEFAULT,
        List.of());
  }

  /**
   * Reads and validates a config file (YAML, safe loading: plain maps, lists and scalars only).
   *
   * @param file the config file; messages name it as given
   * @param env environment variables: {@code ${NAME}} in the {@code store} section, and the
   *     overrides {@code MINIO_KMS_STORE_USER} and {@code MINIO_KMS_STORE_PASSWORD}
   * @throws ConfigException one line, see {@link ConfigException}; e.g. {@code cannot read config
   *     file /etc/minkms/config.yaml: no such file}, {@code config file config.yaml: unknown key
   *     'tls.foo'}, {@code config file config.yaml: unsupported version 'v2' (expected v1)}
   */
  public static ServerConfig load(Path file, Map<String, String> env) throws ConfigException {
    return ConfigParser.load(file, env);
  }
}
