package io.openkms.cli.cluster;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.ByteString;
import io.openkms.http.client.KmsClient;
import io.openkms.http.proto.AddClusterNodeRequest;
import io.openkms.http.proto.CreateEnclaveRequest;
import io.openkms.http.proto.CreateIdentityRequest;
import io.openkms.http.proto.CreateKeyRequest;
import io.openkms.http.proto.DecryptRequest;
import io.openkms.http.proto.GenerateKeyRequest;
import io.openkms.http.proto.GenerateKeyResponse;
import io.openkms.http.proto.ListRequest;
import io.openkms.kms.backup.BackupFile;
import io.openkms.kms.crypto.ApiKey;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * The total-failure procedure (docs/REFERENCE.md §2.5): a three-node cluster with keys and
 * identities is backed up, every node is destroyed (SIGKILL, volume deleted), one fresh node is
 * started with the same HSM key, the backup is restored into it, two fresh nodes are added; then
 * every old ciphertext decrypts on every node and every identity authenticates on every node.
 */
@Tag("process")
class BackupRestoreProcessTest {

  private static final String ENCLAVE = "aistor-primary";

  @Test
  void totalFailureIsRecoveredFromABackup() throws Exception {
    try (ProcessFixture fixture = new ProcessFixture("restore")) {
      NodeProcess n0 = fixture.node("node0", "127.0.0.1");
      NodeProcess n1 = fixture.node("node1", "127.0.0.2");
      NodeProcess n2 = fixture.node("node2", "127.0.0.3");
      List<NodeProcess> all = List.of(n0, n1, n2);
      NodeProcess.startAll(all);
      formCluster(fixture, n0, n1, n2);

      KmsClient root = fixture.client(n0);
      root.createEnclave(CreateEnclaveRequest.newBuilder().setName(ENCLAVE).build());
      ApiKey admin = ApiKey.generate();
      ApiKey sysAdmin = ApiKey.generate();
      root.createIdentity(ENCLAVE, CreateIdentityRequest.newBuilder()
          .setIdentity(admin.identity().toString()).setPrivilege("Admin").build());
      root.createIdentity("", CreateIdentityRequest.newBuilder()
          .setIdentity(sysAdmin.identity().toString()).setPrivilege("SysAdmin").build());
      root.createKey(ENCLAVE, CreateKeyRequest.newBuilder().setName("sse-key").build());
      root.createKey(ENCLAVE, CreateKeyRequest.newBuilder().setName("sse-key").setAddVersion(true)
          .build());
      List<GenerateKeyResponse> dataKeys = new ArrayList<>();
      for (NodeProcess n : all) {
        dataKeys.add(fixture.client(admin, n).generateKey(ENCLAVE, GenerateKeyRequest.newBuilder()
            .setName("sse-key").setAssociatedData(ByteString.copyFromUtf8(n.name)).build()));
      }
      byte[] backup = fixture.client(sysAdmin, n1).readDb();
      BackupFile.Header header = BackupFile.header(backup);
      assertEquals(1, header.enclaves().size());

      for (NodeProcess n : all) { // total failure
        n.kill();
        n.wipe();
      }
      n0.start();
      fixture.client(n0).writeDb(n0.host(), backup);
      NodeProcess.startAll(List.of(n1, n2));
      formCluster(fixture, n0, n1, n2);

      for (NodeProcess n : all) {
        for (int i = 0; i < dataKeys.size(); i++) {
          GenerateKeyResponse d = dataKeys.get(i);
          assertArrayEquals(d.getPlaintext().toByteArray(), fixture.client(admin, n)
              .decrypt(ENCLAVE, DecryptRequest.newBuilder().setName("sse-key")
                  .setVersion(d.getVersion()).setCiphertext(d.getCiphertext())
                  .setAssociatedData(ByteString.copyFromUtf8(all.get(i).name)).build())
              .getPlaintext().toByteArray(), "data key " + i + " on " + n);
        }
        assertEquals(1, fixture.client(admin, n).listKeys(ENCLAVE,
            ListRequest.getDefaultInstance()).getKeysCount());
        assertEquals(3, fixture.client(sysAdmin, n).clusterStatus().getNodesUpCount());
      }
    }
  }

  /** Adds {@code n1} and {@code n2} from {@code n0} and waits until all three see three members. */
  static void formCluster(ProcessFixture fixture, NodeProcess n0, NodeProcess n1, NodeProcess n2)
      throws InterruptedException {
    KmsClient c0 = fixture.client(n0);
    c0.addNode(AddClusterNodeRequest.newBuilder().setHost(n1.host()).build());
    c0.addNode(AddClusterNodeRequest.newBuilder().setHost(n2.host()).build());
    ProcessFixture.await(Duration.ofSeconds(60), "a three-node cluster", () ->
        List.of(n0, n1, n2).stream().allMatch(n -> fixture.client(n).clusterStatus()
            .getNodesUpCount() == 3));
    assertTrue(fixture.client(n2).clusterStatus().getNodesDownCount() == 0);
  }
}
