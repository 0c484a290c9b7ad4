package io.openkms.cli.cluster;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.ByteString;
import io.openkms.http.client.KmsClient;
import io.openkms.http.client.KmsClientException;
import io.openkms.http.proto.AddClusterNodeRequest;
import io.openkms.http.proto.ClusterStatusResponse;
import io.openkms.http.proto.CreateEnclaveRequest;
import io.openkms.http.proto.CreateIdentityRequest;
import io.openkms.http.proto.CreateKeyRequest;
import io.openkms.http.proto.DecryptRequest;
import io.openkms.http.proto.GenerateKeyRequest;
import io.openkms.http.proto.GenerateKeyResponse;
import io.openkms.http.proto.ListEnclavesResponse;
import io.openkms.http.proto.ListKeysResponse;
import io.openkms.http.proto.ListRequest;
import io.openkms.http.proto.ServerStatusResponse;
import io.openkms.kms.crypto.ApiKey;
import io.openkms.kms.lifecycle.LifecycleTimeouts;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;

/**
 * Three real nodes on 127.0.0.1/.2/.3 through the deployment guide and the failures of issue 5 that
 * need real signals (SIGKILL, SIGSTOP), in order, each scenario leaving a healthy three-node
 * cluster for the next. (The replacement of a dead member with {@code edit --rm} runs in the test
 * JVM: {@link MemberRecoveryTest}.) After every scenario the five invariants of
 * docs/ARCHITECTURE.md §3 are checked ({@link Invariants}).
 */
