package io.openkms.http.server;

import static io.openkms.http.server.ApiAssertions.assertJsonError;
import static io.openkms.http.server.ApiAssertions.assertKmsError;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.ByteString;
import com.google.protobuf.Timestamp;
import io.openkms.http.client.KmsClient;
import io.openkms.http.client.LogStream;
import io.openkms.http.ops.JfrProfiler;
import io.openkms.http.ops.LogHub;
import io.openkms.http.proto.CreateEnclaveRequest;
import io.openkms.http.proto.CreateIdentityRequest;
import io.openkms.http.proto.CreateKeyRequest;
import io.openkms.http.proto.DecryptRequest;
import io.openkms.http.proto.DeleteEnclaveRequest;
import io.openkms.http.proto.EncryptRequest;
import io.openkms.http.proto.EncryptResponse;
import io.openkms.http.proto.ListRequest;
import io.openkms.http.proto.LogRecord;
import io.openkms.http.proto.LogRequest;
import io.openkms.http.proto.ProfileStatusResponse;
import io.openkms.kms.backup.BackupFile;
import io.openkms.kms.backup.BackupKey;
import io.openkms.kms.crypto.ApiKey;
import io.openkms.kms.domain.KmsState;
import io.openkms.persistence.Hsm;
import io.openkms.persistence.HsmKey;
import io.openkms.persistence.SoftHsm;
import java.io.ByteArrayOutputStream;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.zip.GZIPOutputStream;
import jdk.jfr.consumer.RecordingFile;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The operations endpoints ({@link OpsApi}) on a real node, through the Java client and raw HTTP:
 * backup and restore, the log stream, profiling, restart; SysAdmin only; bad input gets a 4xx with
 * a JSON error body.
 */
class OpsApiTest {

  private static final long MAX_BACKUP = 256 << 10;

  private static TestKmsServer server;
  private static KmsClient root;
  private static KmsClient admin;
  private static HttpClient raw;
  private static final AtomicReference<Hsm> HSM = new AtomicReference<>();
  private static final LogHub LOGS = new LogHub(100, 64, 2);
  private static final AtomicInteger SELF_RESTARTS = new AtomicInteger();
  private static final AtomicInteger PEER_RESTARTS = new AtomicInteger();
  private static final AtomicBoolean PEERS_FAIL = new AtomicBoolean();

  @BeforeAll
  static void start() throws Exception {
    Restarter restarter =
        new Restarter() {
          @Override
          public void restartSelf() {
            SELF_RESTARTS.incrementAndGet();
          }

          @Override
          public CompletionStage<Map<Integer, String>> restartPeers() {
            PEER_RESTARTS.incrementAndGet();
            return CompletableFuture.completedFuture(
                PEERS_FAIL.get() ? Map.of(2, "127.0.0.3:7373: connection failed") : Map.of());
          }
        };
    server =
        TestKmsServer.start(
            hsm -> {
              HSM.set(hsm);
              return new NodeOps(
                  BackupKey.of(hsm),
                  MAX_BACKUP,
                  LOGS,
                  new JfrProfiler(Duration.ofMinutes(1), 8 << 20, Clock.systemUTC()),
                  restarter);
            });
    root = server.root();
    raw = server.rawRoot();
    root.createEnclave(CreateEnclaveRequest.newBuilder().setName("ops").build());
    ApiKey adminKey = ApiKey.generate();
    root.createIdentity(
        "ops",
        CreateIdentityRequest.newBuilder()
            .setIdentity(adminKey.identity().toString())
            .setPrivilege("Admin")
            .build());
    admin = server.client(adminKey);
  }

  @AfterAll
  static void stop() {
    server.close();
  }

  @Test
  void aBackupRestoresDeletedKeysAndOldCiphertextsDecryptAgain() throws Exception {
    root.createEnclave(CreateEnclaveRequest.newBuilder().setName("b1").build());
    root.createKey("b1", CreateKeyRequest.newBuilder().setName("k").build());
    EncryptResponse ct =
        root.encrypt(
            "b1",
            EncryptRequest.newBuilder()
                .setName("k")
                .setPlaintext(ByteString.copyFromUtf8("secret"))
                .build());
    long commit = server.node().state().commitIndex();
    byte[] backup = root.readDb();
    assertEquals(commit, BackupFile.header(backup).commit());
    root.deleteEnclave(DeleteEnclaveRequest.newBuilder().setName("b1").build());

    root.writeDb(server.host(), gzip(backup)); // as minkms backup writes it
    assertEquals(
        "secret",
        root.decrypt(
                "b1",
                DecryptRequest.newBuilder()
                    .setName("k")
                    .setVersion(ct.getVersion())
                    .setCiphertext(ct.getCiphertext())
                    .build())
            .getPlaintext()
            .toStringUtf8());
    assertTrue(server.node().state().commitIndex() > commit);
    // the enclave admin of the backup authenticates again
    admin.listKeys("ops", ListRequest.getDefaultInstance());
  }

