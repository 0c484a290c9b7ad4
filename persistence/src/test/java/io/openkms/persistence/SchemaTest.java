package io.openkms.persistence;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.sql.Connection;
import java.sql.DatabaseMetaData;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@link Schema}: our DDL creates exactly the tables and columns of the Pekko Persistence JDBC
 * 1.1.1 schema files shipped in the plugin's jar, and applying it twice changes nothing; on H2 and
 * PostgreSQL (skipped only when no server answers at 127.0.0.1:5432).
 */
class SchemaTest {
  private static final List<String> TABLES =
      List.of("durable_state", "event_journal", "event_tag", "snapshot");

  @TempDir Path dir;

  @Test
  void h2MatchesThePluginSchema() throws Exception {
    StoreConfig store = StoreConfig.h2(dir);
    Schema.apply(store);
    String pluginUrl =
        "jdbc:h2:mem:plugin_" + random() + ";DATABASE_TO_UPPER=false;DB_CLOSE_DELAY=0";
    try (Connection plugin = DriverManager.getConnection(pluginUrl, "sa", "");
        Connection ours = store.connect()) {
      runScript(plugin, pluginDdl("schema/h2/h2-create-schema.sql"));
      List<String> catalog = catalog(ours, "PUBLIC");
      assertEquals(catalog(plugin, "PUBLIC"), catalog);
      assertTrue(
          catalog.contains("column event_journal.event_payload BINARY LARGE OBJECT nullable=NO"),
          String.join("\n", catalog));
      assertTrue(
          catalog.contains("column snapshot.snapshot_payload BINARY LARGE OBJECT nullable=NO"));
      assertTrue(catalog.contains("index event_journal unique=true ordering"));
      assertTrue(catalog.contains("fk event_tag.event_id -> event_journal.ordering"));
    }
  }

  @Test
  void h2ApplyTwiceIsANoOp() throws Exception {
    StoreConfig store = StoreConfig.h2(dir);
    assertIdempotent(store);
  }

  @Test
  void postgresMatchesThePluginSchema() throws Exception {
    PostgresSupport.assumeServer();
    StoreConfig.Postgres ours = PostgresSupport.freshSchema();
    StoreConfig.Postgres plugin = PostgresSupport.freshSchema();
    try {
      Schema.apply(ours);
      try (Connection c = plugin.connect();
          Statement s = c.createStatement()) {
        s.execute("CREATE SCHEMA " + plugin.schema());
        s.execute("SET search_path TO " + plugin.schema());
        String ddl =
            pluginDdl("schema/postgres/postgres-create-schema.sql")
                .replace("public.", plugin.schema() + ".")
                .replace("CONCURRENTLY ", "");
        runScript(c, ddl);
      }
      try (Connection a = ours.connect();
          Connection b = plugin.connect()) {
        List<String> catalog = catalog(a, ours.schema());
        assertEquals(catalog(b, plugin.schema()), catalog);
        assertTrue(
            catalog.contains("column event_journal.event_payload bytea nullable=NO"),
            String.join("\n", catalog));
        assertTrue(catalog.contains("column durable_state.global_offset bigserial nullable=NO"));
        assertTrue(catalog.contains("index event_journal unique=true ordering"));
        assertTrue(catalog.contains("fk event_tag.event_id -> event_journal.ordering"));
      }
    } finally {
      PostgresSupport.drop(ours);
      PostgresSupport.drop(plugin);
    }
  }

  @Test
  void postgresApplyTwiceIsANoOp() throws Exception {
    PostgresSupport.assumeServer();
    StoreConfig.Postgres store = PostgresSupport.freshSchema();
    try {
      assertIdempotent(store);
    } finally {
      PostgresSupport.drop(store);
    }
  }

