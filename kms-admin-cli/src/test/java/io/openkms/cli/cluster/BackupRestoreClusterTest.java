package io.openkms.cli.cluster;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import com.google.protobuf.ByteString;
import io.openkms.http.client.KmsClient;
import io.openkms.http.proto.CreateEnclaveRequest;
import io.openkms.http.proto.CreateIdentityRequest;
import io.openkms.http.proto.CreateKeyRequest;
import io.openkms.http.proto.DecryptRequest;
import io.openkms.http.proto.GenerateKeyRequest;
import io.openkms.http.proto.GenerateKeyResponse;
import io.openkms.http.proto.ListRequest;
import io.openkms.kms.backup.BackupFile;
import io.openkms.kms.crypto.ApiKey;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The total-failure procedure (docs/REFERENCE.md §2.5) with three nodes in the test JVM ({@link
 * InJvmCluster}): a three-node cluster with keys and identities is backed up, every node is
 * destroyed (stopped, volume deleted), one fresh node is started with the same HSM key, the backup
 * is restored into it, two fresh nodes are added; then every old ciphertext decrypts on every node
 * and every identity authenticates on every node.
 */
class BackupRestoreClusterTest {

  private static final String ENCLAVE = "aistor-primary";

  @Test
  void totalFailureIsRecoveredFromABackup() throws Exception {
    try (InJvmCluster fixture = new InJvmCluster("restore")) {
      InJvmCluster.Node n0 = fixture.node("node0", "127.0.0.1");
      InJvmCluster.Node n1 = fixture.node("node1", "127.0.0.2");
      InJvmCluster.Node n2 = fixture.node("node2", "127.0.0.3");
      List<InJvmCluster.Node> all = List.of(n0, n1, n2);
      for (InJvmCluster.Node n : all) {
        n.start();
      }
      fixture.formCluster(n0, n1, n2);

      KmsClient root = fixture.client(n0);
      root.createEnclave(CreateEnclaveRequest.newBuilder().setName(ENCLAVE).build());
      ApiKey admin = ApiKey.generate();
      ApiKey sysAdmin = ApiKey.generate();
      root.createIdentity(
          ENCLAVE,
          CreateIdentityRequest.newBuilder()
              .setIdentity(admin.identity().toString())
              .setPrivilege("Admin")
              .build());
      root.createIdentity(
          "",
          CreateIdentityRequest.newBuilder()
              .setIdentity(sysAdmin.identity().toString())
              .setPrivilege("SysAdmin")
              .build());
      root.createKey(ENCLAVE, CreateKeyRequest.newBuilder().setName("sse-key").build());
      root.createKey(
          ENCLAVE, CreateKeyRequest.newBuilder().setName("sse-key").setAddVersion(true).build());
      List<GenerateKeyResponse> dataKeys = new ArrayList<>();
      for (InJvmCluster.Node n : all) {
        dataKeys.add(
            fixture
                .client(admin, n)
                .generateKey(
                    ENCLAVE,
                    GenerateKeyRequest.newBuilder()
                        .setName("sse-key")
                        .setAssociatedData(ByteString.copyFromUtf8(n.name()))
                        .build()));
      }
      byte[] backup = fixture.client(sysAdmin, n1).readDb();
      BackupFile.Header header = BackupFile.header(backup);
      assertEquals(1, header.enclaves().size());

      InJvmCluster.stopAll(all); // total failure: every node stopped (at once) and wiped
      for (InJvmCluster.Node n : all) {
        n.wipe();
      }
      n0.start();
      fixture.client(n0).writeDb(n0.host(), backup);
      n1.start();
      n2.start();
      fixture.formCluster(n0, n1, n2);

      for (InJvmCluster.Node n : all) {
        for (int i = 0; i < dataKeys.size(); i++) {
          GenerateKeyResponse d = dataKeys.get(i);
          assertArrayEquals(
              d.getPlaintext().toByteArray(),
              fixture
                  .client(admin, n)
                  .decrypt(
                      ENCLAVE,
                      DecryptRequest.newBuilder()
                          .setName("sse-key")
                          .setVersion(d.getVersion())
                          .setCiphertext(d.getCiphertext())
                          .setAssociatedData(ByteString.copyFromUtf8(all.get(i).name()))
                          .build())
                  .getPlaintext()
                  .toByteArray(),
              "data key " + i + " on " + n);
        }
        assertEquals(
            1,
            fixture
                .client(admin, n)
                .listKeys(ENCLAVE, ListRequest.getDefaultInstance())
                .getKeysCount());
        assertEquals(3, fixture.client(sysAdmin, n).clusterStatus().getNodesUpCount());
      }
    }
  }
}
