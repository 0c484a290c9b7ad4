package io.openkms.persistence;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Clock;
import java.time.Duration;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Crypto-shredding of a node's store (issue 13, "deleted keys stay in the journal forever"): every
 * {@code interval} it deletes the events and older snapshots that the newest snapshot makes
 * unnecessary, once that snapshot is {@code settle} old, and then, on H2, rewrites the file so that
 * no page still holds the deleted rows. The replica log snapshots right after every change that
 * destroys something, so a deleted key's material leaves the store within {@code settle + interval}
 * (plus the compaction, well under a second for a KMS-sized store).
 *
 * <p>H2: deleting rows only frees pages; their bytes stay in {@code kms-journal.mv.db} until
 * overwritten. {@code MVStore.compactFile} (H2's own online compaction, as run on close) moves the
 * live chunks together and truncates the file, which in our measurement leaves none of the deleted
 * payload bytes behind (see {@code ShreddingTest}). PostgreSQL: the rows are deleted; the database
 * reclaims their space with (auto)VACUUM, which is the database operator's business.
 *
 * <p>{@code settle} keeps the last entries readable for a leader that fetches entries it lacks
 * right after a change (see docs/SECURITY.md); it is a bound, not a guarantee for entries a member
 * has not acknowledged for longer than that.
 */
public final class JournalShredder implements AutoCloseable {
  /** Config key: how often the shredder runs. */
  public static final String INTERVAL_KEY = "minkms.journal.shred-interval";

  /** Config key: how old the newest snapshot must be before the events it covers go. */
  public static final String SETTLE_KEY = "minkms.journal.shred-settle";

  private static final Logger LOG = LoggerFactory.getLogger(JournalShredder.class);
  private static final int MAX_COMPACT_MILLIS = 5_000;

  private final StoreConfig store;
  private final String persistenceId;
  private final Duration settle;
  private final Clock clock;
  private ScheduledExecutorService timer;

  /**
   * @param store the node's store
   * @param persistenceId the journal to shred
   * @param settle age of a snapshot before the events it covers are deleted
   * @param clock the wall clock (snapshot rows carry wall-clock creation times)
   */
  public JournalShredder(StoreConfig store, String persistenceId, Duration settle, Clock clock) {
    this.store = store;
    this.persistenceId = persistenceId;
    this.settle = settle;
    this.clock = clock;
  }

  /** Runs {@link #shred} every {@code interval} on a daemon thread until {@link #close}. */
  public synchronized JournalShredder start(Duration interval) {
    timer =
        Executors.newSingleThreadScheduledExecutor(
            r -> {
              Thread t = new Thread(r, "minkms-journal-shredder");
              t.setDaemon(true);
              return t;
            });
    long millis = Math.max(1, interval.toMillis());
    timer.scheduleWithFixedDelay(
        () -> {
          try {
            shred();
          } catch (SQLException | RuntimeException e) {
            LOG.warn(
                "cannot shred the journal: {}",
                String.valueOf(e.getMessage()).lines().findFirst().orElse(""));
          }
        },
        millis,
        millis,
        TimeUnit.MILLISECONDS);
    return this;
  }

  /**
   * Deletes the events up to the newest snapshot that is at least {@code settle} old and the
   * snapshots before it; compacts the H2 file when something was deleted.
   *
   * @return the number of rows deleted
   */
  public int shred() throws SQLException {
    String s = store.schema() + ".";
    long now = clock.millis();
    try (Connection c = store.connect()) {
      long upTo;
      try (PreparedStatement q =
          c.prepareStatement(
              "SELECT MAX(\"sequence_number\") FROM "
                  + s
                  + "\"snapshot\" WHERE \"persistence_id\" = ? AND \"created\" <= ?")) {
        q.setString(1, persistenceId);
        q.setLong(2, now - settle.toMillis());
        try (ResultSet rs = q.executeQuery()) {
          upTo = rs.next() ? rs.getLong(1) : 0;
        }
      }
      if (upTo <= 0) {
        return 0;
      }
      int deleted;
      c.setAutoCommit(false);
      try (PreparedStatement events =
              c.prepareStatement(
                  "DELETE FROM "
                      + s
                      + "\"event_journal\" WHERE \"persistence_id\" = ? AND \"sequence_number\" <= ?");
          PreparedStatement snapshots =
              c.prepareStatement(
                  "DELETE FROM "
                      + s
                      + "\"snapshot\" WHERE \"persistence_id\" = ? AND \"sequence_number\" < ?")) {
        events.setString(1, persistenceId);
        events.setLong(2, upTo);
        snapshots.setString(1, persistenceId);
        snapshots.setLong(2, upTo);
        deleted = events.executeUpdate() + snapshots.executeUpdate();
        c.commit();
      } catch (SQLException e) {
        c.rollback();
        throw e;
      }
      if (deleted > 0) {
        LOG.info(
            "shredded {} journal rows up to the snapshot at sequence number {}", deleted, upTo);
        if (store instanceof StoreConfig.H2) {
          compactH2(c);
        }
      }
      return deleted;
    }
  }

  /** H2's online file compaction on the database this connection is in. */
  static void compactH2(Connection c) throws SQLException {
    try (var st = c.createStatement()) {
      st.execute("CHECKPOINT SYNC");
    }
    org.h2.engine.SessionLocal session =
        (org.h2.engine.SessionLocal) c.unwrap(org.h2.jdbc.JdbcConnection.class).getSession();
    org.h2.mvstore.MVStore mv = session.getDatabase().getStore().getMvStore();
    int retention = mv.getRetentionTime();
    try {
      mv.compactFile(MAX_COMPACT_MILLIS); // sets the retention time to 0 while it runs
    } finally {
      mv.setRetentionTime(retention);
    }
  }

  /**
   * Stops the timer and waits up to {@value #MAX_COMPACT_MILLIS} ms + 2 s for a run in progress. It
   * never interrupts that run: an interrupt during H2's file I/O closes the database's file channel
   * ({@code ClosedByInterruptException}) under every other connection, and the journal's next write
   * then fails with {@code Could not sync file …kms-journal.mv.db}.
   */
  @Override
  public void close() {
    ScheduledExecutorService stopping;
    synchronized (this) {
      stopping = timer;
      timer = null;
    }
    if (stopping == null) {
      return;
    }
    stopping.shutdown();
    try {
      if (!stopping.awaitTermination(MAX_COMPACT_MILLIS + 2_000, TimeUnit.MILLISECONDS)) {
        LOG.warn("the journal shredder did not finish its run in time");
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
