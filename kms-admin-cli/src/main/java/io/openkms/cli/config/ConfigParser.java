package io.openkms.cli.config;

import io.openkms.kms.domain.Quotas;
import java.io.IOException;
import java.math.BigInteger;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.AccessDeniedException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.yaml.snakeyaml.LoaderOptions;
import org.yaml.snakeyaml.Yaml;
import org.yaml.snakeyaml.constructor.SafeConstructor;
import org.yaml.snakeyaml.error.Mark;
import org.yaml.snakeyaml.error.MarkedYAMLException;
import org.yaml.snakeyaml.error.YAMLException;

/**
 * Reads config.yaml into a {@link ServerConfig}; every error is a one-line {@link ConfigException}.
 */
final class ConfigParser {
  static final String STORE_USER_ENV = "MINIO_KMS_STORE_USER";
  static final String STORE_PASSWORD_ENV = "MINIO_KMS_STORE_PASSWORD";
  private static final int MAX_FILE_BYTES = 1 << 20;
  private static final Set<String> TOP_LEVEL_KEYS =
      Set.of(
          "version",
          "admin",
          "heartbeat",
          "tls",
          "hsm",
          "store",
          "cluster",
          "limits",
          "log",
          "api");
  private static final Pattern ENV_REFERENCE = Pattern.compile("\\$\\{([A-Za-z_][A-Za-z0-9_]*)}");
  private static final Pattern SCHEMA_NAME = Pattern.compile("[A-Za-z_][A-Za-z0-9_]{0,62}");
  private static final int IDENTITY_LENGTH = 46;

  private final String file;
  private final Map<String, String> env;
  private final List<String> warnings = new ArrayList<>();

  private ConfigParser(String file, Map<String, String> env) {
    this.file = file;
    this.env = env;
  }

  static ServerConfig load(Path path, Map<String, String> env) throws ConfigException {
    String text = read(path);
    Object root = parseYaml(path, text);
    return new ConfigParser(path.toString(), env).build(root);
  }

  private static String read(Path path) throws ConfigException {
    String prefix = "cannot read config file " + path + ": ";
    try {
      if (Files.isDirectory(path)) {
        throw new ConfigException(prefix + "is a directory");
      }
      if (Files.size(path) > MAX_FILE_BYTES) {
        throw new ConfigException(prefix + "larger than 1 MiB");
      }
      return StandardCharsets.UTF_8
          .newDecoder()
          .onMalformedInput(CodingErrorAction.REPORT)
          .onUnmappableCharacter(CodingErrorAction.REPORT)
          .decode(java.nio.ByteBuffer.wrap(Files.readAllBytes(path)))
          .toString();
    } catch (NoSuchFileException e) {
      throw new ConfigException(prefix + "no such file");
    } catch (AccessDeniedException e) {
      throw new ConfigException(prefix + "permission denied");
    } catch (CharacterCodingException e) {
      throw new ConfigException(prefix + "not UTF-8 text");
    } catch (IOException e) {
      throw new ConfigException(prefix + e.getMessage());
    }
  }

  private static Object parseYaml(Path path, String text) throws ConfigException {
    LoaderOptions options = new LoaderOptions();
    options.setAllowDuplicateKeys(false);
    options.setAllowRecursiveKeys(false);
    options.setMaxAliasesForCollections(50);
    options.setNestingDepthLimit(50);
    try {
      return new Yaml(new SafeConstructor(options)).load(text);
    } catch (MarkedYAMLException e) {
      Mark mark = e.getProblemMark() != null ? e.getProblemMark() : e.getContextMark();
      String problem = e.getProblem() != null ? e.getProblem() : e.getContext();
      if (e.getProblem() != null && e.getContext() != null && e.getProblem().startsWith("but ")) {
        problem =
            e.getContext()
                + ", "
                + e.getProblem(); // "expected a single document ..., but found ..."
      }
      String where =
          mark == null ? "" : "line " + (mark.getLine() + 1) + ":" + (mark.getColumn() + 1) + ": ";
      throw new ConfigException(
          "cannot parse config file " + path + ": " + where + oneLine(problem));
    } catch (YAMLException e) {
      throw new ConfigException(
          "cannot parse config file " + path + ": " + oneLine(e.getMessage()));
    }
  }

