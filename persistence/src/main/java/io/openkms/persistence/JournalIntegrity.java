package io.openkms.persistence;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileStore;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.OptionalLong;

/**
 * Checks a node's journal before anything opens it for writing (issue 13, "journal rollback"),
 * reading every row of one persistence id with plain JDBC and the node's root encryption key:
 *
 * <ul>
 *   <li>every event and snapshot row unseals (sealed under this node's REK, not altered);
 *   <li>a row written with a stable manifest ({@link JournalRecordSerializer}) carries, bound as
 *       associated data, the persistence id and sequence number of the row it is in: rows moved,
 *       swapped or renumbered are refused;
 *   <li>the event rows' sequence numbers are contiguous, and the first one is 1 or follows a
 *       snapshot: rows removed from the middle are refused;
 *   <li>the journal ends at or after the {@link JournalHighWaterMark} (rows removed from the end
 *       are refused), and a journal with stable-manifest rows has a mark.
 * </ul>
 *
 * Not detected: removing rows from the end together with the mark file, or restoring a copy of the
 * whole store (both look like a backup restore); renumbered rows written before stable manifests
 * (their seal does not name their position); removing events that arrive within the mark's write
 * (milliseconds after each batch). The check only reads: a refused start changes no row.
 */
public final class JournalIntegrity {
  /** Prefix of every message. */
  public static final String PREFIX = "journal integrity: ";

  private JournalIntegrity() {}

  /**
   * Checks the journal of {@code persistenceId} in {@code store} against {@code hwm}.
   *
   * @throws StartupException {@code journal integrity: …} naming the first bad sequence number, or
   *     {@code cannot read the journal store …}
   */
  public static void check(
      StoreConfig store, RootEncryptionKey rek, String persistenceId, JournalHighWaterMark hwm)
      throws StartupException {
    OptionalLong mark = hwm.read();
    try (Connection c = store.connect()) {
      c.setReadOnly(true);
      Scan scan = new Scan(rek, persistenceId);
      scanSnapshots(c, store.schema(), scan);
      scanEvents(c, store.schema(), scan);
      long end = Math.max(scan.lastEvent, scan.lastSnapshot);
      if (mark.isPresent() && end < mark.getAsLong()) {
        throw fail(
            "the journal of "
                + persistenceId
                + " ends at sequence number "
                + end
                + ", but this node journaled up to "
                + mark.getAsLong()
                + " ("
                + hwm.file()
                + "): sequence number "
                + (end + 1)
                + " and later were removed from its end");
      }
      if (mark.isEmpty() && scan.stableRows > 0) {
        throw fail(
            hwm.file()
                + " is missing, but the journal was written by a version that "
                + "keeps it (events may have been removed from its end)");
      }
    } catch (SQLException e) {
      String message = e.getMessage() == null ? e.toString() : e.getMessage();
      Path dir = store instanceof StoreConfig.H2 h2 ? h2.dir() : null;
      throw new StartupException(
          cannotRead(
              store.describe(),
              message.lines().findFirst().orElse(""),
              dir,
              dir == null ? -1 : usableBytes(dir)));
    }
  }

  /**
   * Below this many usable bytes (1 MiB) on the file store of an H2 journal's directory, a failure
   * to open the journal is put down to a full disk.
   */
  public static final long LOW_SPACE_BYTES = 1L << 20;

  /**
   * {@code cannot read the journal store <store>: <problem>}, ending with {@code : no space left on
   * device (<n> bytes free on <dir>)} when {@code usableBytes} is known (≥ 0) and below {@link
   * #LOW_SPACE_BYTES}: H2 says only {@code Could not save properties …lock.db} when the file store
   * is full (operator trial, a node started on a full filesystem).
   *
   * @param store the store's description ({@link StoreConfig#describe})
   * @param problem the first line of the driver's message
   * @param dir the H2 journal's directory, or null (PostgreSQL: nothing local to check)
   * @param usableBytes usable bytes of {@code dir}'s file store, or -1 when unknown
   */
  public static String cannotRead(String store, String problem, Path dir, long usableBytes) {
    String out = "cannot read the journal store " + store + ": " + problem;
    if (dir != null && usableBytes >= 0 && usableBytes < LOW_SPACE_BYTES) {
      out += ": no space left on device (" + usableBytes + " bytes free on " + dir + ")";
    }
    return out;
  }

