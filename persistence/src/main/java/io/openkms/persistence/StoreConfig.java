package io.openkms.persistence;

import com.typesafe.config.Config;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.util.Objects;
import java.util.Properties;
import java.util.regex.Pattern;

/**
 * Where a node journals its sealed events and snapshots (docs/ARCHITECTURE.md §2, "Store"): the
 * embedded H2 file {@code DIR/kms-journal.mv.db} (default) or a PostgreSQL schema (one per node).
 * Gives the Pekko Persistence JDBC configuration ({@link #pekkoConfig()}) and plain JDBC
 * connections ({@link #connect()}) for {@link Schema#apply}.
 */
public sealed interface StoreConfig permits StoreConfig.H2, StoreConfig.Postgres {
  /** H2 database name inside {@code DIR}: files {@code kms-journal.mv.db} and friends. */
  String H2_DATABASE_NAME = "kms-journal";

  /** Name of the shared Slick database under {@code pekko-persistence-jdbc.shared-databases}. */
  String SHARED_DB = "minkms";

  /** Most JDBC connections (and Slick threads) the journal uses: small, for 2 cores. */
  int MAX_CONNECTIONS = 4;

  /**
   * The embedded H2 file store {@code DIR/kms-journal}.
   *
   * @param dir the node's volume (made absolute)
   * @throws IllegalArgumentException if the path contains {@code ;} (it would end the JDBC URL)
   */
  static StoreConfig h2(Path dir) {
    return new H2(dir);
  }

  /**
   * A PostgreSQL schema (created by {@link Schema#apply} if missing).
   *
   * @param jdbcUrl {@code jdbc:postgresql://host:port/database}
   * @param user database user
   * @param password password, empty or null for none (trust authentication)
   * @param schema lower-case SQL identifier {@code [a-z_][a-z0-9_]*}, at most 63 characters
   * @throws IllegalArgumentException if the URL is not a PostgreSQL JDBC URL or the schema name is
   *     not such an identifier
   */
  static StoreConfig postgres(String jdbcUrl, String user, String password, String schema) {
    return new Postgres(jdbcUrl, user, password == null ? "" : password, schema);
  }

  /** The JDBC URL the journal connects to. */
  String jdbcUrl();

  /** Database user. */
  String user();

  /** Database password ("" for none). */
  String password();

  /** The SQL schema that holds the journal tables ({@code PUBLIC} for H2). */
  String schema();

  /** Short description for logs and messages, without secrets. */
  String describe();

  /**
   * The Pekko configuration fragment for Pekko Persistence JDBC 1.1.1: journal, snapshot store,
   * read journal and durable state store all use one shared Slick database {@value #SHARED_DB} with
   * at most {@value #MAX_CONNECTIONS} connections. Put it in front of the application config
   * ({@code pekkoConfig().withFallback(...)}).
   */
  Config pekkoConfig();

  /** A new plain JDBC connection (caller closes it). */
  default Connection connect() throws SQLException {
    Properties props = new Properties();
    props.setProperty("user", user());
    props.setProperty("password", password());
    return DriverManager.getConnection(jdbcUrl(), props);
  }

  /**
   * The embedded H2 file store.
   *
   * @param dir the node's volume, absolute
   */
  record H2(Path dir) implements StoreConfig {
    /**
     * @throws IllegalArgumentException if the path contains {@code ;}
     */
    public H2 {
      dir = Objects.requireNonNull(dir, "dir").toAbsolutePath().normalize();
      if (dir.toString().contains(";")) {
        throw new IllegalArgumentException("data directory must not contain ';': " + dir);
      }
    }

    /**
     * {@code jdbc:h2:file:retry:DIR/kms-journal} with: {@code DATABASE_TO_UPPER=false} (the
     * plugin's quoted lower-case names), {@code FILE_LOCK=FILE} (one process per file), {@code
     * WRITE_DELAY=0} (every commit reaches the file before it is acknowledged, so a killed process
     * loses no persisted event), {@code DB_CLOSE_ON_EXIT=FALSE} (the actor system's termination
     * closes the pool, not a JVM hook racing it).
     *
     * <p>{@code retry:} is H2's file system that reopens the file and retries when an interrupt
     * closed its channel (H2 documentation, "Pluggable File System"). Without it, an interrupt of
     * any thread during H2's file I/O ({@code ClosedByInterruptException}) shuts the whole database
     * down at once under every connection — which the actor system's termination does whenever
     * writes are in flight: the journal's Slick executor stops with {@code shutdownNow} (issue 12,
     * {@code H2InterruptTest}). Same files and format as {@code file:}.
     */
    @Override
    public String jdbcUrl() {
      return "jdbc:h2:file:retry:"
          + dir.resolve(H2_DATABASE_NAME)
          + ";DATABASE_TO_UPPER=false;FILE_LOCK=FILE;WRITE_DELAY=0;DB_CLOSE_ON_EXIT=FALSE";
    }

    @Override
    public String user() {
      return "sa";
    }

    @Override
    public String password() {
      return "";
    }

    @Override
    public String schema() {
      return "PUBLIC";
    }

    @Override
    public String describe() {
      return "H2 " + dir.resolve(H2_DATABASE_NAME + ".mv.db");
    }

    @Override
    public Config pekkoConfig() {
      return PekkoJdbcConfig.build(this, "slick.jdbc.H2Profile$", "org.h2.Driver", null);
    }
  }

  /**
   * A PostgreSQL schema.
   *
   * @param jdbcUrl {@code jdbc:postgresql://…}
   * @param user database user
   * @param password "" for none
   * @param schema lower-case identifier
   */
  record Postgres(String jdbcUrl, String user, String password, String schema)
      implements StoreConfig {
    private static final Pattern IDENTIFIER = Pattern.compile("[a-z_][a-z0-9_]{0,62}");

    /**
     * @throws IllegalArgumentException bad URL or schema name
     */
    public Postgres {
      Objects.requireNonNull(jdbcUrl, "jdbcUrl");
      Objects.requireNonNull(user, "user");
      Objects.requireNonNull(password, "password");
      Objects.requireNonNull(schema, "schema");
      if (!jdbcUrl.startsWith("jdbc:postgresql:")) {
        throw new IllegalArgumentException(
            "not a PostgreSQL JDBC URL (jdbc:postgresql://host:port/database): " + jdbcUrl);
      }
      if (!IDENTIFIER.matcher(schema).matches()) {
        throw new IllegalArgumentException(
            "invalid PostgreSQL schema name \"" + schema + "\": use [a-z_][a-z0-9_]*, at most 63");
      }
    }

    @Override
    public String describe() {
      return "PostgreSQL " + jdbcUrl + " schema " + schema;
    }

    @Override
    public Config pekkoConfig() {
      return PekkoJdbcConfig.build(
          this, "slick.jdbc.PostgresProfile$", "org.postgresql.Driver", schema);
    }

    /** Never shows the password. */
    @Override
    public String toString() {
      return "Postgres[" + jdbcUrl + ", user=" + user + ", schema=" + schema + "]";
    }
  }
}
