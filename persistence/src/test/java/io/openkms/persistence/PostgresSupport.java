package io.openkms.persistence;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.security.SecureRandom;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.HexFormat;

/**
 * The local PostgreSQL of the test machine: 127.0.0.1:5432, trust authentication, user {@code
 * postgres}, database {@code test}. Each test gets a fresh schema {@code minkms_test_<random>},
 * dropped afterwards. Tests skip (with the reason) only when nothing listens on the port; any other
 * failure fails the test.
 */
final class PostgresSupport {
  static final String HOST = "127.0.0.1";
  static final int PORT = 5432;
  static final String URL = "jdbc:postgresql://" + HOST + ":" + PORT + "/test";

  private PostgresSupport() {}

  /** Skips the calling test when no server answers at 127.0.0.1:5432. */
  static void assumeServer() {
    boolean up;
    try (Socket s = new Socket()) {
      s.connect(new InetSocketAddress(HOST, PORT), 1000);
      up = true;
    } catch (IOException e) {
      up = false;
    }
    assumeTrue(
        up,
        "SKIPPED: no PostgreSQL server answers at "
            + HOST
            + ":"
            + PORT
            + "; the PostgreSQL store tests did not run");
  }

  /** A store in a new, not yet created schema. */
  static StoreConfig.Postgres freshSchema() {
    byte[] r = new byte[6];
    new SecureRandom().nextBytes(r);
    return (StoreConfig.Postgres)
        StoreConfig.postgres(URL, "postgres", "", "minkms_test_" + HexFormat.of().formatHex(r));
  }

  /** Drops the store's schema and everything in it. */
  static void drop(StoreConfig store) throws SQLException {
    try (Connection c = store.connect();
        Statement s = c.createStatement()) {
      s.execute("DROP SCHEMA IF EXISTS " + store.schema() + " CASCADE");
    }
  }
}
