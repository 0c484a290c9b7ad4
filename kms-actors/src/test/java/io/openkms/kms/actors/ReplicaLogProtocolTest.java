package io.openkms.kms.actors;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.typesafe.config.ConfigFactory;
import io.openkms.kms.actors.ReplicationMessages.Append;
import io.openkms.kms.actors.ReplicationMessages.AppendAck;
import io.openkms.kms.actors.ReplicationMessages.Promise;
import io.openkms.kms.actors.ReplicationMessages.PromiseGranted;
import io.openkms.kms.actors.ReplicationMessages.PromiseRejected;
import io.openkms.kms.actors.ReplicationMessages.ToLeader;
import io.openkms.kms.actors.ReplicationMessages.ToReplicaEnvelope;
import io.openkms.kms.actors.ReplicationMessages.WireEntry;
import io.openkms.kms.cluster.StateDigest;
import io.openkms.kms.crypto.Identity;
import io.openkms.kms.domain.Change;
import io.openkms.kms.domain.KmsState;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicReference;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.actor.testkit.typed.javadsl.TestProbe;
import org.apache.pekko.persistence.testkit.javadsl.EventSourcedBehaviorTestKit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The {@link ReplicaLog}'s protocol with Pekko's {@link EventSourcedBehaviorTestKit} (an in-memory
 * journal, no store): a fresh node takes a snapshot install and refuses a second one; it grants a
 * promise of a higher term and refuses a lower one; it acknowledges an append only once journaled
 * and applied; and after a restart it recovers the same state from its journal.
 */
class ReplicaLogProtocolTest {

  static final Duration WAIT = Duration.ofSeconds(5);
  static final String CLUSTER = "c1d5f6a2-0000-4000-8000-000000000000";
  static ActorTestKit kit;

  EventSourcedBehaviorTestKit<ReplicaLog.Command, ReplicaEvent, ReplicaState> log;
  final AtomicReference<ReplicaState> applied = new AtomicReference<>();

  @BeforeAll
  static void start() {
    kit =
        ActorTestKit.create(
            "replica-log-test",
            EventSourcedBehaviorTestKit.config().withFallback(ConfigFactory.load()));
  }

  @AfterAll
  static void stop() {
    kit.shutdownTestKit();
  }

  @BeforeEach
  void fresh() {
    log =
        EventSourcedBehaviorTestKit.create(
            kit.system(),
            ReplicaLog.create(
                applied::set,
                event -> {},
                (from, to) -> CompletableFuture.completedFuture(List.of())),
            EventSourcedBehaviorTestKit.disabledSerializationSettings());
    log.clear();
  }

  /** Node 0 at a:7373 and node 1 at b:7373, with enclave "e", at index 5 of term 2. */
  static KmsState cluster() {
    return KmsState.empty()
        .apply(new Change.InitCluster(CLUSTER, "a:7373"))
        .apply(new Change.AddNode("b:7373"))
        .apply(new Change.CreateEnclave("e", java.time.Instant.EPOCH, Identity.ZERO));
  }

  ReplicaLog.InstallResult install(KmsState kms) {
    return log.<ReplicaLog.InstallResult>runCommand(
            replyTo -> new ReplicaLog.Install(1, CLUSTER, kms, 2, 5, 3, 0, replyTo))
        .reply();
  }

  ToLeader send(ReplicationMessages.ToReplica message) {
    TestProbe<ToLeader> leader = kit.createTestProbe();
    log.runCommand(new ToReplicaEnvelope(message, leader.getRef()));
    return leader.expectMessageClass(ToLeader.class, WAIT);
  }

  @Test
  void aFreshNodeTakesOneInstallAndRefusesTheNext() {
    assertTrue(log.getState().fresh());
    assertEquals(new ReplicaLog.Installed(5, 2), install(cluster()));
    ReplicaState s = log.getState();
    assertEquals(1, s.selfId());
    assertEquals(5, s.lastIndex());
    assertEquals(StateDigest.of(cluster()), StateDigest.of(s.kms()));
    assertEquals(s, applied.get(), "published to the read path");
    assertEquals(new ReplicaLog.InstallRefused(5), install(cluster()));
  }

  @Test
  void aPromiseOfAHigherTermIsGrantedAndALowerOneRefused() {
    install(cluster()); // promised term 3 to node 0 by the install
    PromiseGranted granted = assertInstanceOf(PromiseGranted.class, send(new Promise(0, 4)));
    assertEquals(1, granted.from());
    assertEquals(4, granted.term());
    assertEquals(5, granted.lastIndex());
    PromiseRejected refused = assertInstanceOf(PromiseRejected.class, send(new Promise(0, 2)));
    assertEquals(4, refused.promisedTerm());
    assertEquals(4, log.getState().promisedTerm());
  }

  @Test
  void anAppendIsAcknowledgedOnceJournaledAndTheStateSurvivesARestart() {
    install(cluster());
    send(new Promise(0, 4));
    Change change = new Change.CreateEnclave("e2", java.time.Instant.EPOCH, Identity.ZERO);
    AppendAck ack =
        assertInstanceOf(
            AppendAck.class,
            send(new Append(0, 4, 5, 2, List.of(new WireEntry(4, 6, change, 0)), 6)));
    assertEquals(6, ack.lastIndex());
    ReplicaState before = log.getState();
    assertEquals(6, before.lastIndex());
    assertTrue(before.kms().enclaves().containsKey("e2"));
    log.restart();
    ReplicaState after = log.getState();
    assertEquals(before.lastIndex(), after.lastIndex());
    assertEquals(before.promisedTerm(), after.promisedTerm());
    assertEquals(StateDigest.of(before.kms()), StateDigest.of(after.kms()));
  }

  @Test
  void anAppendThatDoesNotFollowTheLogIsRefusedAndNothingIsApplied() {
    install(cluster());
    send(new Promise(0, 4));
    Change change = new Change.CreateEnclave("e2", java.time.Instant.EPOCH, Identity.ZERO);
    ToLeader answer = send(new Append(0, 4, 9, 4, List.of(new WireEntry(4, 10, change, 0)), 10));
    ReplicationMessages.AppendRejected gap =
        assertInstanceOf(ReplicationMessages.AppendRejected.class, answer);
    assertEquals("GAP", gap.reason());
    assertEquals(5, gap.lastIndex());
    assertFalse(log.getState().kms().enclaves().containsKey("e2"));
  }
}
