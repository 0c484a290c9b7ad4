package io.openkms.persistence;

import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.List;

/**
 * Our own copy of the Pekko Persistence JDBC 1.1.1 DDL (the plugin's {@code
 * schema/h2/h2-create-schema.sql} and {@code schema/postgres/postgres-create-schema.sql}: tables
 * {@code event_journal}, {@code event_tag}, {@code snapshot}, {@code durable_state} with the
 * plugin's exact column names), rewritten with {@code IF NOT EXISTS} everywhere so that it runs on
 * every start (docs/ARCHITECTURE.md §2, "Store"). On PostgreSQL the tables live in the configured
 * schema, created if missing. Applying it twice changes nothing.
 */
public final class Schema {
  private Schema() {}

  /**
   * Creates whatever of the journal schema is missing, in one transaction.
   *
   * @param store where the journal lives
   * @throws StartupException {@code cannot prepare the journal store <store>: <database message>}
   */
  public static void apply(StoreConfig store) throws StartupException {
    List<String> ddl = statements(store);
    try (Connection c = store.connect()) {
      c.setAutoCommit(false);
      try (Statement s = c.createStatement()) {
        for (String sql : ddl) {
          s.execute(sql);
        }
        c.commit();
      } catch (SQLException e) {
        c.rollback();
        throw e;
      }
    } catch (SQLException e) {
      String message = e.getMessage() == null ? e.toString() : e.getMessage();
      throw new StartupException(
          "cannot prepare the journal store "
              + store.describe()
              + ": "
              + message.lines().findFirst().orElse(""));
    }
  }

  /** The DDL statements for this store, in order. */
  static List<String> statements(StoreConfig store) {
    if (store instanceof StoreConfig.Postgres) {
      return postgres(store.schema());
    }
    return h2();
  }

  private static List<String> h2() {
    return List.of(
        """
        CREATE TABLE IF NOT EXISTS PUBLIC."event_journal" (
          "ordering" BIGINT UNIQUE NOT NULL AUTO_INCREMENT,
          "deleted" BOOLEAN DEFAULT false NOT NULL,
          "persistence_id" VARCHAR(255) NOT NULL,
          "sequence_number" BIGINT NOT NULL,
          "writer" VARCHAR NOT NULL,
          "write_timestamp" BIGINT NOT NULL,
          "adapter_manifest" VARCHAR NOT NULL,
          "event_payload" BLOB NOT NULL,
          "event_ser_id" INTEGER NOT NULL,
          "event_ser_manifest" VARCHAR NOT NULL,
          "meta_payload" BLOB,
          "meta_ser_id" INTEGER,
          "meta_ser_manifest" VARCHAR,
          PRIMARY KEY("persistence_id","sequence_number")
        )""",
        """
        CREATE UNIQUE INDEX IF NOT EXISTS "event_journal_ordering_idx"
          ON PUBLIC."event_journal" ("ordering")""",
        """
        CREATE TABLE IF NOT EXISTS PUBLIC."event_tag" (
          "event_id" BIGINT NOT NULL,
          "tag" VARCHAR NOT NULL,
          PRIMARY KEY("event_id", "tag"),
          CONSTRAINT "fk_event_journal"
            FOREIGN KEY("event_id")
            REFERENCES PUBLIC."event_journal"("ordering")
            ON DELETE CASCADE
        )""",
        """
        CREATE TABLE IF NOT EXISTS PUBLIC."snapshot" (
          "persistence_id" VARCHAR(255) NOT NULL,
          "sequence_number" BIGINT NOT NULL,
          "created" BIGINT NOT NULL,
          "snapshot_ser_id" INTEGER NOT NULL,
          "snapshot_ser_manifest" VARCHAR NOT NULL,
          "snapshot_payload" BLOB NOT NULL,
          "meta_ser_id" INTEGER,
          "meta_ser_manifest" VARCHAR,
          "meta_payload" BLOB,
          PRIMARY KEY("persistence_id","sequence_number")
        )""",
        """
        CREATE SEQUENCE IF NOT EXISTS PUBLIC."global_offset_seq\"""",
        """
        CREATE TABLE IF NOT EXISTS PUBLIC."durable_state" (
          "global_offset" BIGINT DEFAULT NEXT VALUE FOR PUBLIC."global_offset_seq",
          "persistence_id" VARCHAR(255) NOT NULL,
          "revision" BIGINT NOT NULL,
          "state_payload" BLOB NOT NULL,
          "state_serial_id" INTEGER NOT NULL,
          "state_serial_manifest" VARCHAR,
          "tag" VARCHAR,
          "state_timestamp" BIGINT NOT NULL,
          PRIMARY KEY("persistence_id")
        )""",
        """
        CREATE INDEX IF NOT EXISTS "state_tag_idx" ON PUBLIC."durable_state" ("tag")""",
        """
        CREATE INDEX IF NOT EXISTS "state_global_offset_idx"
          ON PUBLIC."durable_state" ("global_offset")""");
  }

