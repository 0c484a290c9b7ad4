package io.openkms.kms.actors;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.openkms.kms.domain.Change;
import io.openkms.kms.domain.KmsException;
import io.openkms.kms.domain.KmsState;
import io.openkms.kms.replication.Entry;
import io.openkms.kms.replication.Event;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.apache.pekko.actor.testkit.typed.javadsl.TestProbe;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.javadsl.AskPattern;
import org.junit.jupiter.api.Test;

/**
 * Issue 12, restart inside the in-doubt window, on a real sealed H2 store: a node that applied its
 * own removal and stopped before learning that it committed starts again (as a replica that serves
 * nothing: 503 {@code server not part of cluster}) instead of refusing, so that a leader can still
 * get its promise; once it learned the commit, its removal is final and it refuses to start, as
 * before. The rule is {@code lifecycle.NodeStart}; this test drives the node's {@link ReplicaLog}
 * with the messages a leader (node 0) would send.
 */
class RemovalInDoubtRestartTest {

  private static final String LEADER_HOST = "127.0.0.1:7373";
  private static final String HOST = "127.0.0.2:7373";
  private static final Duration WRITE = Duration.ofSeconds(10);
  private static final Duration ASK = Duration.ofSeconds(10);

  private static LocalNode start(ActorSystem<?> system) throws Exception {
    return LocalNode.start(system, HOST, WRITE, false)
        .toCompletableFuture()
        .get(30, TimeUnit.SECONDS);
  }

  /** Sends {@code append} from leader 0 and returns the replica's answer. */
  private static ReplicationMessages.ToLeader append(
      ActorSystem<?> system, LocalNode node, ReplicationMessages.Append append) {
    TestProbe<ReplicationMessages.ToLeader> leader = TestProbe.create(system);
    node.replicaLog().tell(new ReplicationMessages.ToReplicaEnvelope(append, leader.getRef()));
    return leader.receiveMessage(ASK);
  }

  @Test
  void aNodeWhoseRemovalIsInDoubtRestartsWithoutServingAndRefusesOnceItIsFinal() throws Exception {
    KmsState cluster =
        KmsState.empty()
            .apply(new Change.InitCluster("c-in-doubt", LEADER_HOST))
            .apply(new Change.AddNode(HOST));
    Change removal = Change.RemoveNode.of(1);
    Entry<LogCommand> removalEntry = new Entry<>(1, 3, LogCommand.of(removal, cluster));
    try (NodeStore store = NodeStore.create()) {
      ActorSystem<Void> system = store.openSystem("in-doubt-test");
      try {
        LocalNode node = start(system); // fresh: bootstraps, then joins as node 1 of {0, 1}
        ReplicaLog.InstallResult installed =
            AskPattern.<ReplicaLog.Command, ReplicaLog.InstallResult>ask(
                    node.replicaLog(),
                    r -> new ReplicaLog.Install(1, "c-in-doubt", cluster, 1, 2, 1, 0, r),
                    ASK,
                    system.scheduler())
                .toCompletableFuture()
                .get(10, TimeUnit.SECONDS);
        assertEquals(new ReplicaLog.Installed(2, 1), installed);
        // leader 0 appends node 1's removal at index 3; nothing tells node 1 it committed
        ReplicationMessages.ToLeader ack =
            append(
                system,
                node,
                new ReplicationMessages.Append(
                    0, 1, 2, 1, List.of(ReplicationMessages.WireEntry.of(removalEntry)), 2));
        assertEquals(new ReplicationMessages.AppendAck(1, 1, 3, 2), ack);
        assertTrue(node.replicaState().removed());
        assertTrue(node.replicaState().removalInDoubt());
      } finally {
        NodeStore.stop(system); // it stops inside the window
      }

      ActorSystem<Void> again = store.openSystem("in-doubt-test");
      try {
        LocalNode node = start(again); // refused with "server not part of cluster" before
        assertTrue(node.replicaState().removalInDoubt());
        KmsException refused = assertThrows(KmsException.class, node::state);
        assertEquals(503, refused.status());
        assertEquals("server not part of cluster", refused.message());
        assertFalse(node.writable());
        List<Event> events = new CopyOnWriteArrayList<>();
        node.onEvent(events::add);
        // a leader (after the restart) tells it the commit; only now may it leave
        append(again, node, new ReplicationMessages.Append(0, 1, 3, 1, List.of(), 3));
        long until = System.nanoTime() + ASK.toNanos();
        while (events.isEmpty() && System.nanoTime() < until) {
          Thread.sleep(20);
        }
        assertEquals(List.of(new Event.RemovalCommitted(3)), events);
        assertTrue(node.replicaState().mayLeave());
        assertFalse(node.replicaState().removalInDoubt());
      } finally {
        NodeStore.stop(again);
      }

      ActorSystem<Void> last = store.openSystem("in-doubt-test");
      try {
        ExecutionException e = assertThrows(ExecutionException.class, () -> start(last));
        assertInstanceOf(IllegalStateException.class, e.getCause());
        assertEquals("server not part of cluster", e.getCause().getMessage());
      } finally {
        NodeStore.stop(last);
      }
    }
  }
}