  @Test
  void unreachableDatabaseGivesOneClearLine() {
    StoreConfig store =
        StoreConfig.postgres("jdbc:postgresql://127.0.0.1:1/test", "postgres", "", "x");
    var e = assertThrows(StartupException.class, () -> Schema.apply(store));
    assertEquals(
        "cannot prepare the journal store PostgreSQL jdbc:postgresql://127.0.0.1:1/test schema x:"
            + " Connection to 127.0.0.1:1 refused. Check that the hostname and port are correct"
            + " and that the postmaster is accepting TCP/IP connections.",
        e.getMessage());
  }

  private static void assertIdempotent(StoreConfig store) throws Exception {
    Schema.apply(store);
    String journal = store.schema() + ".event_journal";
    try (Connection c = store.connect();
        var insert =
            c.prepareStatement(
                "INSERT INTO "
                    + journal
                    + " (persistence_id, sequence_number, deleted, writer, write_timestamp,"
                    + " adapter_manifest, event_ser_id, event_ser_manifest, event_payload)"
                    + " VALUES ('p', 1, false, 'w', 0, '', 7373001, 'm', ?)")) {
      insert.setBytes(1, new byte[] {0});
      assertEquals(1, insert.executeUpdate());
    }
    List<String> before;
    try (Connection c = store.connect()) {
      before = catalog(c, store.schema());
    }
    Schema.apply(store);
    try (Connection c = store.connect();
        Statement s = c.createStatement();
        ResultSet rs = s.executeQuery("SELECT COUNT(*) FROM " + journal)) {
      assertEquals(before, catalog(c, store.schema()));
      rs.next();
      assertEquals(1, rs.getInt(1));
    }
  }

  /**
   * Tables, columns (type, nullability) and indexes (table, uniqueness, column) of a schema,
   * sorted; index names are left out (H2 names the implicit ones itself).
   */
  static List<String> catalog(Connection c, String schema) throws SQLException {
    DatabaseMetaData md = c.getMetaData();
    TreeSet<String> out = new TreeSet<>();
    try (ResultSet rs = md.getColumns(null, schema, "%", "%")) {
      while (rs.next()) {
        out.add(
            "column "
                + rs.getString("TABLE_NAME")
                + "."
                + rs.getString("COLUMN_NAME")
                + " "
                + rs.getString("TYPE_NAME")
                + " nullable="
                + rs.getString("IS_NULLABLE"));
      }
    }
    for (String table : TABLES) {
      try (ResultSet rs = md.getIndexInfo(null, schema, table, false, false)) {
        while (rs.next()) {
          if (rs.getString("COLUMN_NAME") != null) {
            out.add(
                "index "
                    + table
                    + " unique="
                    + !rs.getBoolean("NON_UNIQUE")
                    + " "
                    + rs.getString("COLUMN_NAME"));
          }
        }
      }
      try (ResultSet rs = md.getImportedKeys(null, schema, table)) {
        while (rs.next()) {
          out.add(
              "fk "
                  + table
                  + "."
                  + rs.getString("FKCOLUMN_NAME")
                  + " -> "
                  + rs.getString("PKTABLE_NAME")
                  + "."
                  + rs.getString("PKCOLUMN_NAME"));
        }
      }
    }
    return new ArrayList<>(out);
  }

  private static String pluginDdl(String resource) throws IOException {
    try (InputStream in = SchemaTest.class.getClassLoader().getResourceAsStream(resource)) {
      if (in == null) {
        throw new IOException("plugin schema file not on the class path: " + resource);
      }
      return new String(in.readAllBytes(), StandardCharsets.UTF_8);
    }
  }

  private static void runScript(Connection c, String script) throws SQLException {
    try (Statement s = c.createStatement()) {
      for (String sql : script.split(";")) {
        if (!sql.isBlank()) {
          s.execute(sql);
        }
      }
    }
  }

  private static String random() {
    byte[] r = new byte[6];
    new SecureRandom().nextBytes(r);
    return HexFormat.of().formatHex(r);
  }
}
