package io.openkms.kms.actors;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.openkms.kms.cluster.ReplicaEndpoint;
import io.openkms.kms.cluster.StateDigest;
import io.openkms.kms.crypto.Identity;
import io.openkms.kms.crypto.KeyType;
import io.openkms.kms.crypto.KeyVersion;
import io.openkms.kms.domain.Change;
import io.openkms.kms.domain.KmsState;
import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.Props;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.junit.jupiter.api.Test;

/**
 * Issue 12 "minkms add of a fresh node when the cluster holds ~1,000 keys": the leader's {@link
 * SnapshotSender} installs a state of 10,000 keys (about 0.7 MB in the protobuf internode encoding,
 * nearly three internode frames, six chunks) on a fresh node through its {@link ReplicaEndpoint} in
 * chunks, the node's {@link SnapshotReceiver} checks and journals it, and the node's replica then
 * holds exactly that state; a second install on the no longer fresh node is refused.
 */
class SnapshotTransferTest {

  static final Instant T0 = Instant.parse("2026-01-01T00:00:00Z");

  /** A two-node cluster's state with {@code keys} keys in ten enclaves. */
  static KmsState state(int keys) {
    KmsState s =
        KmsState.empty()
            .apply(new Change.InitCluster("c1d5f6a2-0000-4000-8000-000000000000", "127.0.0.1:7373"))
            .apply(new Change.AddNode("127.0.0.2:7373"));
    for (int e = 0; e < 10; e++) {
      s = s.apply(new Change.CreateEnclave("enclave-" + e, T0, Identity.ZERO));
    }
    byte[] material = new byte[32];
    for (int k = 0; k < keys; k++) {
      material[k % 32]++;
      s =
          s.apply(
              new Change.CreateKey(
                  "enclave-" + (k % 10),
                  "key-" + k,
                  new KeyVersion(1, KeyType.AES256, material.clone(), T0, Identity.ZERO)));
    }
    return s;
  }

  private static SnapshotSender.Outcome install(
      ActorSystem<?> system,
      ActorRef<io.openkms.kms.actors.ReplicaLog.Command> endpoint,
      KmsState state,
      long index)
      throws Exception {
    CompletableFuture<SnapshotSender.Outcome> outcome = new CompletableFuture<>();
    ActorRef<SnapshotSender.Outcome> replyTo =
        system.systemActorOf(
            Behaviors.receiveMessage(
                o -> {
                  outcome.complete(o);
                  return Behaviors.stopped();
                }),
            "outcome-" + index,
            Props.empty());
    system.systemActorOf(
        SnapshotSender.create(
            endpoint,
            new SnapshotSender.Install(1, state.membership().clusterId(), 3, index, 4, 0),
            state,
            replyTo),
        "sender-" + index,
        Props.empty());
    return outcome.get(60, TimeUnit.SECONDS);
  }

  @Test
  void aStateOfTenThousandKeysIsInstalledInChunksAndCheckedByDigest() throws Exception {
    KmsState big = state(10_000);
    byte[] encoded = null;
    try (NodeStore store = NodeStore.create()) {
      ActorSystem<Void> system = store.openSystem("snapshot-transfer-test");
      try {
        encoded = WireSize.of(system).encodeState(big);
        assertTrue(encoded.length > 2 * (256 << 10), encoded.length + " bytes");
        LocalNode joiner =
            LocalNode.start(system, "127.0.0.2:7373", Duration.ofSeconds(10), false)
                .toCompletableFuture()
                .get(30, TimeUnit.SECONDS);
        assertTrue(joiner.replicaState().fresh());
        AtomicInteger progress = new AtomicInteger();
        ActorRef<io.openkms.kms.actors.ReplicaLog.Command> endpoint =
            system.systemActorOf(
                ReplicaEndpoint.create(joiner.replicaLog(), () -> null, progress::incrementAndGet),
                "replica",
                Props.empty());

        SnapshotSender.Outcome done = install(system, endpoint, big, 10_012);
        assertNull(done.error());
        assertEquals(new ReplicaLog.Installed(10_012, 3), done.result());
        ReplicaState installed = joiner.replicaState();
        assertEquals(1, installed.selfId());
        assertEquals(10_012, installed.lastIndex());
        assertEquals(StateDigest.of(big), StateDigest.of(installed.kms()));
        assertTrue(progress.get() > encoded.length / (128 << 10), progress.get() + " updates");

        SnapshotSender.Outcome again = install(system, endpoint, big, 10_013);
        assertInstanceOf(ReplicaLog.InstallRefused.class, again.result());
        assertEquals(10_012, joiner.replicaState().lastIndex());
      } finally {
        NodeStore.stop(system);
      }

      // the installed state survives a restart (it was journaled)
      ActorSystem<Void> again = store.openSystem("snapshot-transfer-test");
      try {
        LocalNode node =
            LocalNode.start(again, "127.0.0.2:7373", Duration.ofSeconds(10), false)
                .toCompletableFuture()
                .get(60, TimeUnit.SECONDS);
        assertEquals(StateDigest.of(big), StateDigest.of(node.replicaState().kms()));
      } finally {
        NodeStore.stop(again);
      }
    }
  }
}
