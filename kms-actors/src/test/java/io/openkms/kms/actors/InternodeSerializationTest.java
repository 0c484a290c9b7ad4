package io.openkms.kms.actors;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import com.typesafe.config.ConfigFactory;
import io.openkms.kms.actors.ReplicationMessages.WireEntry;
import io.openkms.kms.cluster.StateDigest;
import io.openkms.kms.crypto.ApiKey;
import io.openkms.kms.crypto.Identity;
import io.openkms.kms.crypto.KeyType;
import io.openkms.kms.crypto.KeyVersion;
import io.openkms.kms.domain.Change;
import io.openkms.kms.domain.IdentityEntry;
import io.openkms.kms.domain.KmsState;
import io.openkms.kms.domain.Policy;
import io.openkms.kms.domain.Privilege;
import io.openkms.persistence.Sealed;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.serialization.Serialization;
import org.apache.pekko.serialization.SerializationExtension;
import org.apache.pekko.serialization.Serializer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Every message that crosses the wire between nodes round-trips through Pekko's own {@code
 * jackson-cbor} serializer as the clustered system binds it ({@link InternodeMessage}), and none of
 * them is bound to the REK-sealing serializer (every node has another REK).
 */
class InternodeSerializationTest {

  private static final Instant T0 = Instant.parse("2026-01-01T00:00:00Z");
  private static ActorSystem<Void> system;

  @BeforeAll
  static void start() {
    system =
        ActorSystem.create(
            Behaviors.empty(),
            "serialization-test",
            ConfigFactory.parseString(
                    "pekko.actor.serialization-bindings {\"io.openkms.kms.actors.InternodeMessage\" ="
                        + " jackson-cbor}\npekko.loglevel = WARNING")
                .withFallback(ConfigFactory.defaultReference())
                .resolve());
  }

  @AfterAll
  static void stop() {
    system.terminate();
    system.getWhenTerminated().toCompletableFuture().orTimeout(20, TimeUnit.SECONDS).join();
  }

  private static Identity id(int n) {
    byte[] seed = new byte[32];
    java.util.Arrays.fill(seed, (byte) n);
    return ApiKey.fromSeed(seed).identity();
  }

  /** One change of every kind, in an order the domain accepts. */
  static List<Change> changes() {
    byte[] material = new byte[32];
    material[0] = 7;
    KeyVersion v1 = new KeyVersion(1, KeyType.AES256, material, T0, id(1));
    KeyVersion v2 = new KeyVersion(2, KeyType.CHACHA20, material.clone(), T0, id(1));
    return List.of(
        new Change.InitCluster("c1d5f6a2-0000-4000-8000-000000000000", "127.0.0.1:7373"),
        new Change.AddNode("127.0.0.2:7373"),
        new Change.CreateEnclave("e", T0, id(1)),
        new Change.CreateKey("e", "k", v1),
        new Change.AddKeyVersion("e", "k", v2),
        new Change.ImportKey("e", "imported", v1),
        new Change.DeleteKeyVersion("e", "k", 1),
        new Change.CreatePolicy(
            "e", Policy.of("p", Map.of("KEY:GENERATE", List.of("app-*")), Map.of(), T0, id(1))),
        new Change.CreateIdentity("e", IdentityEntry.of(id(3), Privilege.USER, T0, id(1))),
        new Change.CreateIdentity("", IdentityEntry.of(id(4), Privilege.SYS_ADMIN, T0, id(1))),
        new Change.AssignPolicy("e", id(3), "p"),
        new Change.DeletePolicy("e", "p"),
        new Change.DeleteIdentity("e", id(3)),
        new Change.DeleteKey("e", "imported"),
        Change.RemoveNode.of(1),
        new Change.CreateEnclave("gone", T0, id(1)),
        new Change.DeleteEnclave("gone"));
  }

  static KmsState richState() {
    KmsState state = KmsState.empty();
    for (Change c : changes().subList(0, 11)) {
      state = state.apply(c);
    }
    return state;
  }

  private static Object roundTrip(Object message) {
    Serialization serialization = SerializationExtension.get(system);
    Serializer serializer = serialization.findSerializerFor(message);
    assertEquals(
        "org.apache.pekko.serialization.jackson.JacksonCborSerializer",
        serializer.getClass().getName(),
        message.getClass().getName());
    assertFalse(message instanceof Sealed, "a remote message must not be Sealed");
    byte[] bytes = serialization.serialize(message).get();
    String manifest = org.apache.pekko.serialization.Serializers.manifestFor(serializer, message);
    return serialization.deserialize(bytes, serializer.identifier(), manifest).get();
  }