@Tag("process")
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class ClusterLifecycleTest {

  private static final String ENCLAVE = "aistor-primary";
  private static final String SSE_KEY = "sse-key";
  private static final byte[] CONTEXT =
      "{\"bucket\":\"b\",\"object\":\"o\"}".getBytes(StandardCharsets.UTF_8);

  /**
   * twoOfThreeKilled: how long the survivor keeps serving after it stopped its cluster system: the
   * restart delay of a new one (LifecycleTimeouts), plus 3 s.
   */
  private static final Duration AFTER_DOWNED =
      Duration.ofMillis(LifecycleTimeouts.DEFAULTS.restartDelayMillis() + 3_000);

  /**
   * twoOfThreeKilled: bound on the survivor's downing of itself: the failure detector (3 s without
   * heartbeats), the split brain resolver's stable-after (7 s), and slack for a loaded machine.
   */
  private static final Duration DOWNED_WITHIN = Duration.ofSeconds(60);

  private ProcessFixture fixture;
  private Invariants invariants;
  private List<NodeProcess> members;
  private NodeProcess n0;
  private NodeProcess n1;
  private NodeProcess n2;
  private ApiKey admin;

  @BeforeAll
  void createNodes() throws Exception {
    fixture = new ProcessFixture("lifecycle");
    invariants = new Invariants(fixture);
    n0 = fixture.node("node0", "127.0.0.1");
    n1 = fixture.node("node1", "127.0.0.2");
    n2 = fixture.node("node2", "127.0.0.3");
    members = List.of(n0, n1, n2);
  }

  @AfterAll
  void cleanUp() throws Exception {
    fixture.close();
  }

  /** Deployment guide, steps 1–6 (and the SSE key of step 7) on three nodes. */
  @Test
  @Order(1)
  void deploymentGuide() throws Exception {
    // steps 1–3: one HSM key, a certificate and config.yaml per node; each starts alone (the
    // three at once: the time of one start, not three)
    List<String> banners = NodeProcess.startAll(members);
    for (int i = 0; i < members.size(); i++) {
      NodeProcess n = members.get(i);
      String banner = banners.get(i);
      assertTrue(banner.contains("Node 0: " + n.host() + " <-"), banner);
      assertTrue(banner.contains("Endpoint       https://" + n.host()), banner);
      assertEquals(
          fixture.rootKey.toString(),
          NodeProcess.apiKey(banner),
          "every node derives the same API key from the HSM key");
    }
    // step 4: add node1 and node2 from node0
    KmsClient c0 = fixture.client(n0);
    c0.addNode(AddClusterNodeRequest.newBuilder().setHost(n1.host()).build());
    c0.addNode(AddClusterNodeRequest.newBuilder().setHost(n2.host()).build());
    // step 5: 3/3 up, one Leader, two Followers, identical commits (once membership converged)
    ProcessFixture.await(
        Duration.ofSeconds(20),
        "a converged three-node cluster",
        () ->
            members.stream()
                .allMatch(
                    n ->
                        fixture.client(n).clusterStatus().getNodesUpMap().values().stream()
                            .map(ServerStatusResponse::getRole)
                            .sorted()
                            .toList()
                            .equals(List.of("Follower", "Follower", "Leader"))));
    for (NodeProcess n : members) {
      ClusterStatusResponse status = fixture.client(n).clusterStatus();
      assertEquals(3, status.getNodesUpCount(), n + ": " + status);
      assertEquals(0, status.getNodesDownCount(), n + ": " + status);
      List<String> roles =
          status.getNodesUpMap().values().stream()
              .map(ServerStatusResponse::getRole)
              .sorted()
              .toList();
      assertEquals(List.of("Follower", "Follower", "Leader"), roles);
      Set<Long> commits =
          status.getNodesUpMap().values().stream()
              .map(ServerStatusResponse::getCommit)
              .collect(Collectors.toSet());
      assertEquals(Set.of(3L), commits, "InitCluster and two AddNode entries everywhere");
      assertEquals(
          Map.of(0, n0.host(), 1, n1.host(), 2, n2.host()),
          status.getNodesUpMap().get(0).getNodesMap());
      Set<Long> leaders =
          status.getNodesUpMap().values().stream()
              .map(ServerStatusResponse::getLeaderID)
              .collect(Collectors.toSet());
      assertEquals(Set.of(0L), leaders);
    }
    // step 6: enclave and Admin identity on node0, seen on node2
    c0.createEnclave(CreateEnclaveRequest.newBuilder().setName(ENCLAVE).build());
    invariants.acknowledged().add(ENCLAVE);
    admin = ApiKey.generate();
    c0.createIdentity(
        ENCLAVE,
        CreateIdentityRequest.newBuilder()
            .setIdentity(admin.identity().toString())
            .setPrivilege("Admin")
            .build());
    ListKeysResponse empty =
        fixture.client(admin, n2).listKeys(ENCLAVE, ListRequest.newBuilder().build());
    assertEquals(0, empty.getKeysCount());
    // step 7's SSE key, then data keys from each node decrypt on each other node
    fixture
        .client(admin, n0)
        .createKey(ENCLAVE, CreateKeyRequest.newBuilder().setName(SSE_KEY).build());
    ListKeysResponse keys =
        fixture.client(admin, n2).listKeys(ENCLAVE, ListRequest.newBuilder().build());
    assertEquals(List.of(SSE_KEY), keys.getKeysList().stream().map(k -> k.getName()).toList());
    for (NodeProcess from : members) {
      GenerateKeyResponse dataKey = generate(from);
      for (NodeProcess to : members) {
        assertArrayEquals(
            dataKey.getPlaintext().toByteArray(),
            decrypt(to, dataKey),
            "data key from " + from + " decrypted on " + to);
      }
    }
    for (NodeProcess n : members) {
      fixture.client(n).ready(n.host(), true); // write-ready everywhere
    }
    invariants.check(members);
  }

  /** The leader is killed (SIGKILL): reads go on, a new leader, writes 503 until it is back. */
  @Test
  @Order(2)
  void leaderKilled() throws Exception {
    NodeProcess leader = leader(n1);
    List<NodeProcess> others = without(leader);
    GenerateKeyResponse before = generate(others.get(0));
    long killedAt = System.nanoTime();
    leader.kill();
    for (NodeProcess n : others) {
      assertArrayEquals(
          before.getPlaintext().toByteArray(), decrypt(n, before), "reads go on at " + n);
      decrypt(others.get(1), generate(n));
    }
    Optional<KmsClientException> refused = invariants.write(others.get(0), others);
    assertTrue(refused.isPresent(), "no write without the leader's node");
    assertEquals(503, refused.get().status());
    assertTrue(
        refused.get().getMessage().startsWith("cannot commit write: node "),
        refused.get().getMessage());
    assertTrue(refused.get().getMessage().contains(leader.host()), refused.get().getMessage());
    KmsClientException notReady =
        assertThrows(
            KmsClientException.class,
            () -> fixture.client(others.get(0)).ready(others.get(0).host(), true));
    assertEquals(503, notReady.status());
    ProcessFixture.await(
        Duration.ofSeconds(30).minusNanos(System.nanoTime() - killedAt),
        "a new leader within 30 s",
        () -> {
          NodeProcess now = leader(others.get(0));
          return others.contains(now) && leader(others.get(1)) == now;
        });
    refused = invariants.write(others.get(1), others);
    assertEquals(503, refused.orElseThrow().status(), "still no write while it is dead");
    leader.start();
    invariants.writeUntilAcknowledged(others.get(0), members, Duration.ofSeconds(60));
    awaitWritable(leader);
    invariants.mustWrite(leader, members);
    invariants.check(members);
  }

  /** A follower is paused (SIGSTOP) for 20 s, then resumed: nothing acknowledged is lost. */
  @Test
  @Order(3)
  void followerPaused() throws Exception {
    NodeProcess leader = leader(n0);
    NodeProcess follower = without(leader).get(0);
    List<NodeProcess> awake = without(follower);
    invariants.mustWrite(leader, members);
    follower.pause();
    long resumeAt = System.nanoTime() + Duration.ofSeconds(20).toNanos();
    try {
      while (System.nanoTime() < resumeAt) {
        Optional<KmsClientException> error = invariants.write(leader, awake);
        assertEquals(
            503, error.orElseThrow().status(), "no write is acknowledged without " + follower);
        for (NodeProcess n : awake) {
          for (String name : invariants.acknowledged()) {
            assertTrue(invariants.hasEnclave(n, name), n + " misses " + name);
          }
        }
        Thread.sleep(1_000);
      }
    } finally {
      follower.resume();
    }
    invariants.writeUntilAcknowledged(leader, members, Duration.ofSeconds(90));
    for (String name : invariants.acknowledged()) {
      assertTrue(invariants.hasEnclave(follower, name), follower + " misses " + name);
    }
    invariants.check(members);
  }

  /**
   * Two of three nodes are killed: the survivor serves generate and decrypt throughout, and MinIO's
   * boot (GenerateKey → 404, CreateKey of the existing key → 409 within 1 s) is answered from its
   * local state, before and after the cluster noticed the dead members: from the kill until the
   * survivor, the minority, has downed itself (split brain resolver, keep-majority) and stopped its
   * cluster system, and for {@link #AFTER_DOWNED} after that, while its cluster system restarts.
   */
  @Test
  @Order(4)
  void twoOfThreeKilled() throws Exception {
    NodeProcess survivor = n1;
    List<NodeProcess> dead = without(survivor);
    GenerateKeyResponse before = generate(survivor);
    long stopsBefore = clusterSystemStops(survivor);
    for (NodeProcess n : dead) {
      n.kill();
    }
    KmsClient client = fixture.client(admin, survivor);
    long killedAt = System.nanoTime();
    long downedAt = 0;
    int served = 0;
    while (downedAt == 0 || System.nanoTime() - downedAt < AFTER_DOWNED.toNanos() || served < 10) {
      assertTrue(
          System.nanoTime() - killedAt < DOWNED_WITHIN.toNanos(),
          survivor
              + " did not stop its cluster system within "
              + DOWNED_WITHIN
              + " of the kill of "
              + dead
              + "; its log:\n"
              + NodeProcess.tail(survivor.stderr(), 20));
      GenerateKeyResponse dataKey = generate(survivor);
      assertArrayEquals(dataKey.getPlaintext().toByteArray(), decrypt(survivor, dataKey));
      assertArrayEquals(before.getPlaintext().toByteArray(), decrypt(survivor, before));
      KmsClientException missing =
          assertThrows(
              KmsClientException.class,
              () ->
                  client.generateKey(
                      ENCLAVE,
                      GenerateKeyRequest.newBuilder()
                          .setName("not-created")
                          .setLength(32)
                          .build()));
      assertEquals(404, missing.status(), missing.getMessage());
      long start = System.nanoTime();
      KmsClientException exists =
          assertThrows(
              KmsClientException.class,
              () ->
                  client.createKey(
                      ENCLAVE, CreateKeyRequest.newBuilder().setName(SSE_KEY).build()));
      long millis = (System.nanoTime() - start) / 1_000_000;
      assertTrue(exists.is(409, "key already exists"), exists.getMessage());
      assertTrue(millis <= 1_000, "409 after " + millis + " ms");
      served++;
      if (downedAt == 0 && clusterSystemStops(survivor) > stopsBefore) {
        downedAt = System.nanoTime();
        System.out.printf(
            "%s downed itself %d ms after the kill of %s%n",
            survivor, (downedAt - killedAt) / 1_000_000, dead);
      }
      Thread.sleep(500);
    }
    assertTrue(served >= 10, "served " + served);
    Optional<KmsClientException> refused = invariants.write(survivor, List.of(survivor));
    assertEquals(503, refused.orElseThrow().status());
    for (NodeProcess n : dead) {
      assertTrue(refused.get().getMessage().contains(n.host()), refused.get().getMessage());
    }
    ListEnclavesResponse listed =
        fixture.client(survivor).listEnclaves(ListRequest.newBuilder().build());
    assertTrue(listed.getEnclavesCount() >= invariants.acknowledged().size());
    NodeProcess.startAll(dead);
    invariants.writeUntilAcknowledged(survivor, members, Duration.ofSeconds(90));
    invariants.check(members);
  }

  /**
   * A follower is killed (SIGKILL) and removed with {@code minkms rm} at once, before the failure
   * detector noticed: the removal commits without it and later writes go on. Before, the removal
   * waited for the dead member's acknowledgement for ever and every later write with it (operator
   * trial, issue 12).
   */
  @Test
  @Order(5)
  void aKilledFollowerIsRemovedAtOnce() throws Exception {
    invariants.writeUntilAcknowledged(n0, members, Duration.ofSeconds(60));
    NodeProcess leader = leader(n0);
    NodeProcess victim = without(leader).get(0);
    List<NodeProcess> survivors = without(victim);
    victim.kill();
    long start = System.nanoTime();
    fixture
        .client(leader)
        .removeNode(
            io.openkms.http.proto.RemoveClusterNodeRequest.newBuilder()
                .setHost(victim.host())
                .build());
    System.out.printf(
        "rm of %s right after SIGKILL: %d ms%n", victim, (System.nanoTime() - start) / 1_000_000);
    for (NodeProcess n : survivors) {
      invariants.mustWrite(n, survivors);
    }
    ClusterStatusResponse status = fixture.client(leader).clusterStatus();
    assertEquals(2, status.getNodesUpCount() + status.getNodesDownCount(), status.toString());
    invariants.check(survivors);
  }

  // ---------------------------------------------------------------- helpers

  /**
   * How many times {@code node} logged that its cluster system stopped (downed, or left) and is
   * restarted (ClusterRuntime).
   */
  private static long clusterSystemStops(NodeProcess node) throws java.io.IOException {
    return java.nio.file.Files.readAllLines(node.stderr()).stream()
        .filter(l -> l.contains("the cluster system stopped; restarting it"))
        .count();
  }

  /** Waits until {@code node} answers {@code /v1/health/ready?write} with 200. */
  private void awaitWritable(NodeProcess node) throws InterruptedException {
    ProcessFixture.await(
        Duration.ofSeconds(30),
        node + " ready for writes",
        () -> {
          fixture.client(node).ready(node.host(), true);
          return true;
        });
  }

  private GenerateKeyResponse generate(NodeProcess node) {
    return fixture
        .client(admin, node)
        .generateKey(
            ENCLAVE,
            GenerateKeyRequest.newBuilder()
                .setName(SSE_KEY)
                .setLength(32)
                .setAssociatedData(ByteString.copyFrom(CONTEXT))
                .build());
  }

  private byte[] decrypt(NodeProcess node, GenerateKeyResponse dataKey) {
    return fixture
        .client(admin, node)
        .decrypt(
            ENCLAVE,
            DecryptRequest.newBuilder()
                .setName(SSE_KEY)
                .setVersion(dataKey.getVersion())
                .setCiphertext(dataKey.getCiphertext())
                .setAssociatedData(ByteString.copyFrom(CONTEXT))
                .build())
        .getPlaintext()
        .toByteArray();
  }

  /** The leader as {@code via} reports it. */
  private NodeProcess leader(NodeProcess via) {
    ClusterStatusResponse status = fixture.client(via).clusterStatus();
    ServerStatusResponse self =
        status.getNodesUpMap().values().stream()
            .filter(s -> s.getHost().equals(via.host()))
            .findFirst()
            .orElseThrow();
    long leaderId = self.getLeaderID();
    assertNotEquals(-1L, leaderId, via + " knows no leader");
    String host = self.getNodesMap().get((int) leaderId);
    return members.stream().filter(n -> n.host().equals(host)).findFirst().orElseThrow();
  }

  private List<NodeProcess> without(NodeProcess node) {
    List<NodeProcess> rest = new ArrayList<>(members);
    assertTrue(rest.remove(node));
    assertFalse(rest.isEmpty());
    return rest;
  }
}
