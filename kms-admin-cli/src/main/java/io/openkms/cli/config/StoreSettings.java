package io.openkms.cli.config;

import java.util.Objects;
import java.util.Optional;

/**
 * The config file's {@code store} section (ours, not the reference's): where a node keeps its state
 * (docs/ARCHITECTURE.md §2 "Store"). Maps onto persistence's {@code StoreConfig.h2(dir)} or {@code
 * StoreConfig.postgres(url, user, password, schema)}.
 *
 * <pre>
 * store:
 *   kind: postgres                          # h2 (default: a file store under DIR) or postgres
 *   url: jdbc:postgresql://db:5432/minkms   # postgres only, required
 *   user: minkms                            # postgres only; env MINIO_KMS_STORE_USER overrides
 *   password: ${MINKMS_DB_PASSWORD}         # postgres only; env MINIO_KMS_STORE_PASSWORD overrides
 *   schema: node0                           # postgres only; letters, digits, _
 * </pre>
 *
 * {@code ${NAME}} in {@code url}, {@code user}, {@code password} or {@code schema} is replaced by
 * the environment variable NAME.
 *
 * @param kind the store implementation
 * @param url the JDBC URL ({@code jdbc:postgresql:...}); empty for H2
 * @param user the database user; empty for H2 or when not configured
 * @param password the database password; empty for H2 or when not configured; never printed by
 *     {@link #toString()}
 * @param schema the database schema for this node's tables; empty for H2 or the default schema
 */
public record StoreSettings(
    Kind kind,
    Optional<String> url,
    Optional<String> user,
    Optional<String> password,
    Optional<String> schema) {

  /** Store implementations. */
  public enum Kind {
    /** Embedded H2 file store under the node's DIR. */
    H2("h2"),
    /** PostgreSQL, one database or schema per node. */
    POSTGRES("postgres");

    private final String configName;

    Kind(String configName) {
      this.configName = configName;
    }

    /** The name in the config file: {@code h2} or {@code postgres}. */
    public String configName() {
      return configName;
    }
  }

  /** The default: H2 under DIR. */
  public static final StoreSettings H2 =
      new StoreSettings(
          Kind.H2, Optional.empty(), Optional.empty(), Optional.empty(), Optional.empty());

  public StoreSettings {
    Objects.requireNonNull(kind, "kind");
    Objects.requireNonNull(url, "url");
    Objects.requireNonNull(user, "user");
    Objects.requireNonNull(password, "password");
    Objects.requireNonNull(schema, "schema");
  }

  /** Like the record's, with the password replaced by {@code ***}. */
  @Override
  public String toString() {
    return "StoreSettings[kind="
        + kind.configName()
        + ", url="
        + url.orElse("")
        + ", user="
        + user.orElse("")
        + ", password="
        + (password.isPresent() ? "***" : "")
        + ", schema="
        + schema.orElse("")
        + "]";
  }
}
