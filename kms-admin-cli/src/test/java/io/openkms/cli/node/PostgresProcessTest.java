package io.openkms.cli.node;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.google.protobuf.ByteString;
import io.openkms.http.client.KmsClient;
import io.openkms.http.proto.CreateEnclaveRequest;
import io.openkms.http.proto.EncryptRequest;
import io.openkms.http.proto.ImportKeyRequest;
import io.openkms.http.proto.KeyStatusRequest;
import io.openkms.kms.crypto.ApiKey;
import io.openkms.kms.crypto.Identity;
import io.openkms.kms.crypto.KeyType;
import io.openkms.kms.crypto.KeyVersion;
import io.openkms.persistence.HsmKey;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A node on a PostgreSQL store ({@code store: {kind: postgres, ...}} in config.yaml, one fresh
 * schema per run, dropped afterwards): it starts, keeps cluster and state across a restart, keeps
 * no journal in {@code DIR}, and the bytes of a key imported over the API ({@code KEY:IMPORT})
 * appear in no cell of the schema (every {@code bytea} and text column scanned, raw, base64 and
 * hex): the journal holds only sealed events. After {@code rm DIR/kms.db} (the guide's reset) the
 * start is refused before anything is written, since the schema's journal is sealed under the lost
 * root encryption key. Skipped when nothing listens on 127.0.0.1:5432.
 */
@Tag("process")
class PostgresProcessTest {

  static final String URL = "jdbc:postgresql://127.0.0.1:5432/test";
  static final String USER = "postgres";

  @TempDir Path tmp;

  private String schema;

  @BeforeEach
  void requirePostgres() {
    try (Socket s = new Socket()) {
      s.connect(new InetSocketAddress("127.0.0.1", 5432), 1000);
    } catch (IOException e) {
      assumeTrue(false, "no PostgreSQL on 127.0.0.1:5432: " + e.getMessage());
    }
    byte[] random = new byte[8];
    new SecureRandom().nextBytes(random);
    schema = "minkms_process_" + HexFormat.of().formatHex(random);
  }

  @AfterEach
  void dropSchema() throws Exception {
    if (schema != null) {
      try (Connection c = DriverManager.getConnection(URL, USER, "");
          Statement s = c.createStatement()) {
        s.execute("DROP SCHEMA IF EXISTS " + schema + " CASCADE");
      }
    }
  }

  @Test
  void nodeOnPostgresKeepsStateAndNoKeyMaterialInTheRows() throws Exception {
    String hsmKey = HsmKey.generate().toString();
    ApiKey rootKey = Nodes.rootApiKey(hsmKey);
    byte[] keyBytes = new byte[32];
    new SecureRandom().nextBytes(keyBytes);
    byte[] plaintext = "sealed in postgres".getBytes(StandardCharsets.UTF_8);
    Path config =
        Files.writeString(
            tmp.resolve("config.yaml"),
            "version: v1\nstore:\n  kind: postgres\n"
                + "  url: "
                + URL
                + "\n  user: "
                + USER
                + "\n  schema: "
                + schema
                + "\n");
    Path dir = tmp.resolve("volume");
    NodeAddress address = NodeAddress.next();
    String release = Nodes.distributionRelease();

    String clusterId;
    try (MinkmsProcess node = Nodes.start(dir, address, hsmKey, "--config", config.toString())) {
      String out = node.awaitUp();
      clusterId = Nodes.clusterId(out);
      assertEquals(
          Nodes.banner(
              release,
              clusterId,
              address,
              rootKey.toString(),
              Optional.of(Nodes.selfSignedNote(dir))),
          out);
      KmsClient kms = Nodes.insecureClient(address, rootKey);
      kms.createEnclave(CreateEnclaveRequest.newBuilder().setName("pg").build());
      kms.importKey(
          "pg",
          ImportKeyRequest.newBuilder()
              .setName("known")
              .setType("AES256")
              .setKey(ByteString.copyFrom(keyBytes))
              .build());
      node.signal(MinkmsProcess.Signal.TERM);
      assertEquals(0, node.awaitExit(NodeLifecycleProcessTest.STOP_TIMEOUT), node.describe());
    }
    try (var files = Files.list(dir)) {
      // kms-journal.hwm: the journal's sealed high-water mark, kept outside the database
      assertEquals(
          List.of("certs", "kms-journal.hwm", "kms.db"),
          files.map(p -> p.getFileName().toString()).sorted().toList(),
          "no journal in DIR");
    }

    KeyMaterialScan scan = new KeyMaterialScan(keyBytes);
    assertTrue(scanSchema(scan) > 0, "the schema holds journal rows");

    // reset as the deployment guide says (rm DIR/kms.db): the journal in the schema was sealed
    // under the lost root encryption key, so the start is refused before anything is written
    Path kmsDb = dir.resolve("kms.db");
    Path saved = Files.move(kmsDb, tmp.resolve("kms.db.saved"));
    DirSnapshot before = DirSnapshot.of(dir);
    MinkmsProcess.Result reset =
        Nodes.runFailing(dir, address, hsmKey, "--config", config.toString());
    Nodes.assertStartError(
        reset,
        1,
        "minkms: the PostgreSQL schema "
            + schema
            + " holds the journal of a node whose "
            + kmsDb
            + " is gone: drop the schema (DROP SCHEMA "
            + schema
            + " CASCADE) or configure another one");
    assertEquals(before, DirSnapshot.of(dir));
    Files.move(saved, kmsDb);

    try (MinkmsProcess node = Nodes.start(dir, address, hsmKey, "--config", config.toString())) {
      String out = node.awaitUp();
      assertEquals(
          Nodes.banner(
              release,
              clusterId,
              address,
              rootKey.toString(),
              Optional.of(Nodes.selfSignedNote(dir))),
          out);
      KmsClient kms = Nodes.insecureClient(address, rootKey);
      assertEquals(
          1,
          kms.keyStatus("pg", KeyStatusRequest.newBuilder().setName("known").build()).getVersion());
      byte[] ciphertext =
          kms.encrypt(
                  "pg",
                  EncryptRequest.newBuilder()
                      .setName("known")
                      .setPlaintext(ByteString.copyFrom(plaintext))
                      .build())
              .getCiphertext()
              .toByteArray();
      KeyVersion known = new KeyVersion(1, KeyType.AES256, keyBytes, Instant.EPOCH, Identity.ZERO);
      assertArrayEquals(plaintext, known.decrypt(ciphertext, null));
      node.signal(MinkmsProcess.Signal.TERM);
      assertEquals(0, node.awaitExit(NodeLifecycleProcessTest.STOP_TIMEOUT), node.describe());
    }
    assertTrue(scanSchema(scan) > 0, "the schema holds journal rows");
  }

  /**
   * Reads every {@code bytea}, {@code text}, {@code varchar} and {@code json(b)} cell of every
   * table of the schema and fails if the key shows in one.
   *
   * @return the number of non-null cells scanned
   */
  private int scanSchema(KeyMaterialScan scan) throws Exception {
    int cells = 0;
    try (Connection c = DriverManager.getConnection(URL, USER, "")) {
      List<String[]> columns = new ArrayList<>();
      try (PreparedStatement q =
          c.prepareStatement(
              "SELECT table_name, column_name, data_type "
                  + "FROM information_schema.columns WHERE table_schema = ? ORDER BY table_name, ordinal_position")) {
        q.setString(1, schema);
        try (ResultSet rs = q.executeQuery()) {
          while (rs.next()) {
            columns.add(new String[] {rs.getString(1), rs.getString(2), rs.getString(3)});
          }
        }
      }
      assertTrue(
          columns.stream().anyMatch(col -> col[0].equals("event_journal")), "no journal table");
      for (String[] col : columns) {
        String type = col[2];
        boolean binary = type.equals("bytea");
        boolean text =
            type.equals("text") || type.equals("character varying") || type.startsWith("json");
        if (!binary && !text) {
          continue;
        }
        String sql =
            "SELECT \""
                + col[1]
                + "\""
                + (text ? "::text" : "")
                + " FROM "
                + schema
                + ".\""
                + col[0]
                + "\"";
        try (Statement s = c.createStatement();
            ResultSet rs = s.executeQuery(sql)) {
          while (rs.next()) {
            Optional<String> found =
                binary
                    ? Optional.ofNullable(rs.getBytes(1)).flatMap(scan::find)
                    : Optional.ofNullable(rs.getString(1)).flatMap(scan::find);
            if (rs.getObject(1) != null) {
              cells++;
            }
            assertEquals(Optional.empty(), found, "key material in " + col[0] + "." + col[1]);
          }
        }
      }
    }
    return cells;
  }
}