  private static List<String> postgres(String schema) {
    // schema is a validated lower-case identifier (StoreConfig.Postgres), safe to splice in.
    String s = schema + ".";
    return List.of(
        "CREATE SCHEMA IF NOT EXISTS " + schema,
        "CREATE TABLE IF NOT EXISTS "
            + s
            + """
              event_journal (
                ordering BIGSERIAL,
                persistence_id VARCHAR(255) NOT NULL,
                sequence_number BIGINT NOT NULL,
                deleted BOOLEAN DEFAULT FALSE NOT NULL,
                writer VARCHAR(255) NOT NULL,
                write_timestamp BIGINT,
                adapter_manifest VARCHAR(255),
                event_ser_id INTEGER NOT NULL,
                event_ser_manifest VARCHAR(255) NOT NULL,
                event_payload BYTEA NOT NULL,
                meta_ser_id INTEGER,
                meta_ser_manifest VARCHAR(255),
                meta_payload BYTEA,
                PRIMARY KEY(persistence_id, sequence_number)
              )""",
        "CREATE UNIQUE INDEX IF NOT EXISTS event_journal_ordering_idx ON "
            + s
            + "event_journal(ordering)",
        "CREATE TABLE IF NOT EXISTS "
            + s
            + "event_tag (\n"
            + "  event_id BIGINT,\n"
            + "  tag VARCHAR(256),\n"
            + "  PRIMARY KEY(event_id, tag),\n"
            + "  CONSTRAINT fk_event_journal FOREIGN KEY(event_id)\n"
            + "    REFERENCES "
            + s
            + "event_journal(ordering) ON DELETE CASCADE\n"
            + ")",
        "CREATE TABLE IF NOT EXISTS "
            + s
            + """
              snapshot (
                persistence_id VARCHAR(255) NOT NULL,
                sequence_number BIGINT NOT NULL,
                created BIGINT NOT NULL,
                snapshot_ser_id INTEGER NOT NULL,
                snapshot_ser_manifest VARCHAR(255) NOT NULL,
                snapshot_payload BYTEA NOT NULL,
                meta_ser_id INTEGER,
                meta_ser_manifest VARCHAR(255),
                meta_payload BYTEA,
                PRIMARY KEY(persistence_id, sequence_number)
              )""",
        "CREATE TABLE IF NOT EXISTS "
            + s
            + """
              durable_state (
                global_offset BIGSERIAL,
                persistence_id VARCHAR(255) NOT NULL,
                revision BIGINT NOT NULL,
                state_payload BYTEA NOT NULL,
                state_serial_id INTEGER NOT NULL,
                state_serial_manifest VARCHAR(255),
                tag VARCHAR,
                state_timestamp BIGINT NOT NULL,
                PRIMARY KEY(persistence_id)
              )""",
        "CREATE INDEX IF NOT EXISTS state_tag_idx ON " + s + "durable_state (tag)",
        "CREATE INDEX IF NOT EXISTS state_global_offset_idx ON "
            + s
            + "durable_state (global_offset)");
  }
}
