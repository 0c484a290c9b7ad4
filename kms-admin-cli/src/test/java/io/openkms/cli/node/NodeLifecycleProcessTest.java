package io.openkms.cli.node;

import static io.openkms.cli.node.Nodes.assertStartError;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.ByteString;
import io.openkms.http.client.KmsClient;
import io.openkms.http.client.KmsTransportException;
import io.openkms.http.proto.CreateEnclaveRequest;
import io.openkms.http.proto.CreateKeyRequest;
import io.openkms.http.proto.DecryptRequest;
import io.openkms.http.proto.EnclaveStatusRequest;
import io.openkms.http.proto.EncryptRequest;
import io.openkms.http.proto.EncryptResponse;
import io.openkms.http.proto.ImportKeyRequest;
import io.openkms.http.proto.KeyStatusRequest;
import io.openkms.http.proto.KeyStatusResponse;
import io.openkms.http.proto.VersionResponse;
import io.openkms.kms.crypto.ApiKey;
import io.openkms.kms.crypto.Identity;
import io.openkms.kms.crypto.KeyType;
import io.openkms.kms.crypto.KeyVersion;
import io.openkms.persistence.HsmKey;
import java.net.http.HttpClient;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.io.TempDir;

/**
 * The life of one node on H2, as the deployment guide runs it (steps 1–3 and the troubleshooting
 * section), with real {@code minkms} processes: first start and banner, a second node with the same
 * HSM key, HTTPS, state over the API, SIGTERM, restart, SIGSTOP/SIGCONT, SIGKILL and restart, no
 * key material in the files, and the bad restarts of an existing {@code DIR} (wrong HSM key, {@code
 * --host} not in the cluster).
 *
 * <p>SIGTERM: the node stops within {@link #STOP_TIMEOUT} with exit code <b>0</b> (decided: {@code
 * NodeMain} handles SIGTERM itself and stops in order, so that systemd records a clean stop; the
 * JVM default would be 143) and H2 is closed (no {@code kms-journal.lock.db} left). SIGKILL gives
 * 137 (128 + 9) and loses no committed write.
 *
 * <p>The steps share one node and run in order (to start as few JVMs as possible); a step assumes
 * the ones before it passed.
 */