  private ServerConfig build(Object root) throws ConfigException {
    if (root == null) {
      throw error("missing version (expected " + ServerConfig.VERSION + ")");
    }
    if (!(root instanceof Map<?, ?> top)) {
      throw error("the top level must be a map");
    }
    Object version = top.get("version");
    if (version == null) {
      throw error("missing version (expected " + ServerConfig.VERSION + ")");
    }
    if (!ServerConfig.VERSION.equals(version)) {
      throw error("unsupported version '" + version + "' (expected " + ServerConfig.VERSION + ")");
    }
    allowOnly(top, "", TOP_LEVEL_KEYS);
    Optional<String> admin = admin(top.get("admin"));
    Duration heartbeat = heartbeat(top.get("heartbeat"));
    TlsConfig tls = tls(top.get("tls"));
    if (top.get("hsm") != null) {
      warnings.add(
          prefix()
              + "the 'hsm' section is ignored: this build supports only the software HSM key"
              + " (MINIO_KMS_HSM_KEY)");
    }
    StoreSettings store = store(top.get("store"));
    ClusterConfig cluster = cluster(top.get("cluster"));
    LimitsConfig limits = limits(top.get("limits"));
    LogConfig log = log(top.get("log"));
    ApiConfig api = api(top.get("api"));
    return new ServerConfig(admin, heartbeat, tls, store, cluster, limits, warnings, log, api);
  }

  private LogConfig log(Object value) throws ConfigException {
    if (value == null) {
      return LogConfig.DEFAULT;
    }
    Map<?, ?> log = map(value, "log");
    allowOnly(log, "log", Set.of("error", "audit"));
    boolean error = flag(log, "log", "error", true);
    Object audit = log.get("audit");
    if (audit == null || audit instanceof Boolean || audit instanceof String) {
      return new LogConfig(
          error, flag(log, "log", "audit", false) ? LogConfig.Audit.STDOUT : LogConfig.Audit.OFF);
    }
    Map<?, ?> a = map(audit, "log.audit");
    String at = "log.audit";
    allowOnly(
        a, at, Set.of("stdout", "file", "max_file_size", "max_files", "queue", "fail_closed"));
    long maxFileBytes =
        a.get("max_file_size") == null
            ? LogConfig.Audit.DEFAULT_MAX_FILE_BYTES
            : size(a.get("max_file_size"), at + ".max_file_size");
    int maxFiles = integer(a, at, "max_files", LogConfig.Audit.DEFAULT_MAX_FILES, 1, 20);
    int queue = integer(a, at, "queue", LogConfig.Audit.DEFAULT_QUEUE, 1, 1_000_000);
    return new LogConfig(
        error,
        new LogConfig.Audit(
            flag(a, at, "stdout", false),
            path(a, at, "file"),
            maxFileBytes,
            maxFiles,
            queue,
            flag(a, at, "fail_closed", false)));
  }

  private ApiConfig api(Object value) throws ConfigException {
    if (value == null) {
      return ApiConfig.DEFAULT;
    }
    Map<?, ?> api = map(value, "api");
    allowOnly(api, "api", Set.of(ApiConfig.METRICS_PATH));
    Object metrics = api.get(ApiConfig.METRICS_PATH);
    if (metrics == null) {
      return ApiConfig.DEFAULT;
    }
    String at = "api." + ApiConfig.METRICS_PATH;
    Map<?, ?> m = map(metrics, at);
    allowOnly(m, at, Set.of("skip_auth"));
    return new ApiConfig(flag(m, at, "skip_auth", false));
  }