  /**
   * Usable bytes of the file store of {@code dir} ({@link FileStore#getUsableSpace}), or -1 when it
   * cannot be read.
   */
  static long usableBytes(Path dir) {
    try {
      return Files.getFileStore(dir).getUsableSpace();
    } catch (IOException | RuntimeException e) {
      return -1;
    }
  }

  private static final class Scan {
    final RootEncryptionKey rek;
    final String persistenceId;
    long lastSnapshot;
    long lastEvent;
    long stableRows;

    Scan(RootEncryptionKey rek, String persistenceId) {
      this.rek = rek;
      this.persistenceId = persistenceId;
    }

    void open(String what, long seqNr, int serId, String manifest, byte[] payload)
        throws StartupException {
      String at = what + " at sequence number " + seqNr + " of " + persistenceId;
      if (serId == JournalRecordSerializer.IDENTIFIER) {
        stableRows++;
        JournalRecordCodec.Opened opened;
        try {
          opened = JournalRecordCodec.open(rek, payload, manifest);
        } catch (UnsealException e) {
          throw fail("the " + at + " does not unseal (altered, or sealed under another key)");
        }
        if (opened.sequenceNr() != seqNr || !opened.persistenceId().equals(persistenceId)) {
          throw fail(
              "the "
                  + at
                  + " was written as sequence number "
                  + opened.sequenceNr()
                  + " of "
                  + opened.persistenceId()
                  + " (rows moved, reordered or renumbered)");
        }
      } else if (serId == SealingSerializer.IDENTIFIER) {
        try {
          rek.unseal(payload, manifest.getBytes(StandardCharsets.UTF_8));
        } catch (UnsealException e) {
          throw fail("the " + at + " does not unseal (altered, or sealed under another key)");
        }
      } else {
        throw fail("the " + at + " has serializer " + serId + ", not a sealed one");
      }
    }
  }

  private static void scanSnapshots(Connection c, String schema, Scan scan)
      throws SQLException, StartupException {
    String sql =
        "SELECT \"sequence_number\", \"snapshot_ser_id\", \"snapshot_ser_manifest\", "
            + "\"snapshot_payload\" FROM "
            + schema
            + ".\"snapshot\" WHERE \"persistence_id\" = ? "
            + "ORDER BY \"sequence_number\"";
    try (PreparedStatement s = c.prepareStatement(sql)) {
      s.setString(1, scan.persistenceId);
      try (ResultSet rs = s.executeQuery()) {
        while (rs.next()) {
          long seqNr = rs.getLong(1);
          scan.open("snapshot", seqNr, rs.getInt(2), rs.getString(3), rs.getBytes(4));
          scan.lastSnapshot = Math.max(scan.lastSnapshot, seqNr);
        }
      }
    }
  }

  private static void scanEvents(Connection c, String schema, Scan scan)
      throws SQLException, StartupException {
    String sql =
        "SELECT \"sequence_number\", \"event_ser_id\", \"event_ser_manifest\", "
            + "\"event_payload\" FROM "
            + schema
            + ".\"event_journal\" WHERE \"persistence_id\" = ? "
            + "ORDER BY \"sequence_number\"";
    try (PreparedStatement s = c.prepareStatement(sql)) {
      s.setString(1, scan.persistenceId);
      try (ResultSet rs = s.executeQuery()) {
        long previous = -1;
        while (rs.next()) {
          long seqNr = rs.getLong(1);
          if (previous < 0) {
            if (seqNr > 1 && seqNr > scan.lastSnapshot + 1) {
              long missing = scan.lastSnapshot + 1;
              throw fail(
                  "sequence number "
                      + missing
                      + " of "
                      + scan.persistenceId
                      + " is missing: "
                      + (scan.lastSnapshot == 0
                          ? "the journal starts at "
                          : "the snapshot at " + scan.lastSnapshot + " is followed by ")
                      + seqNr);
            }
          } else if (seqNr != previous + 1) {
            throw fail(
                "sequence number "
                    + (previous + 1)
                    + " of "
                    + scan.persistenceId
                    + " is missing: the journal jumps from "
                    + previous
                    + " to "
                    + seqNr);
          }
          scan.open("event", seqNr, rs.getInt(2), rs.getString(3), rs.getBytes(4));
          previous = seqNr;
          scan.lastEvent = seqNr;
        }
      }
    }
  }

  private static StartupException fail(String message) {
    return new StartupException(PREFIX + message);
  }
}
