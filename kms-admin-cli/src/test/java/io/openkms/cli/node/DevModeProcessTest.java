package io.openkms.cli.node;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.openkms.http.client.KmsClient;
import io.openkms.http.client.KmsClientException;
import io.openkms.http.proto.CreateEnclaveRequest;
import io.openkms.http.proto.EnclaveStatusRequest;
import io.openkms.kms.crypto.ApiKey;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code minkms server DIR --dev} (docs/REFERENCE.md §2.3: "random root key and ephemeral state.
 * Everything is lost on restart"): without {@code MINIO_KMS_HSM_KEY} and without a {@code tls}
 * section it starts with a self-signed certificate in {@code DIR/certs} (announced in the banner),
 * keeps its state in a temporary directory that is gone after SIGTERM, and a second start in the
 * same {@code DIR} is a new, empty cluster with a new root API key that reuses the certificate.
 */
@Tag("process")
class DevModeProcessTest {

  private static final Pattern STATE_DIR =
      Pattern.compile("(?m) INFO  NodeVolume: created (/\\S+)/kms\\.db: ");

  @TempDir Path tmp;

  @Test
  void devModeStateIsEphemeralAndTheCertificateStays() throws Exception {
    Path dir = tmp.resolve("dev");
    NodeAddress address = NodeAddress.next();
    Run first = runDev(dir, address, true);
    byte[] certificate = Files.readAllBytes(dir.resolve("certs/public.crt"));
    Run second = runDev(dir, address, false);

    assertNotEquals(first.clusterId(), second.clusterId());
    assertNotEquals(first.apiKey(), second.apiKey(), "--dev without an HSM key: random root key");
    assertEquals(
        List.of("certs", "certs/private.key", "certs/public.crt"),
        DirSnapshot.of(dir).entries().keySet().stream().filter(k -> !k.isEmpty()).toList(),
        "no state in DIR with --dev");
    assertEquals(
        new String(certificate),
        Files.readString(dir.resolve("certs/public.crt")),
        "the self-signed certificate is reused");
  }

  private record Run(String clusterId, String apiKey) {}

  /**
   * Starts a dev node, checks banner and state, creates an enclave (first run) or checks that none
   * exists (second run), stops it with SIGTERM and checks its state directory is gone.
   */
  private Run runDev(Path dir, NodeAddress address, boolean first) throws Exception {
    try (MinkmsProcess node =
        MinkmsProcess.start(
            Map.of(), "server", dir.toString(), "--dev", "--address", address.toString())) {
      String out = node.awaitUp();
      String clusterId = Nodes.clusterId(out);
      String apiKey = Nodes.apiKey(out);
      assertEquals(
          Nodes.banner(
              Nodes.distributionRelease(),
              clusterId,
              address,
              apiKey,
              Optional.of(Nodes.selfSignedNote(dir))),
          out);
      Matcher m = STATE_DIR.matcher(node.stderrText());
      assertTrue(m.find(), node.describe());
      Path stateDir = Path.of(m.group(1));
      assertFalse(stateDir.startsWith(dir.toAbsolutePath()), stateDir.toString());
      assertTrue(Files.isRegularFile(stateDir.resolve("kms.db")));

      KmsClient kms = Nodes.insecureClient(address, ApiKey.parse(apiKey));
      EnclaveStatusRequest status = EnclaveStatusRequest.newBuilder().setName("dev").build();
      if (first) {
        kms.createEnclave(CreateEnclaveRequest.newBuilder().setName("dev").build());
        assertEquals("dev", kms.enclaveStatus(status).getName());
      } else {
        KmsClientException e =
            assertThrows(KmsClientException.class, () -> kms.enclaveStatus(status));
        assertEquals(404, e.status(), e.toString());
      }

      node.signal(MinkmsProcess.Signal.TERM);
      assertEquals(0, node.awaitExit(NodeLifecycleProcessTest.STOP_TIMEOUT), node.describe());
      assertFalse(Files.exists(stateDir), stateDir + " is left after the stop");
      return new Run(clusterId, apiKey);
    }
  }
}