  @Test
  void aBackupOfAnotherHsmKeyOrGarbageIsRefusedAndChangesNothing() throws Exception {
    KmsState other = server.node().state();
    byte[] foreign =
        BackupFile.write(other, BackupKey.of(new SoftHsm(HsmKey.generate())), Instant.now());
    long before = server.node().state().commitIndex();
    String expected = e400(foreign);
    assertTrue(expected.startsWith("cannot restore backup: it was sealed under another HSM key"));
    assertKmsError(400, expected, () -> root.writeDb(server.host(), foreign));
    assertKmsError(
        400,
        "invalid backup: not a minkms backup file",
        () -> root.writeDb(server.host(), "garbage".getBytes(StandardCharsets.UTF_8)));
    assertKmsError(
        400,
        "invalid backup: broken gzip data",
        () -> root.writeDb(server.host(), new byte[] {0x1f, (byte) 0x8b, 1, 2, 3}));
    assertKmsError(
        413,
        "backup too large: at most " + MAX_BACKUP + " bytes (minkms.ops.backup-max-bytes)",
        () -> root.writeDb(server.host(), new byte[(int) MAX_BACKUP + 1000]));
    assertKmsError(
        413,
        "backup too large: at most " + MAX_BACKUP + " bytes (minkms.ops.backup-max-bytes)",
        () -> root.writeDb(server.host(), gzip(new byte[(int) MAX_BACKUP * 3])));
    assertEquals(before, server.node().state().commitIndex());
  }

  private static String e400(byte[] foreign) {
    try {
      BackupFile.open(foreign, BackupKey.of(HSM.get()));
      throw new AssertionError("opened");
    } catch (io.openkms.kms.domain.KmsException k) {
      return k.message();
    }
  }

  @Test
  void backupsTakenWhileWritesRunAreEachAtOneCommitIndex() throws Exception {
    root.createEnclave(CreateEnclaveRequest.newBuilder().setName("busy").build());
    long base = server.node().state().commitIndex();
    AtomicBoolean run = new AtomicBoolean(true);
    Thread writer =
        new Thread(
            () -> {
              for (int i = 0; run.get() && i < 400; i++) {
                root.createKey("busy", CreateKeyRequest.newBuilder().setName("k" + i).build());
              }
            });
    writer.start();
    List<byte[]> backups = new ArrayList<>();
    for (int i = 0; i < 10; i++) {
      backups.add(root.readDb());
      Thread.sleep(20);
    }
    run.set(false);
    writer.join(30_000);
    BackupKey key = BackupKey.of(HSM.get());
    for (byte[] b : backups) {
      BackupFile.Contents c = BackupFile.open(b, key);
      int keys = c.enclaves().get("busy").keys().size();
      assertEquals(
          c.header().commit() - base, keys, "keys of a backup at commit " + c.header().commit());
      assertEquals(keys, c.header().enclaves().get("busy").keys());
    }
  }

  @Test
  void everyEndpointIsForSysAdminsOnly() throws Exception {
    String denied = "access denied: insufficient permissions";
    int restarts = SELF_RESTARTS.get() + PEER_RESTARTS.get();
    assertKmsError(403, denied, () -> admin.readDb());
    assertKmsError(403, denied, () -> admin.writeDb(server.host(), root.readDb()));
    assertKmsError(403, denied, () -> admin.logs(server.host(), LogRequest.getDefaultInstance()));
    assertKmsError(403, denied, () -> admin.startProfiling(server.host(), true, true, "", 0, 0));
    assertKmsError(403, denied, () -> admin.profilingStatus(server.host()));
    assertKmsError(403, denied, () -> admin.stopProfiling(server.host()));
    assertKmsError(403, denied, () -> admin.restart());
    assertKmsError(403, denied, () -> admin.restart(server.host()));
    assertEquals(restarts, SELF_RESTARTS.get() + PEER_RESTARTS.get());
  }

