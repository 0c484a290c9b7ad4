package io.openkms.http.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.typesafe.config.ConfigFactory;
import io.openkms.http.client.InternodeClient;
import io.openkms.http.client.KmsClient;
import io.openkms.http.client.KmsClientException;
import io.openkms.http.proto.AddClusterNodeRequest;
import io.openkms.http.proto.EditClusterRequest;
import io.openkms.http.proto.RemoveClusterNodeRequest;
import io.openkms.http.testing.FreePorts;
import io.openkms.http.tls.SelfSigned;
import io.openkms.http.tls.ServerTls;
import io.openkms.kms.actors.KmsNode;
import io.openkms.kms.actors.NodeSystem;
import io.openkms.kms.cluster.InternodeException;
import io.openkms.kms.cluster.InternodeProof;
import io.openkms.kms.cluster.InternodeService;
import io.openkms.kms.cluster.JoinInstruction;
import io.openkms.kms.cluster.ProbeResult;
import io.openkms.kms.crypto.ApiKey;
import io.openkms.kms.crypto.Identity;
import io.openkms.kms.domain.ApiError;
import io.openkms.kms.domain.Change;
import io.openkms.kms.domain.KmsException;
import io.openkms.kms.domain.KmsState;
import java.security.KeyPair;
import java.security.KeyStore;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.http.javadsl.ServerBinding;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The internode endpoints ({@link InternodeApi}) and their client ({@link InternodeClient}), and
 * the membership commands' parsing ({@link ClusterMembershipHandlers}), against the real Pekko HTTP
 * server with a stub clustered node.
 */
class InternodeApiTest {

  private static final byte[] PROOF_KEY = new byte[32];
  private static final KeyPair INTERNODE = ApiKey.generate().keyPair();
  private static final ApiKey ROOT = ApiKey.generate();

  private static ActorSystem<Void> system;
  private static ServerBinding clustered;
  private static ServerBinding plain;
  private static StubNode node;
  private static KeyStore trust;

  /** A clustered node that records what it is asked. */
  static final class StubNode implements KmsNode, InternodeService {
    final List<Object> calls = new CopyOnWriteArrayList<>();
    volatile boolean fresh = true;

    @Override
    public KmsState state() {
      return KmsState.empty().apply(new Change.InitCluster("c1", "127.0.0.1:1"));
    }

    @Override
    public CompletionStage<Long> write(Change change) {
      return CompletableFuture.completedFuture(2L);
    }

    @Override
    public boolean writable() {
      return true;
    }

    @Override
    public NodeStatus status() {
      return new NodeStatus(
          0,
          "127.0.0.1:1",
          "Leader",
          0,
          1,
          5,
          0,
          Map.of(0, "127.0.0.1:1"),
          NodeSystem.current("2026-11-30T00-00-00Z", 1000, 7000));
    }

    @Override
    public CompletionStage<ClusterView> clusterStatus() {
      return CompletableFuture.completedFuture(new ClusterView(Map.of(0, status()), Map.of()));
    }

    @Override
    public CompletionStage<Long> addNode(String host) {
      calls.add("add " + host);
      return CompletableFuture.completedFuture(3L);
    }

    @Override
    public CompletionStage<Long> removeNode(String host) {
      calls.add("rm " + host);
      return CompletableFuture.failedFuture(ApiError.hostNotFound(host));
    }

    @Override
    public CompletionStage<Void> editCluster(Set<Integer> removeIds) {
      calls.add("edit " + removeIds);
      return CompletableFuture.completedFuture(null);
    }

    @Override
    public Identity internodeIdentity() {
      return Identity.of(INTERNODE.getPublic());
    }

    @Override
    public ProbeResult probe(byte[] nonce, String claimant) {
      calls.add("claim " + claimant);
      return probe(nonce);
    }

    @Override
    public ProbeResult probe(byte[] nonce) {
      return new ProbeResult(
          "127.0.0.1:1",
          "c1",
          0,
          1,
          fresh,
          false,
          true,
          "pekko://minkms-cluster@127.0.0.1:2",
          Map.of(0, "127.0.0.1:1"),
          Set.of("127.0.0.1:1"),
          "ab",
          new InternodeProof(PROOF_KEY).prove(nonce, "127.0.0.1:1"));
    }

    @Override
    public CompletionStage<Void> join(JoinInstruction instruction) {
      if (!fresh) {
        return CompletableFuture.failedFuture(ApiError.notFresh("127.0.0.1:1"));
      }
      calls.add(instruction);
      return CompletableFuture.completedFuture(null);
    }
  }