  @Test
  void appendWithEveryKindOfChangeRoundTrips() {
    List<WireEntry> entries = new java.util.ArrayList<>();
    long index = 1;
    for (Change c : changes()) {
      entries.add(new WireEntry(3, index++, c, c instanceof Change.AddNode ? 1 : -1));
    }
    ReplicationMessages.Append append = new ReplicationMessages.Append(0, 3, 0, 0, entries, 2);
    ReplicationMessages.ToReplicaEnvelope envelope =
        new ReplicationMessages.ToReplicaEnvelope(append, system.ignoreRef());
    ReplicationMessages.Append back =
        (ReplicationMessages.Append)
            ((ReplicationMessages.ToReplicaEnvelope) roundTrip(envelope)).message();
    assertEquals(append.leaderId(), back.leaderId());
    assertEquals(append.term(), back.term());
    assertEquals(entries.size(), back.entries().size());
    KmsState viaOriginal = KmsState.empty();
    KmsState viaWire = KmsState.empty();
    for (int i = 0; i < entries.size(); i++) {
      assertEquals(entries.get(i).change().getClass(), back.entries().get(i).change().getClass());
      viaOriginal = viaOriginal.apply(entries.get(i).change());
      viaWire = viaWire.apply(back.entries().get(i).change());
    }
    assertEquals(StateDigest.of(viaOriginal), StateDigest.of(viaWire));
    assertEquals(1, back.entries().get(1).addedNodeId());
    assertEquals(2, back.commitIndex());
  }

  @Test
  void installCarriesTheWholeState() {
    KmsState state = richState();
    ReplicaLog.Install install =
        new ReplicaLog.Install(2, "c1", state, 3, 11, 4, 0, system.ignoreRef());
    ReplicaLog.Install back = (ReplicaLog.Install) roundTrip(install);
    assertEquals(StateDigest.of(state), StateDigest.of(back.kms()));
    assertEquals(
        List.of(2, 11L, 3L, 4L, 0),
        List.of(
            back.selfId(), back.lastIndex(), back.lastTerm(), back.leaderTerm(), back.leaderId()));
  }

  @Test
  void replicaAnswersAndClientMessagesRoundTrip() {
    List<InternodeMessage> messages =
        List.of(
            new ReplicationMessages.Promise(0, 5),
            new ReplicationMessages.Fetch(0, 5, 2, 9),
            new ReplicationMessages.PromiseGranted(
                1, 5, 4, 9, new TreeSet<>(Set.of(0, 1, 2)), false, Set.of(7), Map.of(3, 8L)),
            new ReplicationMessages.PromiseRejected(1, 5, 6),
            new ReplicationMessages.AppendAck(2, 5, 9),
            new ReplicationMessages.AppendRejected(2, 5, "GAP", 5, 3, 2),
            new ReplicationMessages.EntriesFetched(
                1,
                5,
                2,
                List.of(new WireEntry(4, 2, new Change.CreateEnclave("e", T0, id(1)), -1))),
            new Leader.WriteResult(0, 503, "cannot commit write: nodes 1 (h:1) are unreachable"),
            new Leader.ClientWrite(new Change.DeleteEnclave("e"), system.ignoreRef()),
            new Leader.AddNode("127.0.0.3:7373", system.ignoreRef()),
            new ReplicaLog.Installed(11, 3),
            new ReplicaLog.InstallRefused(4));
    for (InternodeMessage m : messages) {
      Object back = roundTrip(m);
      if (m instanceof ReplicationMessages.ToReplica toReplica) {
        assertEquals(
            m,
            ((ReplicationMessages.ToReplicaEnvelope)
                    roundTrip(
                        new ReplicationMessages.ToReplicaEnvelope(toReplica, system.ignoreRef())))
                .message());
      }
      if (m instanceof Leader.ClientWrite || m instanceof Leader.AddNode) {
        assertEquals(m.getClass(), back.getClass());
      } else {
        assertEquals(m, back);
      }
    }
  }

  @Test
  void snapshotTransferMessagesRoundTrip() {
    byte[] digest = new byte[32];
    digest[5] = 9;
    SnapshotMessages.Offer offer =
        new SnapshotMessages.Offer(
            -42L, 2, "c1", 3, 11, 4, 0, 300_000, 131_072, digest, system.ignoreRef());
    SnapshotMessages.Offer offerBack = (SnapshotMessages.Offer) roundTrip(offer);
    assertEquals(
        List.of(-42L, 2, "c1", 3L, 11L, 4L, 0, 300_000L, 131_072),
        List.of(
            offerBack.transferId(),
            offerBack.selfId(),
            offerBack.clusterId(),
            offerBack.lastTerm(),
            offerBack.lastIndex(),
            offerBack.leaderTerm(),
            offerBack.leaderId(),
            offerBack.totalBytes(),
            offerBack.chunkBytes()));
    org.junit.jupiter.api.Assertions.assertArrayEquals(digest, offerBack.sha256());
    byte[] data = new byte[131_072];
    data[131_071] = 1;
    SnapshotMessages.Chunk chunk =
        (SnapshotMessages.Chunk) roundTrip(new SnapshotMessages.Chunk(-42L, 7, data));
    assertEquals(7, chunk.seq());
    org.junit.jupiter.api.Assertions.assertArrayEquals(data, chunk.data());
    Serialization serialization = SerializationExtension.get(system);
    int chunkBytes =
        serialization.serialize(new SnapshotMessages.Chunk(-42L, 7, data)).get().length;
    org.junit.jupiter.api.Assertions.assertTrue(
        chunkBytes < 131_072 + 1_024, "a chunk is its bytes plus a small envelope: " + chunkBytes);
    assertEquals(
        7,
        ((SnapshotMessages.ChunkRequest)
                roundTrip(new SnapshotMessages.ChunkRequest(-42L, 7, system.ignoreRef())))
            .seq());
    SnapshotMessages.Done done =
        new SnapshotMessages.Done(-42L, SnapshotMessages.Done.INSTALLED, 11, 3, "");
    assertEquals(done, roundTrip(done));
  }
}
