package io.openkms.kms.actors;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.openkms.kms.crypto.Identity;
import io.openkms.kms.domain.Change;
import io.openkms.kms.domain.KmsException;
import io.openkms.kms.replication.Entry;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.apache.pekko.actor.typed.ActorSystem;
import org.junit.jupiter.api.Test;

/**
 * A single-node setup driven by the replication machines on a real sealed H2 store: bootstrap,
 * writes, domain rejections, recovery after a restart, the host check, the journal reader, edit
 * validation (docs/ARCHITECTURE.md §3 invariants 1 and 3 on one node).
 */
class LocalNodeTest {

  private static final String HOST = "127.0.0.1:7373";
  private static final Duration WRITE = Duration.ofSeconds(10);

  private static LocalNode start(ActorSystem<?> system, String host) throws Exception {
    return LocalNode.start(system, host, WRITE).toCompletableFuture().get(30, TimeUnit.SECONDS);
  }

  private static long write(LocalNode node, Change change) throws Exception {
    return node.write(change).toCompletableFuture().get(20, TimeUnit.SECONDS);
  }

  private static Change enclave(String name) {
    return new Change.CreateEnclave(name, Instant.parse("2026-01-01T00:00:00Z"), Identity.ZERO);
  }

  @Test
  void bootstrapsWritesRecoversAndChecksTheHost() throws Exception {
    try (NodeStore store = NodeStore.create()) {
      ActorSystem<Void> system = store.openSystem("local-node-test");
      String clusterId;
      try {
        LocalNode node = start(system, HOST);
        assertEquals(1, node.replicaState().lastIndex());
        clusterId = node.state().membership().clusterId();
        assertEquals(36, clusterId.length());
        assertEquals(2, write(node, enclave("e1")));
        assertEquals(3, write(node, enclave("e2")));
        ExecutionException dup =
            assertThrows(ExecutionException.class, () -> write(node, enclave("e1")));
        KmsException rejected = assertInstanceOf(KmsException.class, dup.getCause());
        assertEquals(409, rejected.status());
        assertEquals("enclave already exists", rejected.message());
        assertEquals(3, node.replicaState().lastIndex());
        assertEquals(Set.of("e1", "e2"), node.state().enclaves().keySet());
        KmsNode.NodeStatus status = node.status();
        assertEquals(0, status.id());
        assertEquals("Leader", status.role());
        assertEquals(3, status.commit());

        List<Entry<LogCommand>> entries =
            EntryReader.journal(system).read(2, 3).toCompletableFuture().get(10, TimeUnit.SECONDS);
        assertEquals(List.of(2L, 3L), entries.stream().map(Entry::index).toList());
        assertEquals(enclave("e1"), entries.get(0).command().change());
      } finally {
        NodeStore.stop(system);
      }

      ActorSystem<Void> again = store.openSystem("local-node-test");
      try {
        LocalNode node = start(again, HOST);
        assertEquals(3, node.replicaState().lastIndex());
        assertEquals(clusterId, node.state().membership().clusterId());
        assertEquals(Set.of("e1", "e2"), node.state().enclaves().keySet());
        assertEquals(4, write(node, enclave("e3")));
        assertEquals(2, node.replicaState().promisedTerm(), "a new term after the restart");
        assertEquals(2, node.replicaState().lastTerm());
      } finally {
        NodeStore.stop(again);
      }

      ActorSystem<Void> other = store.openSystem("local-node-test");
      try {
        ExecutionException e =
            assertThrows(ExecutionException.class, () -> start(other, "127.0.0.9:7373"));
        assertInstanceOf(IllegalStateException.class, e.getCause());
        assertEquals("server not part of cluster", e.getCause().getMessage());
      } finally {
        NodeStore.stop(other);
      }
    }
  }

  @Test
  void editAndRemoveAreCheckedBeforeAnythingChanges() throws Exception {
    try (NodeStore store = NodeStore.create()) {
      ActorSystem<Void> system = store.openSystem("local-node-edit");
      try {
        LocalNode node = start(system, HOST);
        assertEquals(
            "kms: cannot remove node 0: it is the node being edited",
            failure(() -> node.editCluster(Set.of(0)).toCompletableFuture().join()).message());
        assertEquals(
            "kms: node 5 is not part of the cluster",
            failure(() -> node.editCluster(Set.of(5)).toCompletableFuture().join()).message());
        assertEquals(
            "kms: no node id to remove",
            failure(() -> node.editCluster(Set.of()).toCompletableFuture().join()).message());
        KmsException notMember =
            failure(() -> node.removeNode("127.0.0.2:7373").toCompletableFuture().join());
        assertEquals(404, notMember.status());
        assertEquals("kms: node '127.0.0.2:7373' is not part of the cluster", notMember.message());
        KmsException last = failure(() -> node.removeNode(HOST).toCompletableFuture().join());
        assertEquals(400, last.status());
        assertEquals("kms: cannot remove the last node of the cluster", last.message());
        KmsException add =
            failure(() -> node.addNode("127.0.0.2:7373").toCompletableFuture().join());
        assertEquals(501, add.status());
        assertEquals(1, node.replicaState().lastIndex());
      } finally {
        NodeStore.stop(system);
      }
    }
  }

  private static KmsException failure(Runnable call) {
    CompletionException e = assertThrows(CompletionException.class, call::run);
    return assertInstanceOf(KmsException.class, e.getCause());
  }
}