  @BeforeAll
  static void start() throws Exception {
    system =
        ActorSystem.create(
            Behaviors.empty(),
            "internode-api-test",
            ConfigFactory.parseString("pekko.loglevel = WARNING")
                .withFallback(KmsHttpServer.defaults())
                .withFallback(ConfigFactory.load()));
    KeyPair serverKey = io.openkms.http.tls.TestCa.generateEcKeyPair();
    X509Certificate cert =
        SelfSigned.serverCertificate(serverKey, List.of("127.0.0.1"), Duration.ofDays(1));
    trust = KeyStore.getInstance(KeyStore.getDefaultType());
    trust.load(null, null);
    trust.setCertificateEntry("server", cert);
    node = new StubNode();
    ApiContext.ServerInfo info =
        new ApiContext.ServerInfo("2026-01-01T00-00-00Z", "c", "v1", "127.0.0.1:1");
    clustered =
        KmsHttpServer.bind(
                system,
                "127.0.0.1",
                0,
                ServerTls.sslContext(serverKey, List.of(cert)),
                new ApiContext(node, info, Set.of(ROOT.identity()), Clock.systemUTC()))
            .toCompletableFuture()
            .get(20, TimeUnit.SECONDS);
    KmsNode notClustered = new StubNode();
    plain =
        KmsHttpServer.bind(
                system,
                "127.0.0.1",
                0,
                ServerTls.sslContext(serverKey, List.of(cert)),
                new ApiContext(
                    new PlainNode(notClustered), info, Set.of(ROOT.identity()), Clock.systemUTC()))
            .toCompletableFuture()
            .get(20, TimeUnit.SECONDS);
  }

  /** A node that is not clustered (does not implement InternodeService). */
  record PlainNode(KmsNode delegate) implements KmsNode {
    @Override
    public KmsState state() {
      return delegate.state();
    }

    @Override
    public CompletionStage<Long> write(Change change) {
      return delegate.write(change);
    }

    @Override
    public boolean writable() {
      return true;
    }

    @Override
    public NodeStatus status() {
      return delegate.status();
    }

    @Override
    public CompletionStage<ClusterView> clusterStatus() {
      return delegate.clusterStatus();
    }
  }

  @AfterAll
  static void stop() {
    system.terminate();
    system.getWhenTerminated().toCompletableFuture().orTimeout(20, TimeUnit.SECONDS).join();
  }

  private static String host(ServerBinding binding) {
    return "127.0.0.1:" + binding.localAddress().getPort();
  }

  private static InternodeClient client(KeyPair key) {
    return new InternodeClient(key, Duration.ofSeconds(3), Duration.ofSeconds(5));
  }

  private static InternodeException failure(CompletionStage<?> stage) {
    ExecutionException e =
        assertThrows(
            ExecutionException.class, () -> stage.toCompletableFuture().get(10, TimeUnit.SECONDS));
    return assertInstanceOf(InternodeException.class, e.getCause());
  }

  @Test
  void statusWithTheInternodeKeyProvesTheHsmKey() throws Exception {
    byte[] nonce = {9, 8, 7};
    ProbeResult r =
        client(INTERNODE)
            .status(host(clustered), nonce)
            .toCompletableFuture()
            .get(10, TimeUnit.SECONDS);
    assertEquals(node.probe(nonce), r);
    assertTrue(new InternodeProof(PROOF_KEY).verify(nonce, "127.0.0.1:1", r.proof()));
  }

  /**
   * The leader's re-admission probe says which cluster claims the node ({@code &claim=}, URL
   * encoded); every other status call sends none, which the node sees as {@code ""}.
   */
  @Test
  void theReadmissionProbeCarriesTheClaimantAndOtherStatusCallsNone() throws Exception {
    byte[] nonce = {5, 6};
    ProbeResult claimed =
        client(INTERNODE)
            .status(host(clustered), nonce, "cluster 9/&x")
            .toCompletableFuture()
            .get(10, TimeUnit.SECONDS);
    assertEquals(node.probe(nonce), claimed, "the same answer");
    assertTrue(node.calls.contains("claim cluster 9/&x"), node.calls.toString());
    node.calls.clear();
    client(INTERNODE)
        .status(host(clustered), nonce)
        .toCompletableFuture()
        .get(10, TimeUnit.SECONDS);
    assertEquals(List.of("claim "), node.calls);
    node.calls.clear();
  }