  /** A switch: YAML true/false/on/off/yes/no; {@code absent} when missing or null. */
  private boolean flag(Map<?, ?> map, String prefix, String name, boolean absent)
      throws ConfigException {
    Object value = map.get(name);
    if (value == null) {
      return absent;
    }
    if (value instanceof Boolean b) {
      return b;
    }
    if (value instanceof String text) {
      switch (text.toLowerCase(java.util.Locale.ROOT)) {
        case "on", "true", "yes":
          return true;
        case "off", "false", "no":
          return false;
        default:
          break;
      }
    }
    throw error("invalid " + prefix + "." + name + " '" + value + "': expected on or off");
  }

  /** An integer in {@code [min, max]}; {@code absent} when missing or null. */
  private int integer(Map<?, ?> map, String prefix, String name, int absent, int min, int max)
      throws ConfigException {
    Object value = map.get(name);
    if (value == null) {
      return absent;
    }
    if (!(value instanceof Integer || value instanceof Long || value instanceof BigInteger)) {
      throw error("'" + prefix + "." + name + "' must be an integer");
    }
    BigInteger number = new BigInteger(value.toString());
    if (number.compareTo(BigInteger.valueOf(min)) < 0
        || number.compareTo(BigInteger.valueOf(max)) > 0) {
      throw error(
          "invalid " + prefix + "." + name + " " + value + ": expected " + min + " to " + max);
    }
    return number.intValue();
  }

  private static final Pattern SIZE = Pattern.compile("(\\d{1,12})\\s*(B|KiB|MiB|GiB)?");

  /**
   * A size such as {@code 100MiB} (units B, KiB, MiB, GiB; a plain number is bytes), 1 KiB to 1
   * TiB.
   */
  private long size(Object value, String key) throws ConfigException {
    Matcher m = SIZE.matcher(value.toString().trim());
    if (!(value instanceof String || value instanceof Integer || value instanceof Long)
        || !m.matches()) {
      throw error(
          "invalid " + key + " '" + value + "': expected a size such as 100MiB (B, KiB, MiB, GiB)");
    }
    long n = Long.parseLong(m.group(1));
    String unit = m.group(2) == null ? "B" : m.group(2);
    int shift =
        switch (unit) {
          case "KiB" -> 10;
          case "MiB" -> 20;
          case "GiB" -> 30;
          default -> 0;
        };
    if (n > (1L << 40) >> shift || n << shift < 1024) {
      throw error("invalid " + key + " '" + value + "': expected 1KiB to 1024GiB");
    }
    return n << shift;
  }

  private Optional<String> admin(Object value) throws ConfigException {
    if (value == null) {
      return Optional.empty();
    }
    Map<?, ?> admin = map(value, "admin");
    allowOnly(admin, "admin", Set.of("identity"));
    Optional<String> identity = string(admin, "admin", "identity");
    if (identity.isPresent()
        && (!identity.get().startsWith("h1:") || identity.get().length() != IDENTITY_LENGTH)) {
      throw error(
          "invalid admin.identity '"
              + identity.get()
              + "': expected h1: followed by 43 characters");
    }
    return identity;
  }

  private Duration heartbeat(Object value) throws ConfigException {
    if (value == null) {
      return Duration.ZERO;
    }
    if (value instanceof Number number) {
      if (number.doubleValue() == 0) {
        return Duration.ZERO;
      }
      throw error("invalid heartbeat '" + value + "': missing unit (examples: 500ms, 1s, 0)");
    }
    if (!(value instanceof String text)) {
      throw error("'heartbeat' must be a duration");
    }
    Duration duration;
    try {
      duration = GoDuration.parse(text);
    } catch (IllegalArgumentException e) {
      throw error("invalid heartbeat '" + text + "': " + e.getMessage());
    }
    if (duration.isNegative()) {
      throw error("invalid heartbeat '" + text + "': must not be negative");
    }
    return duration;
  }