@Tag("process")
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class NodeLifecycleProcessTest {

  /** Bound on a stop by SIGTERM (issue 2). */
  static final Duration STOP_TIMEOUT = Duration.ofSeconds(20);

  private static final Pattern UUID =
      Pattern.compile("[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}");

  @TempDir static Path tmp;

  private final String hsmKey = HsmKey.generate().toString();
  private final ApiKey rootKey = Nodes.rootApiKey(hsmKey);
  private final byte[] importedKey = new byte[32];
  private final byte[] plaintext =
      "issue 2: state survives restarts".getBytes(StandardCharsets.UTF_8);
  private Path dir;
  private NodeAddress address;
  private String release;
  private MinkmsProcess node;
  private MinkmsProcess second;
  private NodeAddress secondAddress;
  private String clusterId;
  private byte[] ciphertext;

  @BeforeAll
  void startTwoNodesWithOneHsmKey() throws Exception {
    new SecureRandom().nextBytes(importedKey);
    release = Nodes.distributionRelease();
    dir = tmp.resolve("node0");
    address = NodeAddress.next();
    secondAddress = NodeAddress.next();
    node = Nodes.start(dir, address, hsmKey);
    second = Nodes.start(tmp.resolve("node1"), secondAddress, hsmKey);
    node.awaitUp();
    second.awaitUp();
  }

  @AfterAll
  void stopAll() {
    for (MinkmsProcess p : new MinkmsProcess[] {node, second}) {
      if (p != null) {
        p.close();
      }
    }
  }

  private KmsClient client() {
    return Nodes.insecureClient(address, rootKey);
  }

  @Test
  @Order(1)
  void firstStartPrintsTheBanner() throws Exception {
    String out = node.stdoutText();
    clusterId = Nodes.clusterId(out);
    assertTrue(UUID.matcher(clusterId).matches(), clusterId);
    assertEquals(
        Nodes.banner(
            release,
            clusterId,
            address,
            rootKey.toString(),
            Optional.of(Nodes.selfSignedNote(dir))),
        out);
    assertTrue(Files.isRegularFile(dir.resolve("certs/public.crt")));
    assertTrue(Files.isRegularFile(dir.resolve("certs/private.key")));
    assertTrue(Files.isRegularFile(dir.resolve("kms.db")));
  }

  @Test
  @Order(2)
  void nodesWithTheSameHsmKeyPrintTheSameApiKey() throws Exception {
    String out = second.stdoutText();
    String otherCluster = Nodes.clusterId(out);
    assertEquals(
        Nodes.banner(
            release,
            otherCluster,
            secondAddress,
            rootKey.toString(),
            Optional.of(Nodes.selfSignedNote(tmp.resolve("node1")))),
        out);
    assertEquals(Nodes.apiKey(node.stdoutText()), Nodes.apiKey(out));
    assertNotEquals(clusterId, otherCluster, "each node starts as its own single-node cluster");
    second.signal(MinkmsProcess.Signal.TERM);
    assertEquals(0, second.awaitExit(STOP_TIMEOUT), second.describe());
  }

  @Test
  @Order(3)
  void servesVersionOverHttps() throws Exception {
    HttpClient http = Nodes.httpClient(rootKey, null, "TLSv1.3", HttpClient.Version.HTTP_2);
    HttpResponse<String> response = Nodes.getVersion(http, address);
    assertEquals(200, response.statusCode(), response.body());
    VersionResponse version = client().version(address.toString());
    assertEquals(release, version.getVersion());
    assertEquals("v1", version.getAPIVersion());
    assertEquals(address.toString(), version.getHost());
    assertTrue(response.body().contains("\"" + release + "\""), response.body());
  }

  @Test
  @Order(4)
  void createsStateOverTheApi() {
    KmsClient kms = client();
    kms.createEnclave(CreateEnclaveRequest.newBuilder().setName("lifecycle").build());
    kms.createKey(
        "lifecycle", CreateKeyRequest.newBuilder().setName("generated").setType("AES256").build());
    kms.importKey(
        "lifecycle",
        ImportKeyRequest.newBuilder()
            .setName("imported")
            .setType("AES256")
            .setKey(ByteString.copyFrom(importedKey))
            .build());
    ciphertext =
        kms.encrypt(
                "lifecycle",
                EncryptRequest.newBuilder()
                    .setName("generated")
                    .setPlaintext(ByteString.copyFrom(plaintext))
                    .build())
            .getCiphertext()
            .toByteArray();
    assertStateIntact();
  }

  /**
   * Reads back what {@link #createsStateOverTheApi} wrote, with the imported key checked bit for
   * bit.
   */
  private void assertStateIntact() {
    KmsClient kms = client();
    assertEquals(
        "lifecycle",
        kms.enclaveStatus(EnclaveStatusRequest.newBuilder().setName("lifecycle").build())
            .getName());
    KeyStatusResponse imported =
        kms.keyStatus("lifecycle", KeyStatusRequest.newBuilder().setName("imported").build());
    assertEquals(1, imported.getVersion());
    assertEquals("AES256", imported.getType());
    assertArrayEquals(
        plaintext,
        kms.decrypt(
                "lifecycle",
                DecryptRequest.newBuilder()
                    .setName("generated")
                    .setCiphertext(ByteString.copyFrom(ciphertext))
                    .build())
            .getPlaintext()
            .toByteArray());
    EncryptResponse sealed =
        kms.encrypt(
            "lifecycle",
            EncryptRequest.newBuilder()
                .setName("imported")
                .setPlaintext(ByteString.copyFrom(plaintext))
                .build());
    KeyVersion known = new KeyVersion(1, KeyType.AES256, importedKey, Instant.EPOCH, Identity.ZERO);
    try {
      assertArrayEquals(plaintext, known.decrypt(sealed.getCiphertext().toByteArray(), null));
    } catch (Exception e) {
      throw new AssertionError("the node did not encrypt with the imported key bytes", e);
    }
  }

  @Test
  @Order(5)
  void sigtermStopsTheNodeCleanly() throws Exception {
    long started = System.nanoTime();
    node.signal(MinkmsProcess.Signal.TERM);
    int exit = node.awaitExit(STOP_TIMEOUT);
    Duration took = Duration.ofNanos(System.nanoTime() - started);
    assertEquals(0, exit, node.describe());
    assertTrue(took.compareTo(STOP_TIMEOUT) < 0, "stop took " + took);
    assertTrue(
        node.stderrText().contains(" INFO  NodeMain: SIGTERM received: stopping the node\n"),
        node.describe());
    assertTrue(node.stderrText().endsWith(" INFO  NodeMain: node stopped\n"), node.describe());
    assertFalse(node.stderrText().contains("Exception"), node.describe());
    assertFalse(
        Files.exists(dir.resolve("kms-journal.lock.db")),
        "H2 was not closed: its lock file is left");
  }

  @Test
  @Order(6)
  void restartWithTheSameKeyKeepsClusterAndState() throws Exception {
    node = Nodes.start(dir, address, hsmKey);
    String out = node.awaitUp();
    assertEquals(
        Nodes.banner(
            release,
            clusterId,
            address,
            rootKey.toString(),
            Optional.of(Nodes.selfSignedNote(dir))),
        out);
    assertStateIntact();
  }

  @Test
  @Order(7)
  void aStoppedProcessAnswersNothingUntilContinued() throws Exception {
    KmsClient quick =
        KmsClient.builder()
            .endpoints(address.toString())
            .apiKey(rootKey.keyPair())
            .insecure(true)
            .connectTimeout(Duration.ofSeconds(2))
            .requestTimeout(Duration.ofSeconds(2))
            .build();
    node.signal(MinkmsProcess.Signal.STOP);
    assertThrows(KmsTransportException.class, () -> quick.live(address.toString()));
    node.signal(MinkmsProcess.Signal.CONT);
    client().live(address.toString());
    assertStateIntact();
  }

  @Test
  @Order(8)
  void restartAfterSigkillKeepsState() throws Exception {
    node.signal(MinkmsProcess.Signal.KILL);
    assertEquals(137, node.awaitExit(STOP_TIMEOUT));
    node = Nodes.start(dir, address, hsmKey);
    assertEquals(clusterId, Nodes.clusterId(node.awaitUp()));
    assertStateIntact();
    node.signal(MinkmsProcess.Signal.TERM);
    assertEquals(0, node.awaitExit(STOP_TIMEOUT), node.describe());
  }

  @Test
  @Order(9)
  void noKeyMaterialInTheFilesOfDir() throws Exception {
    KeyMaterialScan scan = new KeyMaterialScan(importedKey);
    try (var files = Files.walk(dir)) {
      for (Path file : files.filter(Files::isRegularFile).toList()) {
        assertEquals(Optional.empty(), scan.find(Files.readAllBytes(file)), file.toString());
      }
    }
    assertTrue(Files.size(dir.resolve("kms-journal.mv.db")) > 0);
  }

  @Test
  @Order(10)
  void wrongHsmKeyChangesNothing() throws Exception {
    DirSnapshot before = DirSnapshot.of(dir);
    MinkmsProcess.Result result = Nodes.runFailing(dir, address, HsmKey.generate().toString());
    assertStartError(
        result, 1, "minkms: failed to unseal root encryption key with HSM: invalid ciphertext");
    assertEquals(before, DirSnapshot.of(dir));
  }

  @Test
  @Order(11)
  void missingHsmKeyOnAnExistingDirChangesNothing() throws Exception {
    DirSnapshot before = DirSnapshot.of(dir);
    assertStartError(Nodes.runFailing(dir, address, null), 1, "minkms: kms: no HSM provided");
    assertEquals(before, DirSnapshot.of(dir));
  }

  @Test
  @Order(12)
  void anotherHostIsNotPartOfTheCluster() throws Exception {
    byte[] kmsDb = Files.readAllBytes(dir.resolve("kms.db"));
    DirSnapshot certs = DirSnapshot.of(dir.resolve("certs"));
    MinkmsProcess.Result result =
        Nodes.runFailing(
            dir, address, hsmKey, "--host", "minkms-other.example.net:" + address.port());
    assertStartError(result, 1, "minkms: server not part of cluster");
    assertArrayEquals(kmsDb, Files.readAllBytes(dir.resolve("kms.db")));
    assertEquals(certs, DirSnapshot.of(dir.resolve("certs")));
  }

  /**
   * The refused start must not write to the journal either. Compares the journal's rows and the set
   * of files: H2 rewrites {@code kms-journal.mv.db} whenever it is opened read-write (see {@link
   * H2Journal}), so its bytes cannot stay the same.
   */
  @Test
  @Order(13)
  void anotherHostAppendsNothingToTheJournal() throws Exception {
    List<String> rows = H2Journal.rows(dir);
    Set<String> files = DirSnapshot.of(dir).entries().keySet();
    MinkmsProcess.Result result =
        Nodes.runFailing(
            dir, address, hsmKey, "--host", "minkms-other.example.net:" + address.port());
    assertStartError(result, 1, "minkms: server not part of cluster");
    assertEquals(rows, H2Journal.rows(dir));
    assertEquals(files, DirSnapshot.of(dir).entries().keySet());
  }
}
