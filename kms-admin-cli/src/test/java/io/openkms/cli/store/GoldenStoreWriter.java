package io.openkms.cli.store;

import static org.junit.jupiter.api.Assertions.assertInstanceOf;

import com.google.protobuf.ByteString;
import com.typesafe.config.ConfigFactory;
import io.openkms.cli.server.NodeMain;
import io.openkms.http.client.KmsClient;
import io.openkms.http.proto.EncryptRequest;
import io.openkms.http.testing.FreePorts;
import io.openkms.kms.actors.ReplicaLog;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.util.Base64;
import java.util.Map;
import java.util.Properties;
import java.util.TreeMap;
import org.apache.pekko.actor.ActorRef;
import org.apache.pekko.actor.typed.javadsl.Adapter;
import org.apache.pekko.pattern.Patterns;
import org.apache.pekko.persistence.Persistence;
import org.apache.pekko.persistence.SaveSnapshotSuccess;
import org.apache.pekko.persistence.SnapshotMetadata;
import org.apache.pekko.persistence.SnapshotProtocol;
import org.junit.jupiter.api.Test;

/**
 * Writes the golden store (see {@link GoldenStore}) with the code of the checkout it runs in. Not
 * part of the suite (its name is not a test name); run it by hand when a new store format version
 * is introduced, on the commit that still writes the previous one: {@code mvn -B -q -pl
 * kms-admin-cli -am test -DskipProcessTests -Dtest=GoldenStoreWriter
 * -Dsurefire.failIfNoSpecifiedTests=false
 * -Dgolden.out=$PWD/kms-admin-cli/src/test/resources/golden-store-vN}.
 *
 * <p>The node journals the changes of {@link GoldenStore#writeBeforeSnapshot}, then its snapshot
 * store saves the replica state at the journal's last sequence number (exactly what the replica log
 * does every {@code SNAPSHOT_EVERY} events, which would make the store too large to commit), then
 * it journals {@link GoldenStore#writeAfterSnapshot}. So recovery reads a snapshot and events. The
 * H2 file is compacted after the node stopped (rows unchanged, file small).
 */
class GoldenStoreWriter {

  @Test
  void write() throws Exception {
    Path out = Path.of(System.getProperty("golden.out", "target/golden-store"));
    Path dir = Files.createTempDirectory("minkms-golden");
    Properties expected = new Properties();
    int port = FreePorts.pair();
    try (NodeMain.RunningNode node = GoldenStore.start(dir, port)) {
      KmsClient kms = GoldenStore.client(port, node.rootApiKey());
      GoldenStore.writeBeforeSnapshot(kms);
      for (String key : new String[] {"imported", "generated"}) {
        byte[] ciphertext =
            kms.encrypt(
                    "golden",
                    EncryptRequest.newBuilder()
                        .setName(key)
                        .setPlaintext(ByteString.copyFrom(GoldenStore.PLAINTEXT))
                        .build())
                .getCiphertext()
                .toByteArray();
        expected.setProperty("ciphertext." + key, Base64.getEncoder().encodeToString(ciphertext));
      }
      saveSnapshot(node, dir);
      GoldenStore.writeAfterSnapshot(kms);
      Map<String, String> listing = new TreeMap<>(GoldenStore.listing(kms));
      listing.forEach((k, v) -> expected.setProperty("list." + k, v));
    }
    compact(dir);
    Files.createDirectories(out);
    for (String file : new String[] {"kms.db", "kms-journal.mv.db"}) {
      Files.copy(dir.resolve(file), out.resolve(file), StandardCopyOption.REPLACE_EXISTING);
    }
    try (OutputStream o = Files.newOutputStream(out.resolve(GoldenStore.EXPECTED))) {
      expected.store(
          o, "written by GoldenStoreWriter: what the version that wrote the store answered");
    }
  }

  /** Saves the published replica state at the journal's last sequence number. */
  private static void saveSnapshot(NodeMain.RunningNode node, Path dir) throws Exception {
    long seqNr;
    try (Connection c = DriverManager.getConnection(url(dir), "sa", "");
        Statement s = c.createStatement();
        ResultSet rs = s.executeQuery("SELECT MAX(\"sequence_number\") FROM \"event_journal\"")) {
      rs.next();
      seqNr = rs.getLong(1);
    }
    ActorRef store =
        Persistence.get(Adapter.toClassic(node.system()))
            .snapshotStoreFor("", ConfigFactory.empty());
    Object reply =
        Patterns.ask(
                store,
                new SnapshotProtocol.SaveSnapshot(
                    new SnapshotMetadata(
                        ReplicaLog.PERSISTENCE_ID, seqNr, System.currentTimeMillis()),
                    node.node().replicaState()),
                Duration.ofSeconds(10))
            .toCompletableFuture()
            .get();
    assertInstanceOf(SaveSnapshotSuccess.class, reply);
  }

  private static void compact(Path dir) throws Exception {
    try (Connection c = DriverManager.getConnection(url(dir), "sa", "");
        Statement s = c.createStatement()) {
      s.execute("SHUTDOWN COMPACT");
    }
  }

  private static String url(Path dir) {
    return "jdbc:h2:file:"
        + dir.toAbsolutePath().resolve("kms-journal")
        + ";DATABASE_TO_UPPER=false;FILE_LOCK=FILE;WRITE_DELAY=0;DB_CLOSE_ON_EXIT=FALSE";
  }
}