  private TlsConfig tls(Object value) throws ConfigException {
    if (value == null) {
      return TlsConfig.NONE;
    }
    Map<?, ?> tls = map(value, "tls");
    allowOnly(tls, "tls", Set.of("certs", "ca", "key", "cert"));
    Optional<Path> ca = path(tls, "tls", "ca");
    Optional<Path> flatKey = path(tls, "tls", "key");
    Optional<Path> flatCert = path(tls, "tls", "cert");
    List<CertKeyPair> certs = new ArrayList<>();
    if (tls.get("certs") != null) {
      if (flatKey.isPresent() || flatCert.isPresent()) {
        throw error("use either 'tls.certs' or 'tls.key' and 'tls.cert', not both");
      }
      List<?> list = list(tls.get("certs"), "tls.certs");
      for (int i = 0; i < list.size(); i++) {
        String at = "tls.certs[" + i + "]";
        Map<?, ?> entry = map(list.get(i), at);
        allowOnly(entry, at, Set.of("key", "cert"));
        certs.add(new CertKeyPair(requiredPath(entry, at, "key"), requiredPath(entry, at, "cert")));
      }
    } else if (flatKey.isPresent() || flatCert.isPresent()) {
      certs.add(new CertKeyPair(requiredPath(tls, "tls", "key"), requiredPath(tls, "tls", "cert")));
    }
    return new TlsConfig(certs, ca);
  }

  private StoreSettings store(Object value) throws ConfigException {
    if (value == null) {
      return StoreSettings.H2;
    }
    Map<?, ?> store = map(value, "store");
    allowOnly(store, "store", Set.of("kind", "url", "user", "password", "schema"));
    String kindName = string(store, "store", "kind").orElse(StoreSettings.Kind.H2.configName());
    StoreSettings.Kind kind = null;
    for (StoreSettings.Kind candidate : StoreSettings.Kind.values()) {
      if (candidate.configName().equals(kindName)) {
        kind = candidate;
      }
    }
    if (kind == null) {
      throw error("unsupported store.kind '" + kindName + "' (expected h2 or postgres)");
    }
    Optional<String> url = expanded(store, "url");
    Optional<String> user = expanded(store, "user");
    Optional<String> password = expanded(store, "password");
    Optional<String> schema = expanded(store, "schema");
    if (kind == StoreSettings.Kind.H2) {
      for (String key : List.of("url", "user", "password", "schema")) {
        if (store.get(key) != null) {
          throw error("'store." + key + "' is only valid with store.kind postgres");
        }
      }
      return StoreSettings.H2;
    }
    if (url.isEmpty()) {
      throw error("'store.url' is required with store.kind postgres");
    }
    if (!url.get().startsWith("jdbc:postgresql:")) {
      throw error("invalid store.url: expected jdbc:postgresql://HOST[:PORT]/DATABASE");
    }
    if (schema.isPresent() && !SCHEMA_NAME.matcher(schema.get()).matches()) {
      throw error(
          "invalid store.schema '"
              + schema.get()
              + "': expected at most 63 letters, digits and _, not starting with a digit");
    }
    Optional<String> envUser = nonEmptyEnv(STORE_USER_ENV);
    Optional<String> envPassword = nonEmptyEnv(STORE_PASSWORD_ENV);
    return new StoreSettings(
        kind,
        url,
        envUser.isPresent() ? envUser : user,
        envPassword.isPresent() ? envPassword : password,
        schema);
  }

  private ClusterConfig cluster(Object value) throws ConfigException {
    if (value == null) {
      return ClusterConfig.DEFAULT;
    }
    Map<?, ?> cluster = map(value, "cluster");
    allowOnly(cluster, "cluster", Set.of("port"));
    Object port = cluster.get("port");
    if (port == null) {
      return ClusterConfig.DEFAULT;
    }
    if (!(port instanceof Integer || port instanceof Long || port instanceof BigInteger)) {
      throw error("'cluster.port' must be an integer");
    }
    BigInteger number = new BigInteger(port.toString());
    if (number.signum() <= 0 || number.compareTo(BigInteger.valueOf(65535)) > 0) {
      throw error("invalid cluster.port " + port + ": expected 1 to 65535");
    }
    return new ClusterConfig(OptionalInt.of(number.intValue()));
  }

