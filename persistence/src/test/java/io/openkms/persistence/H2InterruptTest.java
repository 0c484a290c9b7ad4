package io.openkms.persistence;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.Statement;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 12 (a restarted node refused by its own high-water mark): stopping the actor system closes
 * the journal's Slick executor with {@code shutdownNow}, which interrupts the threads still
 * writing. On H2's default file system an interrupt during file I/O closes the file channel ({@code
 * ClosedByInterruptException}) and H2 shuts the whole database down at once, under every other
 * connection, without its orderly close. The store's URL must keep the database open and usable.
 */
class H2InterruptTest {
  @TempDir Path dir;

  @Test
  void anInterruptedWriterDoesNotCloseTheDatabaseUnderTheOtherConnections() throws Exception {
    StoreConfig store = StoreConfig.h2(dir);
    try (Connection other = store.connect()) {
      try (Statement s = other.createStatement()) {
        s.execute("CREATE TABLE t(id BIGINT PRIMARY KEY, p VARBINARY(1000))");
      }
      Thread writer =
          new Thread(
              () -> {
                try (Connection c = store.connect();
                    PreparedStatement ps = c.prepareStatement("INSERT INTO t VALUES (?, ?)")) {
                  for (long i = 1; i <= 20; i++) {
                    Thread.currentThread().interrupt(); // as ThreadPoolExecutor.shutdownNow
                    ps.setLong(1, i);
                    ps.setBytes(2, new byte[500]);
                    ps.executeUpdate(); // autocommit: the commit writes to the file
                  }
                } catch (Exception e) {
                  // the interrupted thread's own statement may fail; the others must not
                }
              });
      writer.start();
      writer.join();
      try (PreparedStatement ps = other.prepareStatement("INSERT INTO t VALUES (?, ?)")) {
        ps.setLong(1, 1000);
        ps.setBytes(2, new byte[500]);
        assertEquals(1, ps.executeUpdate());
      }
      try (Statement s = other.createStatement();
          ResultSet rs = s.executeQuery("SELECT COUNT(*) FROM t WHERE id = 1000")) {
        rs.next();
        assertEquals(1, rs.getLong(1));
      }
    }
  }
}