  @Test
  void wrongMethodsAndGarbageAre4xx() throws Exception {
    assertJsonError(405, "method not allowed: use GET or PUT", send("DELETE", "/v1/db"));
    assertJsonError(405, "method not allowed: use POST", send("GET", "/v1/debug/log"));
    assertJsonError(405, "method not allowed: use POST", send("GET", "/v1/debug/restart"));
    assertJsonError(
        405, "method not allowed: use POST, GET or DELETE", send("PUT", "/v1/debug/pprof"));
    assertJsonError(
        400,
        "invalid log request: not a protobuf LogRequest",
        server.post(raw, "/v1/debug/log", new byte[] {(byte) 0xff, (byte) 0xff, 0x01}));
    assertJsonError(
        413,
        "request body too large: at most 65536 bytes",
        server.post(raw, "/v1/debug/log", new byte[100_000]));
    assertJsonError(
        400,
        "invalid profile request: cpu 'yes' is not true or false",
        server.post(raw, "/v1/debug/pprof?cpu=yes", new byte[0]));
    assertJsonError(
        400,
        "invalid profile request: thread 'x' is not one of all, runtime, os",
        server.post(raw, "/v1/debug/pprof?cpu=true&thread=x", new byte[0]));
    assertJsonError(
        400,
        "invalid profile request: block '-1' is not a number from 0 to 2147483647",
        server.post(raw, "/v1/debug/pprof?cpu=true&block=-1", new byte[0]));
    assertJsonError(
        400,
        "invalid profile request: nothing to profile",
        server.post(raw, "/v1/debug/pprof?cpu=false&heap=false", new byte[0]));
  }

  private static HttpResponse<byte[]> send(String method, String path) throws Exception {
    return raw.send(
        HttpRequest.newBuilder(server.uri(path))
            .timeout(Duration.ofSeconds(20))
            .method(method, HttpRequest.BodyPublishers.noBody())
            .build(),
        HttpResponse.BodyHandlers.ofByteArray());
  }

  @Test
  void theLogStreamSendsHistoryAndNewRecordsFilteredAndLengthPrefixed() throws Exception {
    Instant t0 = Instant.now();
    LOGS.publish(record(LogHub.INFO, "old info", t0.minusSeconds(3600)));
    LOGS.publish(record(LogHub.ERROR, "recent error", t0));
    LOGS.publish(record(LogHub.DEBUG, "recent debug", t0));
    HttpResponse<java.io.InputStream> head =
        raw.send(
            HttpRequest.newBuilder(server.uri("/v1/debug/log"))
                .timeout(Duration.ofSeconds(20))
                .header("Content-Type", "application/octet-stream")
                .POST(
                    HttpRequest.BodyPublishers.ofByteArray(
                        LogRequest.getDefaultInstance().toByteArray()))
                .build(),
            HttpResponse.BodyHandlers.ofInputStream());
    assertEquals(200, head.statusCode());
    assertEquals("application/octet-stream", head.headers().firstValue("content-type").orElse(""));
    head.body().close();
    awaitNoLogReaders(); // a stream is released after the close reaches the server

    LogRequest req =
        LogRequest.newBuilder()
            .setLevel(LogHub.INFO)
            .setSince(Timestamp.newBuilder().setSeconds(t0.minusSeconds(60).getEpochSecond()))
            .build();
    try (LogStream stream = root.logs(server.host(), req)) {
      assertEquals("recent error", stream.next().orElseThrow().getMessage());
      String big = "x".repeat(10_000);
      LOGS.publish(record(LogHub.WARN, big, Instant.now()));
      LOGS.publish(record(LogHub.DEBUG, "filtered", Instant.now()));
      LOGS.publish(record(LogHub.WARN, "new warn", Instant.now()));
      LogRecord cut = stream.next().orElseThrow();
      assertTrue(cut.getSerializedSize() <= LogHub.MAX_RECORD_BYTES);
      assertTrue(cut.getMessage().startsWith("xxxx"));
      assertEquals("new warn", stream.next().orElseThrow().getMessage());
    }
    // Go's zero time: only new records; and a message filter
    LogRequest goZero =
        LogRequest.newBuilder()
            .setMessage("needle")
            .setSince(Timestamp.newBuilder().setSeconds(-62135596800L))
            .build();
    awaitNoLogReaders();
    try (LogStream stream = root.logs(server.host(), goZero)) {
      LOGS.publish(record(LogHub.INFO, "hay", Instant.now()));
      LOGS.publish(record(LogHub.INFO, "a needle", Instant.now()));
      assertEquals("a needle", stream.next().orElseThrow().getMessage());
    }
  }

