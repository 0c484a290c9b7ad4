package io.openkms.kms.actors;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.typesafe.config.ConfigFactory;
import io.openkms.kms.actors.ReplicationMessages.WireEntry;
import io.openkms.kms.cluster.ClusterSettings;
import io.openkms.kms.cluster.InternodeSerializer;
import io.openkms.kms.cluster.ReplicaEndpoint;
import io.openkms.kms.cluster.StateDigest;
import io.openkms.kms.crypto.ApiKey;
import io.openkms.kms.crypto.Identity;
import io.openkms.kms.crypto.KeyType;
import io.openkms.kms.crypto.KeyVersion;
import io.openkms.kms.domain.Change;
import io.openkms.kms.domain.Changes;
import io.openkms.kms.domain.IdentityEntry;
import io.openkms.kms.domain.KmsState;
import io.openkms.kms.domain.Policy;
import io.openkms.kms.domain.Privilege;
import io.openkms.kms.replication.MessageBudget;
import io.openkms.persistence.Sealed;
import java.io.NotSerializableException;
import java.lang.reflect.RecordComponent;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.Props;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.serialization.Serialization;
import org.apache.pekko.serialization.SerializationExtension;
import org.apache.pekko.serialization.Serializer;
import org.apache.pekko.serialization.Serializers;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Every message that crosses the wire between nodes round-trips through {@link InternodeSerializer}
 * as the clustered system binds it ({@link ClusterSettings#SERIALIZATION}), with every kind of
 * {@link Change}; the manifests are fixed constants; messages in the Jackson-CBOR encoding of
 * earlier releases are still read; and the sizes the replication budgets with ({@link WireSize})
 * are the protobuf sizes, so the largest allowed change fits Artery's frame. None of the messages
 * is bound to the REK-sealing serializer (every node has another REK).
 */
class InternodeSerializationTest {

  private static final Instant T0 = Instant.parse("2026-01-01T00:00:00Z");

  /** Pekko's {@code jackson-cbor} serializer, the internode encoding of earlier releases. */
  private static final int JACKSON_CBOR = 33;

  private static ActorSystem<Void> system;
  private static ActorRef<Object> sink;

  @BeforeAll
  static void start() {
    system =
        ActorSystem.create(
            Behaviors.empty(),
            "serialization-test",
            ConfigFactory.parseString("pekko.loglevel = WARNING")
                .withFallback(ClusterSettings.SERIALIZATION)
                .withFallback(ConfigFactory.defaultReference())
                .resolve());
    sink = system.systemActorOf(Behaviors.ignore(), "sink", Props.empty());
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

  /** One change of every kind, in an order the domain accepts (RestoreState last). */
  static List<Change> changes() {
    byte[] material = new byte[32];
    material[0] = 7;
    KeyVersion v1 = new KeyVersion(1, KeyType.AES256, material, T0, id(1));
    KeyVersion v2 =
        new KeyVersion(2, KeyType.CHACHA20, material.clone(), T0.plusNanos(123), Identity.ZERO);
    List<Change> changes =
        new ArrayList<>(
            List.of(
                new Change.InitCluster("c1d5f6a2-0000-4000-8000-000000000000", "127.0.0.1:7373"),
                new Change.AddNode("127.0.0.2:7373"),
                new Change.CreateEnclave("e", T0, id(1)),
                new Change.CreateKey("e", "k", v1),
                new Change.AddKeyVersion("e", "k", v2),
                new Change.ImportKey("e", "imported", v1),
                new Change.DeleteKeyVersion("e", "k", 1),
                new Change.CreatePolicy(
                    "e",
                    Policy.of(
                        "p",
                        Map.of("KEY:GENERATE", List.of("app-*"), "KEY:DECRYPT", List.of("a", "b")),
                        Map.of("KEY:DECRYPT", List.of("b")),
                        T0,
                        id(1))),
                new Change.CreateIdentity("e", IdentityEntry.of(id(3), Privilege.USER, T0, id(1))),
                new Change.CreateIdentity(
                    "e",
                    new IdentityEntry(
                        id(5),
                        Privilege.USER,
                        "",
                        T0,
                        id(3),
                        true,
                        id(3),
                        new TreeMap<>(Map.of("team", "ops", "ünïcødé", "✓")))),
                new Change.CreateIdentity(
                    "", IdentityEntry.of(id(4), Privilege.SYS_ADMIN, T0, id(1))),
                new Change.AssignPolicy("e", id(3), "p"),
                new Change.DeletePolicy("e", "p"),
                new Change.DeleteIdentity("e", id(3)),
                new Change.DeleteKey("e", "imported"),
                Change.RemoveNode.of(1),
                new Change.AddNode("127.0.0.3:7373"),
                new Change.RemoveNode(2, true),
                new Change.CreateEnclave("gone", T0, id(1)),
                new Change.DeleteEnclave("gone")));
    KmsState state = richState(changes);
    changes.add(new Change.RestoreState(state.enclaves(), state.sysAdmins(), 42, false));
    changes.add(new Change.RestoreState(state.enclaves(), new TreeMap<>(), 43, true));
    return changes;
  }

  /** The state after the first changes (enclave e with keys, a policy, identities; SysAdmins). */
  static KmsState richState() {
    return richState(changes());
  }

  private static KmsState richState(List<Change> changes) {
    KmsState state = KmsState.empty();
    for (Change c : changes.subList(0, 12)) {
      state = state.apply(c);
    }
    return state;
  }

  private static List<WireEntry> entries() {
    List<WireEntry> entries = new ArrayList<>();
    long index = 1;
    for (Change c : changes()) {
      entries.add(new WireEntry(3, index++, c, c instanceof Change.AddNode ? 1 : -1));
    }
    return entries;
  }

  private static KmsNode.NodeStatus status(NodeSystem system) {
    return new KmsNode.NodeStatus(
        1,
        "127.0.0.2:7373",
        "follower",
        -1,
        11,
        60_000,
        250,
        new TreeMap<>(Map.of(0, "127.0.0.1:7373", 1, "127.0.0.2:7373")),
        system,
        "");
  }

  /**
   * One message of every internode type (and every variant of those that have some). The golden
   * file {@value #GOLDEN} holds these as released encodings wrote them: change this list only
   * together with a new golden file (the old one stays, read against the old list).
   */
  static List<InternodeMessage> messages() {
    byte[] digest = new byte[32];
    digest[5] = 9;
    byte[] data = new byte[1_000];
    data[999] = 1;
    ReplicationMessages.Append append =
        new ReplicationMessages.Append(0, 3, 2, 1, entries(), Long.MAX_VALUE);
    return List.of(
        new ReplicationMessages.ToReplicaEnvelope(append, sink.narrow()),
        new ReplicationMessages.ToReplicaEnvelope(
            new ReplicationMessages.Promise(0, 5), sink.narrow()),
        new ReplicationMessages.ToReplicaEnvelope(
            new ReplicationMessages.Fetch(0, 5, 2, 9), sink.narrow()),
        new ReplicationMessages.Promise(0, 5),
        append,
        new ReplicationMessages.Append(2, 7, 0, 0, List.of(), 0),
        new ReplicationMessages.Fetch(0, 5, 2, 9),
        new ReplicationMessages.PromiseGranted(
            1, 5, 4, 9, new TreeSet<>(Set.of(0, 1, 2)), false, Set.of(7), Map.of(3, 8L)),
        new ReplicationMessages.PromiseGranted(2, 6, 0, 0, Set.of(), true, Set.of(), Map.of()),
        new ReplicationMessages.PromiseRejected(1, 5, 6),
        new ReplicationMessages.AppendAck(2, 5, 9),
        new ReplicationMessages.AppendRejected(2, 5, "GAP", 5, 3, 2),
        new ReplicationMessages.EntriesFetched(1, 5, 2, entries()),
        new Leader.WriteResult(0, 503, "cannot commit write: nodes 1 (h:1) are unreachable"),
        Leader.WriteResult.committed(12),
        new Leader.ClientWrite(new Change.DeleteEnclave("e"), sink.narrow()),
        new Leader.AddNode("127.0.0.3:7373", sink.narrow()),
        new ReplicaLog.Install(2, "c1", richState(), 3, 11, 4, 0, sink.narrow()),
        new ReplicaLog.Install(2, "c1", KmsState.empty(), 3, 11, 4, 0, sink.narrow()),
        new ReplicaLog.Installed(11, 3),
        new ReplicaLog.InstallRefused(4),
        new SnapshotMessages.Offer(
            -42L, 2, "c1", 3, 11, 4, 0, 300_000, 131_072, digest, sink.narrow()),
        new SnapshotMessages.ChunkRequest(-42L, 7, sink.narrow()),
        new SnapshotMessages.Chunk(-42L, 7, data),
        new SnapshotMessages.Done(-42L, SnapshotMessages.Done.INSTALLED, 11, 3, ""),
        new SnapshotMessages.Done(-42L, SnapshotMessages.Done.FAILED, 0, 0, "digest mismatch"),
        new ReplicaEndpoint.StatusRequest(sink.narrow()),
        new ReplicaEndpoint.StatusReply(
            status(
                new NodeSystem(
                    "2026-11-30T01-40-07Z", "linux", "amd64", 2, 1 << 20, 1_000, 7_000))),
        new ReplicaEndpoint.StatusReply(status(null)));
  }

  private static Object roundTrip(Object message) throws NotSerializableException {
    Serialization serialization = SerializationExtension.get(system);
    Serializer serializer = serialization.findSerializerFor(message);
    assertEquals(InternodeSerializer.class, serializer.getClass(), message.getClass().getName());
    assertEquals(InternodeSerializer.IDENTIFIER, serializer.identifier());
    assertFalse(message instanceof Sealed, "a remote message must not be Sealed");
    byte[] bytes = serialization.serialize(message).get();
    String manifest = Serializers.manifestFor(serializer, message);
    assertEquals(InternodeSerializer.MANIFESTS.get(message.getClass()), manifest);
    return serialization.deserialize(bytes, serializer.identifier(), manifest).get();
  }

  /** Runs {@code f} as Pekko runs a serializer (actor references need the system). */
  private static <T> T withTransport(scala.Function0<T> f) {
    return org.apache.pekko.serialization.Serialization$.MODULE$.withTransportInformation(
        (org.apache.pekko.actor.ExtendedActorSystem)
            org.apache.pekko.actor.typed.javadsl.Adapter.toClassic(system),
        f);
  }

  /** Equal values: records component by component, byte arrays by content, the rest by equals. */
  static void assertSameValue(Object expected, Object actual) {
    if (expected instanceof ActorRef<?> e) {
      // the same actor (a golden message's reference has another incarnation's uid)
      assertEquals(
          e.path().toStringWithoutAddress(),
          ((ActorRef<?>) actual).path().toStringWithoutAddress());
    } else if (expected instanceof byte[] e) {
      assertArrayEquals(e, (byte[]) actual);
    } else if (expected != null && expected.getClass().isRecord()) {
      assertEquals(expected.getClass(), actual.getClass());
      for (RecordComponent c : expected.getClass().getRecordComponents()) {
        try {
          c.getAccessor().setAccessible(true);
          assertSameValue(c.getAccessor().invoke(expected), c.getAccessor().invoke(actual));
        } catch (ReflectiveOperationException e) {
          throw new AssertionError(e);
        }
      }
    } else if (expected instanceof List<?> e && !e.isEmpty() && e.get(0) instanceof Record) {
      List<?> a = (List<?>) actual;
      assertEquals(e.size(), a.size());
      for (int i = 0; i < e.size(); i++) {
        assertSameValue(e.get(i), a.get(i));
      }
    } else {
      assertEquals(expected, actual);
    }
  }

  @Test
  void everyMessageTypeRoundTripsThroughTheProtobufSerializer() throws Exception {
    Set<Class<?>> covered = new HashSet<>();
    for (InternodeMessage m : messages()) {
      assertSameValue(m, roundTrip(m));
      covered.add(m.getClass());
    }
    assertEquals(InternodeSerializer.MANIFESTS.keySet(), covered);
    // every concrete type of the sealed internode interfaces has a manifest
    for (Class<?> sealed :
        List.of(
            ReplicationMessages.ToReplica.class,
            ReplicationMessages.ToLeader.class,
            ReplicaLog.InstallResult.class,
            SnapshotMessages.ToSender.class)) {
      for (Class<?> c : sealed.getPermittedSubclasses()) {
        assertTrue(InternodeSerializer.MANIFESTS.containsKey(c), c.getName());
      }
    }
  }

  /**
   * Issue 12: an acknowledgement carries the commit index the replica acted on (the leader tells a
   * removed member its removal committed only once every witness echoed it); one from an earlier
   * release, without the field, reads as 0 (the golden messages above).
   */
  @Test
  void anAcknowledgementCarriesTheCommitIndexItEchoes() throws Exception {
    ReplicationMessages.AppendAck ack = new ReplicationMessages.AppendAck(2, 5, 9, 8);
    assertSameValue(ack, roundTrip(ack));
    assertEquals(8, ((ReplicationMessages.AppendAck) roundTrip(ack)).commitIndex());
  }

  /**
   * Every concrete {@link InternodeMessage} of this module has a manifest, found by scanning the
   * compiled classes: a new message without one would fail on the wire only (Pekko drops it).
   */
  @Test
  void everyInternodeMessageClassHasAManifest() throws Exception {
    java.nio.file.Path root =
        java.nio.file.Path.of(
            InternodeMessage.class.getProtectionDomain().getCodeSource().getLocation().toURI());
    Set<Class<?>> found = new HashSet<>();
    try (java.util.stream.Stream<java.nio.file.Path> files = java.nio.file.Files.walk(root)) {
      for (java.nio.file.Path f : (Iterable<java.nio.file.Path>) files::iterator) {
        String name = root.relativize(f).toString();
        if (name.endsWith(".class") && name.startsWith("io/openkms/")) {
          Class<?> c =
              Class.forName(
                  name.substring(0, name.length() - 6).replace('/', '.'),
                  false,
                  InternodeMessage.class.getClassLoader());
          if (InternodeMessage.class.isAssignableFrom(c)
              && !c.isInterface()
              && !java.lang.reflect.Modifier.isAbstract(c.getModifiers())) {
            found.add(c);
          }
        }
      }
    }
    assertEquals(InternodeSerializer.MANIFESTS.keySet(), found);
  }

  @Test
  void everyKindOfChangeRoundTripsEqual() throws Exception {
    Set<Class<?>> kinds = new HashSet<>();
    for (Change c : changes()) {
      kinds.add(c.getClass());
      Leader.ClientWrite back =
          (Leader.ClientWrite) roundTrip(new Leader.ClientWrite(c, sink.narrow()));
      assertEquals(c, back.change());
      assertEquals(c, InternodeCodec.change(InternodeCodec.change(c)));
    }
    assertEquals(Set.of(Change.class.getPermittedSubclasses()), kinds);
    // and applied in order they give the same state
    ReplicationMessages.Append back =
        (ReplicationMessages.Append)
            roundTrip(new ReplicationMessages.Append(0, 3, 0, 0, entries(), 2));
    KmsState viaOriginal = KmsState.empty();
    KmsState viaWire = KmsState.empty();
    List<Change> changes = changes();
    for (int i = 0; i < changes.size(); i++) {
      if (!(changes.get(i) instanceof Change.RestoreState)) {
        viaOriginal = viaOriginal.apply(changes.get(i));
        viaWire = viaWire.apply(back.entries().get(i).change());
      }
    }
    assertEquals(StateDigest.of(viaOriginal), StateDigest.of(viaWire));
    assertEquals(1, back.entries().get(1).addedNodeId());
    assertEquals(-1, back.entries().get(2).addedNodeId());
  }

  @Test
  void installCarriesTheWholeState() throws Exception {
    KmsState state = richState();
    ReplicaLog.Install back =
        (ReplicaLog.Install)
            roundTrip(new ReplicaLog.Install(2, "c1", state, 3, 11, 4, 0, sink.narrow()));
    assertEquals(state, back.kms());
    assertEquals(StateDigest.of(state), StateDigest.of(back.kms()));
    WireSize codec = WireSize.of(system);
    assertEquals(state, codec.decodeState(codec.encodeState(state)));
    assertEquals(KmsState.empty(), codec.decodeState(codec.encodeState(KmsState.empty())));
  }

  @Test
  void manifestsAreFixedConstantsNotClassNames() throws Exception {
    Map<String, String> expected = new LinkedHashMap<>();
    expected.put("ToReplicaEnvelope", "replica.envelope.v1");
    expected.put("Promise", "replica.promise.v1");
    expected.put("Append", "replica.append.v1");
    expected.put("Fetch", "replica.fetch.v1");
    expected.put("PromiseGranted", "leader.promise-granted.v1");
    expected.put("PromiseRejected", "leader.promise-rejected.v1");
    expected.put("AppendAck", "leader.append-ack.v1");
    expected.put("AppendRejected", "leader.append-rejected.v1");
    expected.put("EntriesFetched", "leader.entries-fetched.v1");
    expected.put("ClientWrite", "leader.client-write.v1");
    expected.put("AddNode", "leader.add-node.v1");
    expected.put("WriteResult", "leader.write-result.v1");
    expected.put("Install", "replica.install.v1");
    expected.put("Installed", "replica.installed.v1");
    expected.put("InstallRefused", "replica.install-refused.v1");
    expected.put("Offer", "snapshot.offer.v1");
    expected.put("ChunkRequest", "snapshot.chunk-request.v1");
    expected.put("Chunk", "snapshot.chunk.v1");
    expected.put("Done", "snapshot.done.v1");
    expected.put("StatusRequest", "status.request.v1");
    expected.put("StatusReply", "status.reply.v1");
    Map<String, String> actual = new LinkedHashMap<>();
    InternodeSerializer.MANIFESTS.forEach((c, m) -> actual.put(c.getSimpleName(), m));
    assertEquals(expected, actual, "a released manifest never changes");
    for (Map.Entry<Class<?>, String> e : InternodeSerializer.MANIFESTS.entrySet()) {
      assertFalse(e.getValue().contains("io.openkms"), e.getValue());
      assertFalse(e.getValue().contains(e.getKey().getSimpleName()), e.getValue());
    }
    assertEquals(7373004, InternodeSerializer.IDENTIFIER);
    assertEquals(
        InternodeSerializer.class,
        SerializationExtension.get(system).serializerByIdentity().apply(7373004).getClass());

    InternodeSerializer serializer =
        (InternodeSerializer)
            SerializationExtension.get(system).serializerByIdentity().apply(7373004);
    NotSerializableException unknown =
        assertThrows(
            NotSerializableException.class, () -> serializer.fromBinary(new byte[0], "nope.v1"));
    assertEquals("unknown internode manifest nope.v1", unknown.getMessage());
    NotSerializableException garbage =
        assertThrows(
            NotSerializableException.class,
            () -> serializer.fromBinary(new byte[] {(byte) 0xff, 1}, "replica.append.v1"));
    assertTrue(garbage.getMessage().startsWith("cannot decode replica.append.v1: "));
    IllegalArgumentException notOurs =
        assertThrows(IllegalArgumentException.class, () -> serializer.toBinary("text"));
    assertEquals("not an internode message: java.lang.String", notOurs.getMessage());
    // protobuf would write an unpaired surrogate as '?': refused instead
    assertThrows(
        IllegalArgumentException.class,
        () -> serializer.toBinary(new Leader.WriteResult(0, 400, "bad \uD800")));
  }

  @Test
  void messagesOfTheEarlierJacksonCborEncodingAreStillRead() throws Exception {
    Serialization serialization = SerializationExtension.get(system);
    Serializer cbor = serialization.serializerByIdentity().apply(JACKSON_CBOR);
    assertEquals(
        "org.apache.pekko.serialization.jackson.JacksonCborSerializer", cbor.getClass().getName());
    for (InternodeMessage m : messages()) {
      // what a node of an earlier release sends: serializer id 33, the class name as manifest
      byte[] bytes = withTransport(() -> cbor.toBinary(m));
      String manifest = Serializers.manifestFor(cbor, m);
      assertEquals(m.getClass().getName(), manifest);
      assertSameValue(m, serialization.deserialize(bytes, JACKSON_CBOR, manifest).get());
    }
  }

  /**
   * The committed golden messages: every message of {@link #messages()} as the release before
   * protobuf wrote it (Pekko {@code jackson-cbor}, id 33, class-name manifests) and as the first
   * protobuf release wrote it (id 7373004). Every later release must read both (a rolling upgrade
   * from either). Written once with {@code -Dminkms.internode.golden.write=<path of the file>};
   * never regenerate it for a released encoding: add a file for a new one.
   */
  private static final String GOLDEN = "/internode/golden-v1.txt";

  @Test
  void theGoldenMessagesOfEarlierReleasesAreRead() throws Exception {
    Serialization serialization = SerializationExtension.get(system);
    List<InternodeMessage> messages = messages();
    String write = System.getProperty("minkms.internode.golden.write");
    if (write != null) {
      StringBuilder out = new StringBuilder();
      for (int id : new int[] {JACKSON_CBOR, InternodeSerializer.IDENTIFIER}) {
        Serializer serializer = serialization.serializerByIdentity().apply(id);
        for (InternodeMessage m : messages) {
          byte[] bytes = withTransport(() -> serializer.toBinary(m));
          out.append(id)
              .append(' ')
              .append(Serializers.manifestFor(serializer, m))
              .append(' ')
              .append(java.util.Base64.getEncoder().encodeToString(bytes))
              .append('\n');
        }
      }
      java.nio.file.Files.writeString(java.nio.file.Path.of(write), out);
    }
    List<String> lines;
    try (java.io.InputStream in = InternodeSerializationTest.class.getResourceAsStream(GOLDEN)) {
      lines =
          new String(in.readAllBytes(), java.nio.charset.StandardCharsets.UTF_8)
              .lines()
              .filter(l -> !l.isBlank())
              .toList();
    }
    assertEquals(2 * messages.size(), lines.size());
    for (int i = 0; i < lines.size(); i++) {
      String[] f = lines.get(i).split(" ", 3);
      int id = Integer.parseInt(f[0]);
      assertEquals(i < messages.size() ? JACKSON_CBOR : InternodeSerializer.IDENTIFIER, id);
      Object read =
          serialization.deserialize(java.util.Base64.getDecoder().decode(f[2]), id, f[1]).get();
      assertSameValue(messages.get(i % messages.size()), read);
    }
  }

  /**
   * Issue 12: a status carries its replica's removal state (a node whose removal is in doubt asks
   * its members for it); a status encoded by an earlier release has none, and reads as unknown.
   */
  @Test
  void aStatusCarriesTheRemovalStateAndOneOfAnEarlierReleaseHasNone() throws Exception {
    KmsNode.NodeStatus s =
        new KmsNode.NodeStatus(
            2,
            "127.0.0.3:7373",
            "Candidate",
            -1,
            7,
            1_000,
            0,
            new TreeMap<>(Map.of(0, "127.0.0.1:7373", 1, "127.0.0.2:7373")),
            null,
            "removal in doubt: no member answered",
            new KmsNode.RemovalState(true, java.util.Set.of(2, 3), java.util.Set.of(4)));
    io.openkms.kms.cluster.ReplicaEndpoint.StatusReply back =
        (io.openkms.kms.cluster.ReplicaEndpoint.StatusReply)
            roundTrip(new io.openkms.kms.cluster.ReplicaEndpoint.StatusReply(s));
    assertEquals(s, back.status());
    Serialization serialization = SerializationExtension.get(system);
    int read = 0;
    try (java.io.InputStream in = InternodeSerializationTest.class.getResourceAsStream(GOLDEN)) {
      for (String line :
          new String(in.readAllBytes(), java.nio.charset.StandardCharsets.UTF_8).lines().toList()) {
        String[] f = line.split(" ", 3);
        if (f.length == 3 && f[1].equals("status.reply.v1")) {
          Object old =
              serialization
                  .deserialize(
                      java.util.Base64.getDecoder().decode(f[2]), Integer.parseInt(f[0]), f[1])
                  .get();
          assertEquals(
              null, ((io.openkms.kms.cluster.ReplicaEndpoint.StatusReply) old).status().removal());
          read++;
        }
      }
    }
    assertEquals(2, read, "the golden file holds two status replies of an earlier release");
  }

  @Test
  void theStateAnEarlierLeaderSendsStillDecodes() throws Exception {
    WireSize codec = WireSize.of(system);
    KmsState state = richState();
    byte[] legacy = codec.encodeLegacyState(state);
    assertTrue(WireSize.isLegacyCbor(legacy));
    assertEquals(state, codec.decodeState(legacy));
    byte[] current = codec.encodeState(state);
    assertFalse(WireSize.isLegacyCbor(current));
    assertTrue((current[0] & 0xff) < 0x80, "the first field number is below 16");
    assertFalse(WireSize.isLegacyCbor(codec.encodeState(KmsState.empty())));
    IllegalArgumentException notAState =
        assertThrows(
            IllegalArgumentException.class, () -> codec.decodeState(new byte[] {0x0a, 0x7f, 0x01}));
    assertTrue(notAState.getMessage().startsWith("not a state: "), notAState.getMessage());
  }

  @Test
  void withTheEncodingOfEarlierReleasesSizesAndStatesAreJacksonCbor() throws Exception {
    ActorSystem<Void> legacy =
        ActorSystem.create(
            Behaviors.empty(),
            "serialization-legacy-test",
            ConfigFactory.parseString(
                    "pekko.loglevel = WARNING\nminkms.internode.encoding = jackson-cbor")
                .withFallback(ConfigFactory.defaultReference())
                .resolve());
    try {
      WireSize size = WireSize.of(legacy);
      KmsState state = richState();
      byte[] encoded = size.encodeState(state);
      assertTrue(WireSize.isLegacyCbor(encoded), "an earlier release can decode it");
      assertEquals(state, WireSize.of(system).decodeState(encoded));
      LogCommand command = new LogCommand(policy(100), -1);
      byte[] cbor =
          SerializationExtension.get(legacy)
              .serializerByIdentity()
              .apply(JACKSON_CBOR)
              .toBinary(new WireEntry(1, 1, command.change(), -1));
      assertEquals(cbor.length, size.bytes(command));
      assertEquals(
          cbor.length,
          size.check(
              command,
              new MessageBudget<>(
                  MessageBudget.DEFAULT_MAX_CHANGE_BYTES,
                  MessageBudget.MAX_MESSAGE_BYTES,
                  size::bytes)));
      assertTrue(size.bytes(command) > WireSize.of(system).bytes(command));
    } finally {
      legacy.terminate();
      legacy.getWhenTerminated().toCompletableFuture().orTimeout(20, TimeUnit.SECONDS).join();
    }
  }

  /** A policy change of {@code patterns} patterns of 80 characters. */
  private static Change policy(int patterns) {
    List<String> allow = new ArrayList<>();
    for (int i = 0; i < patterns; i++) {
      allow.add(String.format("%080d", i));
    }
    return Changes.system()
        .createPolicy("e", "p", Map.of("KEY:ENCRYPT", allow), Map.of(), Identity.ZERO);
  }

  @Test
  void theLargestAllowedChangeFitsTheFrameAndTheBudgetIsAnUpperBound() throws Exception {
    Serialization serialization = SerializationExtension.get(system);
    long frame =
        system.settings().config().getBytes("pekko.remote.artery.advanced.maximum-frame-size");
    assertEquals(256 << 10, frame);
    WireSize size = WireSize.of(system);

    // the largest change the highest max_change_size (192 KiB) admits
    int patterns = 1;
    while (size.bytes(new LogCommand(policy(patterns * 2), -1))
        <= MessageBudget.MAX_MESSAGE_BYTES) {
      patterns *= 2;
    }
    int low = patterns;
    int high = patterns * 2;
    while (high - low > 1) {
      int mid = (low + high) / 2;
      if (size.bytes(new LogCommand(policy(mid), -1)) <= MessageBudget.MAX_MESSAGE_BYTES) {
        low = mid;
      } else {
        high = mid;
      }
    }
    final int most = low;
    LogCommand largest = new LogCommand(policy(most), -1);
    long measured = size.bytes(largest);
    assertTrue(measured <= MessageBudget.MAX_MESSAGE_BYTES);
    assertTrue(measured > MessageBudget.MAX_MESSAGE_BYTES - 200, measured + " bytes");
    MessageBudget<LogCommand> budget =
        new MessageBudget<>(
            MessageBudget.MAX_MESSAGE_BYTES, MessageBudget.MAX_MESSAGE_BYTES, size::bytes);
    assertEquals(measured, size.check(largest, budget));
    assertEquals(
        400,
        assertThrows(
                io.openkms.kms.domain.KmsException.class,
                () -> size.check(new LogCommand(policy(most + 1), -1), budget))
            .status());

    // sent with the largest term and index, in the largest envelope: well below the frame (the
    // rest of the frame is Artery's header: actor paths and the manifest, a few hundred bytes)
    WireEntry entry = new WireEntry(Long.MAX_VALUE, Long.MAX_VALUE, largest.change(), -1);
    ReplicationMessages.ToReplicaEnvelope envelope =
        new ReplicationMessages.ToReplicaEnvelope(
            new ReplicationMessages.Append(
                Integer.MAX_VALUE,
                Long.MAX_VALUE,
                Long.MAX_VALUE,
                Long.MAX_VALUE,
                List.of(entry),
                Long.MAX_VALUE),
            sink.narrow());
    int sent = serialization.serialize(envelope).get().length;
    assertTrue(sent <= measured + 1_024, sent + " bytes on the wire, " + measured + " measured");
    assertTrue(sent + 4_096 <= frame, sent + " bytes");

    // a message of many small entries, as many as the budget lets it carry: entry sizes add up
    List<WireEntry> many = new ArrayList<>();
    List<Long> sizes = new ArrayList<>();
    Identity creator = id(1);
    for (int i = 0; i < 20_000; i++) {
      Change c = new Change.CreateEnclave("enclave-" + i, T0, creator);
      many.add(new WireEntry(Long.MAX_VALUE, Long.MAX_VALUE - i, c, -1));
      sizes.add(size.bytes(new LogCommand(c, -1)));
    }
    int fitting = budget.fitting(sizes);
    assertTrue(fitting < many.size(), fitting + " entries");
    long budgeted = sizes.subList(0, fitting).stream().mapToLong(Long::longValue).sum();
    int full =
        serialization
            .serialize(
                new ReplicationMessages.EntriesFetched(
                    Integer.MAX_VALUE, Long.MAX_VALUE, Long.MAX_VALUE, many.subList(0, fitting)))
            .get()
            .length;
    int empty =
        serialization
            .serialize(
                new ReplicationMessages.EntriesFetched(
                    Integer.MAX_VALUE, Long.MAX_VALUE, Long.MAX_VALUE, List.of()))
            .get()
            .length;
    assertTrue(full - empty <= budgeted, (full - empty) + " bytes, " + budgeted + " budgeted");
    assertTrue(full + 4_096 <= frame, full + " bytes");
  }

  @Test
  void theProtobufEncodingIsSmallerThanTheEarlierCbor() throws Exception {
    Serialization serialization = SerializationExtension.get(system);
    Serializer cbor = serialization.serializerByIdentity().apply(JACKSON_CBOR);
    Serializer proto = serialization.serializerByIdentity().apply(InternodeSerializer.IDENTIFIER);
    // an install of a state of 1,000 keys, and an append of a 1,400-pattern policy
    KmsState state = richState();
    Identity creator = id(1);
    for (int i = 0; i < 1_000; i++) {
      state =
          state.apply(
              new Change.CreateKey(
                  "e",
                  String.format("key-%04d", i),
                  new KeyVersion(1, KeyType.AES256, new byte[32], T0, creator)));
    }
    List<Object> samples =
        List.of(
            new ReplicaLog.Install(2, "c1", state, 3, 1_011, 4, 0, sink.narrow()),
            new ReplicationMessages.ToReplicaEnvelope(
                new ReplicationMessages.Append(
                    0, 3, 10, 3, List.of(new WireEntry(3, 11, policy(1_400), -1)), 10),
                sink.narrow()),
            new ReplicationMessages.ToReplicaEnvelope(
                new ReplicationMessages.Append(0, 3, 0, 0, entries(), 2), sink.narrow()));
    for (Object m : samples) {
      int before = withTransport(() -> cbor.toBinary(m)).length;
      int after = proto.toBinary(m).length;
      System.out.printf(
          "internode size of %s: jackson-cbor %,d bytes, protobuf %,d bytes%n",
          m.getClass().getSimpleName(), before, after);
      assertTrue(after < before, after + " >= " + before);
    }
    WireSize codec = WireSize.of(system);
    System.out.printf(
        "snapshot state of 1,000 keys: jackson-cbor %,d bytes, protobuf %,d bytes%n",
        codec.encodeLegacyState(state).length, codec.encodeState(state).length);
  }
}
