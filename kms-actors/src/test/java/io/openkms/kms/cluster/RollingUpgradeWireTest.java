package io.openkms.kms.cluster;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import io.openkms.kms.actors.KmsNode;
import io.openkms.kms.actors.NodeSystem;
import io.openkms.kms.actors.ReplicationMessages;
import io.openkms.kms.crypto.Identity;
import io.openkms.kms.domain.Change;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.ActorRefResolver;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The rolling upgrade of docs/CONTRACTS.md "Internode encoding" over real Artery connections (TCP
 * on loopback, without TLS): nodes of this release read what a node of the release before protobuf
 * sends and what each other send in either encoding ({@code minkms.internode.encoding}); a node of
 * the release before protobuf reads what this release sends with {@code jackson-cbor} (step 1) but
 * drops its protobuf messages (why step 1 exists).
 */
class RollingUpgradeWireTest {

  private final List<ActorSystem<Object>> systems = new ArrayList<>();

  /** A node whose guardian puts every message it receives in {@code inbox}. */
  private ActorSystem<Object> node(String name, Config serialization, BlockingQueue<Object> inbox) {
    Config config =
        ConfigFactory.parseString(
                "pekko.actor.provider = remote\n"
                    + "pekko.remote.artery.transport = tcp\n"
                    + "pekko.remote.artery.canonical.hostname = 127.0.0.1\n"
                    + "pekko.remote.artery.canonical.port = 0\n"
                    + "pekko.loglevel = OFF\n"
                    + "pekko.log-dead-letters = off")
            .withFallback(serialization)
            .withFallback(ConfigFactory.defaultReference())
            .resolve();
    ActorSystem<Object> system =
        ActorSystem.create(
            Behaviors.receiveMessage(
                m -> {
                  inbox.add(m);
                  return Behaviors.same();
                }),
            name,
            config);
    systems.add(system);
    return system;
  }

  /** This release, writing {@code encoding}. */
  private ActorSystem<Object> current(String name, String encoding, BlockingQueue<Object> inbox) {
    return node(
        name,
        ClusterSettings.serialization(
            ConfigFactory.parseString("minkms.internode.encoding = " + encoding)),
        inbox);
  }

  /** The release before protobuf: InternodeMessage bound to jackson-cbor, no serializer 7373004. */
  private ActorSystem<Object> earlier(String name, BlockingQueue<Object> inbox) {
    return node(
        name,
        ConfigFactory.parseString(
            "pekko.actor.serialization-bindings.\"io.openkms.kms.actors.InternodeMessage\" ="
                + " jackson-cbor"),
        inbox);
  }

  @AfterEach
  void stop() {
    for (ActorSystem<Object> s : systems) {
      s.terminate();
    }
    for (ActorSystem<Object> s : systems) {
      s.getWhenTerminated().toCompletableFuture().orTimeout(20, TimeUnit.SECONDS).join();
    }
  }

  /** {@code to}'s guardian as {@code from} sees it (resolved from its address). */
  private static ActorRef<Object> ref(ActorSystem<Object> from, ActorSystem<Object> to) {
    return ActorRefResolver.get(from)
        .resolveActorRef(ActorRefResolver.get(to).toSerializationFormat(to));
  }

  private static ReplicationMessages.ToReplicaEnvelope append(ActorSystem<Object> sender) {
    return new ReplicationMessages.ToReplicaEnvelope(
        new ReplicationMessages.Append(
            0,
            3,
            1,
            1,
            List.of(
                new ReplicationMessages.WireEntry(
                    3, 2, new Change.CreateEnclave("e", Instant.EPOCH, Identity.ZERO), -1)),
            1),
        ActorRefResolver.get(sender)
            .resolveActorRef(ActorRefResolver.get(sender).toSerializationFormat(sender)));
  }

  private static ReplicaEndpoint.StatusReply status() {
    return new ReplicaEndpoint.StatusReply(
        new KmsNode.NodeStatus(
            1,
            "127.0.0.2:7373",
            "follower",
            0,
            2,
            1,
            1,
            new TreeMap<>(Map.of(0, "127.0.0.1:7373", 1, "127.0.0.2:7373")),
            new NodeSystem("v", "linux", "amd64", 2, 1, 1, 1),
            ""));
  }

  /** Sends {@code message} from {@code from} to {@code to} and returns what arrived (10 s). */
  private static Object send(
      ActorSystem<Object> from, ActorSystem<Object> to, BlockingQueue<Object> inbox, Object message)
      throws InterruptedException {
    ref(from, to).tell(message);
    Object received = inbox.poll(10, TimeUnit.SECONDS);
    assertNotNull(received, message.getClass().getSimpleName() + " did not arrive");
    return received;
  }

  @Test
  void theNodesOfBothStepsAndOfTheEarlierReleaseReadEachOther() throws Exception {
    BlockingQueue<Object> oldInbox = new LinkedBlockingQueue<>();
    BlockingQueue<Object> stepOneInbox = new LinkedBlockingQueue<>();
    BlockingQueue<Object> stepTwoInbox = new LinkedBlockingQueue<>();
    ActorSystem<Object> old = earlier("old", oldInbox);
    ActorSystem<Object> stepOne = current("step-one", "jackson-cbor", stepOneInbox);
    ActorSystem<Object> stepTwo = current("step-two", "protobuf", stepTwoInbox);

    // the earlier release and step 1 talk jackson-cbor both ways
    ReplicationMessages.ToReplicaEnvelope fromOld = append(old);
    ReplicationMessages.ToReplicaEnvelope atStepOne =
        (ReplicationMessages.ToReplicaEnvelope) send(old, stepOne, stepOneInbox, fromOld);
    assertEquals(fromOld.message(), atStepOne.message());
    assertEquals(
        fromOld.replyTo().path().toStringWithoutAddress(),
        atStepOne.replyTo().path().toStringWithoutAddress());
    assertEquals(status(), send(stepOne, old, oldInbox, status()));

    // step 2 (protobuf) reads the earlier release and step 1; both read step 2's protobuf
    assertEquals(
        fromOld.message(),
        ((ReplicationMessages.ToReplicaEnvelope) send(old, stepTwo, stepTwoInbox, fromOld))
            .message());
    assertEquals(status(), send(stepOne, stepTwo, stepTwoInbox, status()));
    ReplicationMessages.ToReplicaEnvelope fromStepTwo = append(stepTwo);
    assertEquals(
        fromStepTwo.message(),
        ((ReplicationMessages.ToReplicaEnvelope) send(stepTwo, stepOne, stepOneInbox, fromStepTwo))
            .message());

    // the earlier release drops step 2's protobuf: a later message on the same connection (a
    // String, which every release reads) arrives, the protobuf one before it did not
    ref(stepTwo, old).tell(status());
    ref(stepTwo, old).tell("marker");
    assertEquals("marker", oldInbox.poll(10, TimeUnit.SECONDS));
    assertEquals(null, oldInbox.poll(200, TimeUnit.MILLISECONDS));
  }
}