  /** Waits (at most 10 s) until the streams opened before have ended on the server. */
  private static void awaitNoLogReaders() throws InterruptedException {
    long deadline = System.nanoTime() + 10_000_000_000L;
    while (LOGS.readers() > 0 && System.nanoTime() < deadline) {
      Thread.sleep(50);
    }
  }

  @Test
  void aBoundedNumberOfLogStreams() throws Exception {
    awaitNoLogReaders(); // streams of other tests end
    try (LogStream a = root.logs(server.host(), LogRequest.getDefaultInstance());
        LogStream b = root.logs(server.host(), LogRequest.getDefaultInstance())) {
      LOGS.publish(record(LogHub.INFO, "ping", Instant.now()));
      a.next();
      b.next();
      assertKmsError(
          429,
          "too many log streams: at most 2 (minkms.ops.log-streams)",
          () -> root.logs(server.host(), LogRequest.getDefaultInstance()));
    }
  }

  @Test
  void profilingStartsReportsAndStopsWithAJfrRecordingInATar() throws Exception {
    assertFalse(root.profilingStatus(server.host()).hasStarted());
    assertKmsError(404, "profiling is not running", () -> root.stopProfiling(server.host()));
    root.startProfiling(server.host(), true, true, "all", 0, 5);
    ProfileStatusResponse s = root.profilingStatus(server.host());
    assertTrue(s.hasStarted());
    assertTrue(s.getCPU() && s.getHeap() && s.getGoroutine() && s.getThread());
    assertEquals(5, s.getMutexFraction());
    io.openkms.http.client.KmsClientException busy =
        org.junit.jupiter.api.Assertions.assertThrows(
            io.openkms.http.client.KmsClientException.class,
            () -> root.startProfiling(server.host(), true, false, "", 0, 0));
    assertEquals(409, busy.status());
    assertTrue(
        busy.getMessage().startsWith("profiling is already running since"), busy.getMessage());
    for (int i = 0; i < 50; i++) {
      root.listKeys("ops", ListRequest.getDefaultInstance());
    }
    byte[] tar = root.stopProfiling(server.host());
    assertEquals(
        JfrProfiler.FILE_NAME,
        new String(tar, 0, JfrProfiler.FILE_NAME.length(), StandardCharsets.US_ASCII));
    long size = Long.parseLong(new String(tar, 124, 11, StandardCharsets.US_ASCII), 8);
    Path jfr = Files.createTempFile("ops-test", ".jfr");
    try {
      Files.write(jfr, java.util.Arrays.copyOfRange(tar, 512, 512 + (int) size));
      assertFalse(RecordingFile.readAllEvents(jfr).isEmpty());
    } finally {
      Files.delete(jfr);
    }
    assertFalse(root.profilingStatus(server.host()).hasStarted());
  }

  @Test
  void restartOfOneNodeAndOfTheCluster() throws Exception {
    int self = SELF_RESTARTS.get();
    root.restart(server.host());
    assertEquals(self + 1, SELF_RESTARTS.get());
    int peers = PEER_RESTARTS.get();
    root.restart();
    assertEquals(peers + 1, PEER_RESTARTS.get());
    assertEquals(self + 2, SELF_RESTARTS.get());
    PEERS_FAIL.set(true);
    try {
      assertKmsError(
          502,
          "restarting this node; nodes did not confirm the restart: 2"
              + " (127.0.0.3:7373: connection failed)",
          () -> root.restart());
      assertEquals(self + 3, SELF_RESTARTS.get());
    } finally {
      PEERS_FAIL.set(false);
    }
  }

  private static LogRecord record(int level, String message, Instant time) {
    return LogRecord.newBuilder()
        .setLevel(level)
        .setMessage(message)
        .setTime(Timestamp.newBuilder().setSeconds(time.getEpochSecond()).setNanos(time.getNano()))
        .build();
  }

  private static byte[] gzip(byte[] data) throws Exception {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    try (GZIPOutputStream z = new GZIPOutputStream(out)) {
      z.write(data);
    }
    return out.toByteArray();
  }
}
