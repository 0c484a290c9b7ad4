package io.openkms.cli.node;

import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;

/**
 * The rows of a stopped node's H2 journal ({@code DIR/kms-journal.mv.db}), read with {@code
 * ACCESS_MODE_DATA=r} so that reading changes nothing (H2 rewrites its file whenever it is opened
 * read-write and closed, even for a SELECT: that is why a start that opens the store cannot leave
 * the file's bytes unchanged, and why tests compare rows).
 */
final class H2Journal {

  private H2Journal() {}

  /**
   * Every row of {@code event_journal} (by ordering) and {@code snapshot}, as text: ids, sequence
   * numbers, serializer and manifest, and the payload bytes in hex.
   */
  static List<String> rows(Path dir) throws SQLException {
    String url =
        "jdbc:h2:file:"
            + dir.toAbsolutePath().resolve("kms-journal")
            + ";ACCESS_MODE_DATA=r;DATABASE_TO_UPPER=false;FILE_LOCK=NO;DB_CLOSE_ON_EXIT=FALSE";
    List<String> rows = new ArrayList<>();
    try (Connection c = DriverManager.getConnection(url, "sa", "");
        Statement s = c.createStatement()) {
      try (ResultSet rs =
          s.executeQuery(
              "SELECT \"ordering\", \"persistence_id\", \"sequence_number\", "
                  + "\"deleted\", \"event_ser_id\", \"event_ser_manifest\", \"event_payload\" "
                  + "FROM \"event_journal\" ORDER BY \"ordering\"")) {
        while (rs.next()) {
          rows.add(
              "event "
                  + rs.getLong(1)
                  + " "
                  + rs.getString(2)
                  + " #"
                  + rs.getLong(3)
                  + " deleted="
                  + rs.getBoolean(4)
                  + " "
                  + rs.getInt(5)
                  + "/"
                  + rs.getString(6)
                  + " "
                  + HexFormat.of().formatHex(rs.getBytes(7)));
        }
      }
      try (ResultSet rs =
          s.executeQuery(
              "SELECT \"persistence_id\", \"sequence_number\", "
                  + "\"snapshot_ser_id\", \"snapshot_ser_manifest\", \"snapshot_payload\" FROM \"snapshot\" "
                  + "ORDER BY \"persistence_id\", \"sequence_number\"")) {
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
}