  @Test
  void anotherIdentityIsRefused() {
    InternodeException e =
        failure(client(ApiKey.generate().keyPair()).status(host(clustered), new byte[] {1}));
    assertEquals(InternodeException.Kind.FORBIDDEN, e.kind());
    assertEquals(403, e.status());
    assertEquals("access denied: insufficient permissions", e.getMessage());
  }

  @Test
  void aNonceOfMoreThan64BytesIsRefused() {
    InternodeException e = failure(client(INTERNODE).status(host(clustered), new byte[65]));
    assertEquals(400, e.status());
    assertEquals("invalid nonce", e.getMessage());
  }

  @Test
  void joinReachesTheNodeUnlessItIsNotFresh() throws Exception {
    JoinInstruction join =
        new JoinInstruction(
            "c2", "10.0.0.1:7373", 4, List.of("pekko://minkms-cluster@10.0.0.1:7374"));
    client(INTERNODE).join(host(clustered), join).toCompletableFuture().get(10, TimeUnit.SECONDS);
    assertTrue(node.calls.contains(join), node.calls.toString());
    node.fresh = false;
    try {
      InternodeException e = failure(client(INTERNODE).join(host(clustered), join));
      assertEquals(409, e.status());
      assertEquals(
          "node 127.0.0.1:1 is not a fresh node: stop it, delete its store"
              + " (DIR/kms.db), restart it and add it again",
          e.getMessage());
    } finally {
      node.fresh = true;
    }
  }

  @Test
  void unreachableAndNotClustered() throws Exception {
    int closed = FreePorts.single();
    InternodeException e = failure(client(INTERNODE).status("127.0.0.1:" + closed, new byte[1]));
    assertEquals(InternodeException.Kind.UNREACHABLE, e.kind());
    assertEquals("connection refused", e.getMessage());
    InternodeException notFound = failure(client(INTERNODE).status(host(plain), new byte[1]));
    assertEquals(404, notFound.status());
    assertEquals("not found: /v1/rpc/status", notFound.getMessage());
  }

  @Test
  void membershipCommandsNormalizeHosts() {
    KmsClient c =
        KmsClient.builder()
            .endpoints(host(clustered))
            .apiKey(ROOT.keyPair())
            .trustAnchors(trust)
            .build();
    c.addNode(AddClusterNodeRequest.newBuilder().setHost("node2.example").build());
    c.addNode(AddClusterNodeRequest.newBuilder().setHost("https://10.0.0.3:7474/").build());
    c.editCluster(
        EditClusterRequest.newBuilder()
            .setHost(host(clustered))
            .addRemoveIDs(2)
            .addRemoveIDs(1)
            .build());
    KmsClientException rm =
        assertThrows(
            KmsClientException.class,
            () -> c.removeNode(RemoveClusterNodeRequest.newBuilder().setHost("[::1]").build()));
    assertTrue(rm.is(404, "kms: node '[::1]:7373' is not part of the cluster"), rm.toString());
    KmsClientException bad =
        assertThrows(
            KmsClientException.class,
            () -> c.addNode(AddClusterNodeRequest.newBuilder().setHost("a/b").build()));
    assertTrue(bad.is(400, "invalid host 'a/b'"), bad.toString());
    assertTrue(
        node.calls.containsAll(
            List.of("add node2.example:7373", "add 10.0.0.3:7474", "edit [1, 2]", "rm [::1]:7373")),
        node.calls.toString());
    KmsClientException denied =
        assertThrows(
            KmsClientException.class,
            () ->
                KmsClient.builder()
                    .endpoints(host(clustered))
                    .apiKey(ApiKey.generate().keyPair())
                    .trustAnchors(trust)
                    .build()
                    .addNode(AddClusterNodeRequest.newBuilder().setHost("x").build()));
    assertTrue(denied.is(403, "access denied: insufficient permissions"), denied.toString());
  }

  @Test
  void hostPortForms() {
    assertEquals("h:7373", ClusterMembershipHandlers.hostPort("h"));
    assertEquals("h:1", ClusterMembershipHandlers.hostPort(" https://h:1 "));
    assertEquals("[::1]:7373", ClusterMembershipHandlers.hostPort("[::1]"));
    for (String bad : List.of("", ":7373", "h:0", "h:70000", "u@h", "h?x", "h/p")) {
      KmsException e =
          assertThrows(KmsException.class, () -> ClusterMembershipHandlers.hostPort(bad));
      assertEquals(400, e.status());
      assertEquals("invalid host '" + bad + "'", e.message());
    }
  }
}