  /** The {@code limits:} keys besides {@code max_change_size}, in {@link Quotas} order. */
  private static final List<String> QUOTA_KEYS =
      List.of(
          "enclaves",
          "keys_per_enclave",
          "versions_per_key",
          "policies_per_enclave",
          "identities_per_enclave",
          "patterns_per_policy",
          "pattern_length",
          "tags_per_identity",
          "tag_length",
          "state_size",
          "decrypt_trials",
          "decrypt_queue");

  private LimitsConfig limits(Object value) throws ConfigException {
    if (value == null) {
      return LimitsConfig.DEFAULT;
    }
    Map<?, ?> limits = map(value, "limits");
    Set<String> allowed = new java.util.HashSet<>(QUOTA_KEYS);
    allowed.add("max_change_size");
    allowOnly(limits, "limits", allowed);
    Object size = limits.get("max_change_size");
    long bytes = LimitsConfig.DEFAULT_MAX_CHANGE_BYTES;
    if (size != null) {
      bytes = byteSize(size, "limits.max_change_size");
      if (bytes < 1 || bytes > LimitsConfig.MAX_CHANGE_BYTES_LIMIT) {
        throw error(
            "invalid limits.max_change_size "
                + size
                + ": expected 1 to "
                + LimitsConfig.MAX_CHANGE_BYTES_LIMIT
                + " bytes (192KiB)");
      }
    }
    Quotas d = Quotas.DEFAULT;
    Quotas quotas =
        new Quotas(
            count(limits, "enclaves", d.enclaves()),
            count(limits, "keys_per_enclave", d.keysPerEnclave()),
            count(limits, "versions_per_key", d.versionsPerKey()),
            count(limits, "policies_per_enclave", d.policiesPerEnclave()),
            count(limits, "identities_per_enclave", d.identitiesPerEnclave()),
            count(limits, "patterns_per_policy", d.patternsPerPolicy()),
            count(limits, "pattern_length", d.patternLength()),
            count(limits, "tags_per_identity", d.tagsPerIdentity()),
            count(limits, "tag_length", d.tagLength()),
            limits.get("state_size") == null
                ? d.stateBytes()
                : positiveBytes(limits.get("state_size")),
            count(limits, "decrypt_trials", d.decryptTrials()),
            count(limits, "decrypt_queue", d.decryptQueue()));
    return new LimitsConfig(bytes, quotas);
  }

  /** {@code limits.<name>}: an integer from 1 to 2^31-1, or {@code fallback} when absent. */
  private int count(Map<?, ?> limits, String name, int fallback) throws ConfigException {
    Object value = limits.get(name);
    if (value == null) {
      return fallback;
    }
    if (!(value instanceof Integer || value instanceof Long || value instanceof BigInteger)) {
      throw error("'limits." + name + "' must be an integer");
    }
    BigInteger number = new BigInteger(value.toString());
    if (number.signum() <= 0 || number.compareTo(BigInteger.valueOf(Integer.MAX_VALUE)) > 0) {
      throw error("invalid limits." + name + " " + value + ": expected 1 to " + Integer.MAX_VALUE);
    }
    return number.intValue();
  }

  private long positiveBytes(Object value) throws ConfigException {
    long bytes = byteSize(value, "limits.state_size");
    if (bytes < 1) {
      throw error("invalid limits.state_size " + value + ": expected at least 1 byte");
    }
    return bytes;
  }

