package io.openkms.persistence;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/** {@link StoreConfig}: the exact Pekko Persistence JDBC 1.1.1 keys for H2 and PostgreSQL. */
class StoreConfigTest {
  private static final String DB = "pekko-persistence-jdbc.shared-databases.minkms.";

  @Test
  void h2() {
    StoreConfig store = StoreConfig.h2(Path.of("/var/lib/minkms/../minkms"));
    assertEquals(
        "jdbc:h2:file:retry:/var/lib/minkms/kms-journal;DATABASE_TO_UPPER=false;FILE_LOCK=FILE;"
            + "WRITE_DELAY=0;DB_CLOSE_ON_EXIT=FALSE",
        store.jdbcUrl());
    assertEquals("PUBLIC", store.schema());
    assertEquals("H2 /var/lib/minkms/kms-journal.mv.db", store.describe());

    Config c = store.pekkoConfig();
    assertCommon(c);
    assertEquals("slick.jdbc.H2Profile$", c.getString(DB + "profile"));
    assertEquals("org.h2.Driver", c.getString(DB + "db.driver"));
    assertEquals(store.jdbcUrl(), c.getString(DB + "db.url"));
    assertEquals("sa", c.getString(DB + "db.user"));
    assertEquals("", c.getString(DB + "db.password"));
    assertFalse(c.hasPath(DB + "db.properties"));
    assertFalse(c.hasPath("jdbc-journal.tables"));
  }

  @Test
  void postgres() {
    StoreConfig store =
        StoreConfig.postgres("jdbc:postgresql://db:5432/kms", "kms", "s3cret", "node_1");
    Config c = store.pekkoConfig();
    assertCommon(c);
    assertEquals("slick.jdbc.PostgresProfile$", c.getString(DB + "profile"));
    assertEquals("org.postgresql.Driver", c.getString(DB + "db.driver"));
    assertEquals("jdbc:postgresql://db:5432/kms", c.getString(DB + "db.url"));
    assertEquals("kms", c.getString(DB + "db.user"));
    assertEquals("s3cret", c.getString(DB + "db.password"));
    assertEquals("node_1", c.getString(DB + "db.properties.currentSchema"));
    for (String key :
        new String[] {
          "jdbc-journal.tables.event_journal.schemaName",
          "jdbc-journal.tables.event_tag.schemaName",
          "jdbc-read-journal.tables.event_journal.schemaName",
          "jdbc-read-journal.tables.event_tag.schemaName",
          "jdbc-snapshot-store.tables.snapshot.schemaName",
          "jdbc-durable-state-store.tables.durable_state.schemaName"
        }) {
      assertEquals("node_1", c.getString(key), key);
    }
    assertEquals(
        "Postgres[jdbc:postgresql://db:5432/kms, user=kms, schema=node_1]", store.toString());
    assertEquals("PostgreSQL jdbc:postgresql://db:5432/kms schema node_1", store.describe());
    assertEquals("", StoreConfig.postgres("jdbc:postgresql://db/kms", "u", null, "s").password());
  }

  /** With the plugin's reference.conf behind it, the keys land where the plugin reads them. */
  @Test
  void resolvesOverThePluginsReferenceConf() {
    Config c =
        StoreConfig.postgres("jdbc:postgresql://db:5432/kms", "kms", "", "node_1")
            .pekkoConfig()
            .withFallback(ConfigFactory.defaultReference())
            .resolve();
    assertEquals("node_1", c.getString("jdbc-read-journal.tables.event_journal.schemaName"));
    assertEquals("event_journal", c.getString("jdbc-read-journal.tables.event_journal.tableName"));
    assertEquals(
        "org.apache.pekko.persistence.jdbc.journal.JdbcAsyncWriteJournal",
        c.getString("jdbc-journal.class"));
    assertEquals(4, c.getInt(DB + "db.maxConnections"));
    // a joining node journals the whole state in one write: the plugin's 10 s is too short
    assertEquals(
        java.time.Duration.ofSeconds(30),
        c.getDuration("jdbc-journal.circuit-breaker.call-timeout"));
    assertEquals(
        java.time.Duration.ofSeconds(60),
        c.getDuration("jdbc-snapshot-store.circuit-breaker.call-timeout"));
  }

  @Test
  void rejectsBadPostgresSettings() {
    var url =
        assertThrows(
            IllegalArgumentException.class,
            () -> StoreConfig.postgres("jdbc:mysql://db/kms", "u", "", "s"));
    assertEquals(
        "not a PostgreSQL JDBC URL (jdbc:postgresql://host:port/database): jdbc:mysql://db/kms",
        url.getMessage());
    for (String schema : new String[] {"", "Node", "1node", "a-b", "a;drop", "x".repeat(64)}) {
      var e =
          assertThrows(
              IllegalArgumentException.class,
              () -> StoreConfig.postgres("jdbc:postgresql://db/kms", "u", "", schema));
      assertEquals(
          "invalid PostgreSQL schema name \"" + schema + "\": use [a-z_][a-z0-9_]*, at most 63",
          e.getMessage());
    }
    StoreConfig.postgres("jdbc:postgresql://db/kms", "u", "", "x".repeat(63));
  }

  @Test
  void rejectsH2PathThatWouldBreakTheUrl() {
    var e = assertThrows(IllegalArgumentException.class, () -> StoreConfig.h2(Path.of("/tmp/a;b")));
    assertEquals("data directory must not contain ';': /tmp/a;b", e.getMessage());
  }

  private static void assertCommon(Config c) {
    assertEquals("jdbc-journal", c.getString("pekko.persistence.journal.plugin"));
    assertEquals("jdbc-snapshot-store", c.getString("pekko.persistence.snapshot-store.plugin"));
    assertEquals("jdbc-durable-state-store", c.getString("pekko.persistence.state.plugin"));
    for (String plugin :
        new String[] {
          "jdbc-journal", "jdbc-snapshot-store", "jdbc-read-journal", "jdbc-durable-state-store"
        }) {
      assertEquals("minkms", c.getString(plugin + ".use-shared-db"), plugin);
    }
    assertEquals("HikariCP", c.getString(DB + "db.connectionPool"));
    assertEquals(4, c.getInt(DB + "db.maxConnections"));
    assertEquals(4, c.getInt(DB + "db.numThreads"));
    assertEquals(1, c.getInt(DB + "db.minConnections"));
    assertEquals(10_000, c.getInt(DB + "db.connectionTimeout"));
  }
}
