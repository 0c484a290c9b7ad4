package io.openkms.cli.store;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import io.openkms.cli.server.NodeMain;
import io.openkms.http.client.KmsClient;
import io.openkms.http.proto.CreateKeyRequest;
import io.openkms.http.proto.DeleteKeyRequest;
import io.openkms.http.testing.FreePorts;
import io.openkms.persistence.JournalShredder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@link NodeMain.RunningNode#close()} returns only once nothing touches DIR any more: the H2
 * database is closed (its lock file {@code kms-journal.lock.db} gone, H2's watchdog recreates it
 * while the database is open) and the journal shredder's last run, with its own connection and
 * compaction, has ended. An in-process restart and every {@code @TempDir} test rely on it (a fresh
 * CI run failed to delete the temp directory of {@link GoldenStoreTest}: a file appeared after
 * JUnit had listed it).
 */
class NodeCloseTest {

  @TempDir Path dir;

  @BeforeEach
  void shredFast() {
    GoldenStore.shredFast();
  }

  @AfterEach
  void defaults() {
    GoldenStore.shredAtDefaults();
  }

  @Test
  void closeReturnsOnceNothingWritesTheDirectory() throws Exception {
    GoldenStoreTest.copyStore(dir);
    for (int round = 0; round < 2; round++) {
      int port = FreePorts.pair();
      try (NodeMain.RunningNode node = GoldenStore.start(dir, port)) {
        KmsClient kms = GoldenStore.client(port, node.rootApiKey());
        // deletions snapshot the replica log: the shredder (every second) deletes and compacts
        long until = System.nanoTime() + 2_500_000_000L;
        for (int i = 0; System.nanoTime() < until; i++) {
          String name = "k" + round + "-" + i;
          kms.createKey(
              "second", CreateKeyRequest.newBuilder().setName(name).setType("AES256").build());
          kms.deleteKey(
              "second", DeleteKeyRequest.newBuilder().setName(name).setAllVersions(true).build());
        }
      }
      assertEquals(List.of(), shredderThreadsAtWork(), "the shredder still runs after close()");
      Map<String, String> closed = listing(dir);
      assertFalse(
          closed.containsKey("kms-journal.lock.db"), "H2 still open after close(): " + closed);
      Thread.sleep(1_500); // longer than the shredder's interval
      assertEquals(closed, listing(dir), "DIR changed after close() returned");
    }
  }

  /**
   * Shredder threads waiting for their next run or running one ({@code minkms-journal-shredder}
   * threads of stopped nodes are at most on their way out).
   */
  private static List<String> shredderThreadsAtWork() {
    return Thread.getAllStackTraces().entrySet().stream()
        .filter(e -> e.getKey().getName().equals("minkms-journal-shredder"))
        .filter(
            e ->
                Arrays.stream(e.getValue())
                    .anyMatch(
                        f ->
                            f.getMethodName().equals("take")
                                || f.getClassName().equals(JournalShredder.class.getName())))
        .map(e -> e.getKey().getState() + " " + Arrays.toString(e.getValue()))
        .toList();
  }

  /** File name to size and modification time, of the files directly in {@code dir}. */
  private static Map<String, String> listing(Path dir) throws Exception {
    Map<String, String> files = new TreeMap<>();
    try (Stream<Path> s = Files.list(dir)) {
      for (Path p : s.toList()) {
        files.put(
            p.getFileName().toString(),
            Files.size(p) + "@" + Files.getLastModifiedTime(p).toMillis());
      }
    }
    return files;
  }
}
