package io.openkms.persistence;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Builds the Pekko Persistence JDBC 1.1.1 configuration of a {@link StoreConfig}: the persistence
 * plugin ids, one shared Slick database {@value StoreConfig#SHARED_DB} (HikariCP, at most {@value
 * StoreConfig#MAX_CONNECTIONS} connections) used by all four plugins and, on PostgreSQL, the schema
 * of every table (keys from the plugin's {@code reference.conf}).
 */
final class PekkoJdbcConfig {
  /** Bound on one journal write (the plugin's circuit-breaker call timeout; its default: 10 s). */
  static final String JOURNAL_CALL_TIMEOUT = "30s";

  /** Bound on saving or loading one snapshot of the whole state (default: 10 s). */
  static final String SNAPSHOT_CALL_TIMEOUT = "60s";

  private PekkoJdbcConfig() {}

  static Config build(StoreConfig store, String profile, String driver, String schemaName) {
    Map<String, Object> c = new LinkedHashMap<>();
    c.put("pekko.persistence.journal.plugin", "jdbc-journal");
    c.put("pekko.persistence.snapshot-store.plugin", "jdbc-snapshot-store");
    c.put("pekko.persistence.state.plugin", "jdbc-durable-state-store");

    String db = "pekko-persistence-jdbc.shared-databases." + StoreConfig.SHARED_DB;
    c.put(db + ".profile", profile);
    c.put(db + ".db.connectionPool", "HikariCP");
    c.put(db + ".db.url", store.jdbcUrl());
    c.put(db + ".db.user", store.user());
    c.put(db + ".db.password", store.password());
    c.put(db + ".db.driver", driver);
    c.put(db + ".db.numThreads", StoreConfig.MAX_CONNECTIONS);
    c.put(db + ".db.maxConnections", StoreConfig.MAX_CONNECTIONS);
    c.put(db + ".db.minConnections", 1);
    c.put(db + ".db.connectionTimeout", 10_000);
    if (store instanceof StoreConfig.H2) {
      // H2 closes a database whose file write failed (full disk); its pooled connections then
      // fail with "The database has been closed" but still pass JDBC's isValid(). A test query
      // fails on them, so the pool drops them when it checks a connection that idled (a
      // restarting replica idles) and the next connection opens the database again.
      c.put(db + ".db.connectionTestQuery", "SELECT 1");
    }
    // a journal that failed (full disk, a call timed out after the process was paused) is used
    // again soon after it works: the circuit breaker opens after 10 failures, for 5 s (default
    // 30 s, longer than issue 12's bound on recovering from a freed disk)
    c.put("jdbc-journal.circuit-breaker.reset-timeout", "5s");
    c.put("jdbc-snapshot-store.circuit-breaker.reset-timeout", "5s");
    // One journal write may carry a whole state (a joining node journals the state it installs:
    // 64 MB for 100,000 keys and 1,000 policies of 32 KiB), and a snapshot always does: the
    // plugin's 10 s call timeout failed such a write on a loaded machine and the join with it
    // (docs/PERFORMANCE.md "Joining a node that holds a large state"). A stalled store is still
    // found: the leader's write bound answers clients after 10 s whatever the journal does.
    c.put("jdbc-journal.circuit-breaker.call-timeout", JOURNAL_CALL_TIMEOUT);
    c.put("jdbc-snapshot-store.circuit-breaker.call-timeout", SNAPSHOT_CALL_TIMEOUT);
    if (schemaName != null) {
      // Unqualified names (the durable state store's sequence lookup) resolve in our schema.
      c.put(db + ".db.properties.currentSchema", schemaName);
    }

    for (String plugin :
        new String[] {
          "jdbc-journal", "jdbc-snapshot-store", "jdbc-read-journal", "jdbc-durable-state-store"
        }) {
      c.put(plugin + ".use-shared-db", StoreConfig.SHARED_DB);
    }
    if (schemaName != null) {
      c.put("jdbc-journal.tables.event_journal.schemaName", schemaName);
      c.put("jdbc-journal.tables.event_tag.schemaName", schemaName);
      c.put("jdbc-read-journal.tables.event_journal.schemaName", schemaName);
      c.put("jdbc-read-journal.tables.event_tag.schemaName", schemaName);
      c.put("jdbc-snapshot-store.tables.snapshot.schemaName", schemaName);
      c.put("jdbc-durable-state-store.tables.durable_state.schemaName", schemaName);
    }
    return ConfigFactory.parseMap(c, "minkms store " + store.describe());
  }
}
