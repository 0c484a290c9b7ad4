package io.openkms.cli.store;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HexFormat;
import java.util.List;
import java.util.stream.Stream;

/** Plain JDBC and file access to a stopped node's H2 store, as a disk tamperer has it. */
final class StoreFiles {

  private StoreFiles() {}

  /** A connection to {@code DIR/kms-journal} (read-write: the tamperer writes). */
  static Connection connect(Path dir) throws SQLException {
    return DriverManager.getConnection(
        // the node's own URL: in the same JVM as a running node, the same open database
        new io.openkms.persistence.StoreConfig.H2(dir).jdbcUrl(), "sa", "");
  }

  /** Runs SQL statements in one connection; returns the update counts. */
  static List<Integer> sql(Path dir, String... statements) throws SQLException {
    List<Integer> counts = new ArrayList<>();
    try (Connection c = connect(dir);
        Statement s = c.createStatement()) {
      for (String sql : statements) {
        counts.add(s.executeUpdate(sql));
      }
    }
    return counts;
  }

  /** Every event and snapshot row as text (sequence numbers, manifests, payload hex). */
  static List<String> rows(Path dir) throws SQLException {
    List<String> rows = new ArrayList<>();
    try (Connection c = connect(dir);
        Statement s = c.createStatement()) {
      try (ResultSet rs =
          s.executeQuery(
              "SELECT \"persistence_id\", \"sequence_number\", "
                  + "\"deleted\", \"event_ser_id\", \"event_ser_manifest\", \"event_payload\" "
                  + "FROM \"event_journal\" ORDER BY \"sequence_number\"")) {
        while (rs.next()) {
          rows.add(
              "event "
                  + rs.getString(1)
                  + " #"
                  + rs.getLong(2)
                  + " "
                  + rs.getBoolean(3)
                  + " "
                  + rs.getInt(4)
                  + "/"
                  + rs.getString(5)
                  + " "
                  + HexFormat.of().formatHex(rs.getBytes(6)));
        }
      }
      try (ResultSet rs =
          s.executeQuery(
              "SELECT \"persistence_id\", \"sequence_number\", "
                  + "\"snapshot_ser_id\", \"snapshot_ser_manifest\", \"snapshot_payload\" "
                  + "FROM \"snapshot\" ORDER BY \"sequence_number\"")) {
        while (rs.next()) {
          rows.add(
              "snapshot "
                  + rs.getString(1)
                  + " #"
                  + rs.getLong(2)
                  + " "
                  + rs.getInt(3)
                  + "/"
                  + rs.getString(4)
                  + " "
                  + HexFormat.of().formatHex(rs.getBytes(5)));
        }
      }
    }
    return rows;
  }

  /** The sequence numbers of the event rows, in order. */
  static List<Long> eventSeqNrs(Path dir) throws SQLException {
    List<Long> out = new ArrayList<>();
    try (Connection c = connect(dir);
        Statement s = c.createStatement();
        ResultSet rs =
            s.executeQuery(
                "SELECT \"sequence_number\" FROM \"event_journal\" ORDER BY \"sequence_number\"")) {
      while (rs.next()) {
        out.add(rs.getLong(1));
      }
    }
    return out;
  }

  /** Copies a directory tree. */
  static void copy(Path from, Path to) throws IOException {
    try (Stream<Path> files = Files.walk(from)) {
      for (Path p : files.toList()) {
        Path target = to.resolve(from.relativize(p).toString());
        if (Files.isDirectory(p)) {
          Files.createDirectories(target);
        } else {
          Files.copy(p, target);
        }
      }
    }
  }

  /** Deletes a directory tree. */
  static void delete(Path root) throws IOException {
    if (!Files.exists(root)) {
      return;
    }
    try (Stream<Path> files = Files.walk(root)) {
      for (Path p : files.sorted(Comparator.reverseOrder()).toList()) {
        Files.deleteIfExists(p);
      }
    }
  }
}