  /** A size: an integer number of bytes, or a number with the unit B, KiB or MiB. */
  private long byteSize(Object value, String key) throws ConfigException {
    if (value instanceof Integer || value instanceof Long) {
      return ((Number) value).longValue();
    }
    java.util.regex.Matcher m =
        Pattern.compile("([0-9]{1,12})\\s*(B|KiB|MiB|GiB)?").matcher(value.toString().trim());
    if (!(value instanceof String) || !m.matches()) {
      throw error("invalid " + key + " '" + value + "': expected bytes, e.g. 131072 or 128KiB");
    }
    long number = Long.parseLong(m.group(1));
    String unit = m.group(2) == null ? "B" : m.group(2);
    return switch (unit) {
      case "KiB" -> number << 10;
      case "MiB" -> number << 20;
      case "GiB" -> number << 30;
      default -> number;
    };
  }

  // ---- typed access with the key path in every message ----

  private Map<?, ?> map(Object value, String key) throws ConfigException {
    if (!(value instanceof Map<?, ?> map)) {
      throw error("'" + key + "' must be a map");
    }
    return map;
  }

  private List<?> list(Object value, String key) throws ConfigException {
    if (!(value instanceof List<?> list)) {
      throw error("'" + key + "' must be a list");
    }
    return list;
  }

  /** The string at {@code prefix.name}; empty when absent or null. */
  private Optional<String> string(Map<?, ?> map, String prefix, String name)
      throws ConfigException {
    Object value = map.get(name);
    if (value == null) {
      return Optional.empty();
    }
    if (!(value instanceof String text)) {
      throw error("'" + prefix + "." + name + "' must be a string");
    }
    return Optional.of(text);
  }

  private Optional<Path> path(Map<?, ?> map, String prefix, String name) throws ConfigException {
    Optional<String> text = string(map, prefix, name);
    if (text.isPresent() && text.get().isBlank()) {
      throw error("'" + prefix + "." + name + "' must not be empty");
    }
    try {
      return text.map(Path::of);
    } catch (java.nio.file.InvalidPathException e) {
      throw error("invalid " + prefix + "." + name + ": " + e.getReason());
    }
  }

  private Path requiredPath(Map<?, ?> map, String prefix, String name) throws ConfigException {
    return path(map, prefix, name)
        .orElseThrow(() -> error("'" + prefix + "." + name + "' is required"));
  }

  /** {@code store.<name>} with every {@code ${NAME}} replaced by that environment variable. */
  private Optional<String> expanded(Map<?, ?> store, String name) throws ConfigException {
    Optional<String> text = string(store, "store", name);
    if (text.isEmpty()) {
      return text;
    }
    Matcher matcher = ENV_REFERENCE.matcher(text.get());
    StringBuilder result = new StringBuilder();
    while (matcher.find()) {
      String variable = matcher.group(1);
      String replacement = env.get(variable);
      if (replacement == null) {
        throw error("environment variable '" + variable + "' in 'store." + name + "' is not set");
      }
      matcher.appendReplacement(result, Matcher.quoteReplacement(replacement));
    }
    matcher.appendTail(result);
    return Optional.of(result.toString());
  }

  private Optional<String> nonEmptyEnv(String name) {
    String value = env.get(name);
    return value == null || value.isEmpty() ? Optional.empty() : Optional.of(value);
  }

  private void allowOnly(Map<?, ?> map, String prefix, Set<String> allowed) throws ConfigException {
    for (Object key : map.keySet()) {
      if (!(key instanceof String name) || !allowed.contains(name)) {
        throw error("unknown key '" + (prefix.isEmpty() ? "" : prefix + ".") + key + "'");
      }
    }
  }

  private String prefix() {
    return "config file " + file + ": ";
  }

  private ConfigException error(String problem) {
    return new ConfigException(prefix() + problem);
  }

  private static String oneLine(String text) {
    return text == null ? "invalid YAML" : text.strip().replaceAll("\\s*\\R\\s*", " ");
  }
}
