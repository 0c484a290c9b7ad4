package io.openkms.kms.cluster;

import com.google.protobuf.ByteString;
import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.MessageLite;
import io.openkms.kms.actors.InternodeCodec;
import io.openkms.kms.actors.InternodeMessage;
import io.openkms.kms.actors.KmsNode;
import io.openkms.kms.actors.Leader;
import io.openkms.kms.actors.NodeSystem;
import io.openkms.kms.actors.ReplicaLog;
import io.openkms.kms.actors.ReplicationMessages;
import io.openkms.kms.actors.SnapshotMessages;
import io.openkms.kms.actors.proto.UnconfirmedRemoval;
import java.io.NotSerializableException;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import org.apache.pekko.actor.ExtendedActorSystem;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.ActorRefResolver;
import org.apache.pekko.actor.typed.javadsl.Adapter;
import org.apache.pekko.serialization.SerializerWithStringManifest;

/**
 * The serializer of every {@link InternodeMessage} (the clustered actor system binds it, see {@link
 * ClusterSettings#SERIALIZATION}): protobuf messages of {@code
 * kms-actors/src/main/proto/minkms/internode.proto}, identified by the stable string manifests of
 * {@link #MANIFESTS} (never a class name, so classes may be renamed and moved) and by the fixed
 * serializer id {@value #IDENTIFIER}. Actor references travel in Pekko's text form ({@link
 * ActorRefResolver}). Changes and states go through {@link InternodeCodec}.
 *
 * <p>Compatibility: a manifest never changes and never names another message once released; a
 * message's protobuf changes only by adding fields (the rules at the top of {@code
 * internode.proto}). Messages a node of an earlier release sent with Pekko's {@code jackson-cbor}
 * serializer (id 33) are still read, by that serializer (docs/CONTRACTS.md "Internode encoding").
 *
 * <p>Errors: {@link IllegalArgumentException} for an object that is not an internode message or
 * holds a string protobuf cannot carry (Pekko drops the message and logs it); {@link
 * NotSerializableException} {@code unknown internode manifest <m>} or {@code cannot decode <m>:
 * <reason>} when reading.
 */
public final class InternodeSerializer extends SerializerWithStringManifest {

  /** The serializer id in every internode message's envelope. Never change it. */
  public static final int IDENTIFIER = 7373004;

  /** The name the configuration binds ({@code pekko.actor.serializers.minkms-internode}). */
  public static final String NAME = "minkms-internode";

  /** Message class → its manifest. Never change a manifest: other nodes dispatch on it. */
  public static final Map<Class<?>, String> MANIFESTS;

  static {
    Map<Class<?>, String> m = new LinkedHashMap<>();
    m.put(ReplicationMessages.ToReplicaEnvelope.class, "replica.envelope.v1");
    m.put(ReplicationMessages.Promise.class, "replica.promise.v1");
    m.put(ReplicationMessages.Append.class, "replica.append.v1");
    m.put(ReplicationMessages.Fetch.class, "replica.fetch.v1");
    m.put(ReplicationMessages.PromiseGranted.class, "leader.promise-granted.v1");
    m.put(ReplicationMessages.PromiseRejected.class, "leader.promise-rejected.v1");
    m.put(ReplicationMessages.AppendAck.class, "leader.append-ack.v1");
    m.put(ReplicationMessages.AppendRejected.class, "leader.append-rejected.v1");
    m.put(ReplicationMessages.EntriesFetched.class, "leader.entries-fetched.v1");
    m.put(Leader.ClientWrite.class, "leader.client-write.v1");
    m.put(Leader.AddNode.class, "leader.add-node.v1");
    m.put(Leader.WriteResult.class, "leader.write-result.v1");
    m.put(ReplicaLog.Install.class, "replica.install.v1");
    m.put(ReplicaLog.Installed.class, "replica.installed.v1");
    m.put(ReplicaLog.InstallRefused.class, "replica.install-refused.v1");
    m.put(SnapshotMessages.Offer.class, "snapshot.offer.v1");
    m.put(SnapshotMessages.ChunkRequest.class, "snapshot.chunk-request.v1");
    m.put(SnapshotMessages.Chunk.class, "snapshot.chunk.v1");
    m.put(SnapshotMessages.Done.class, "snapshot.done.v1");
    m.put(ReplicaEndpoint.StatusRequest.class, "status.request.v1");
    m.put(ReplicaEndpoint.StatusReply.class, "status.reply.v1");
    MANIFESTS = Collections.unmodifiableMap(m);
  }

  private final ExtendedActorSystem system;
  private volatile ActorRefResolver resolver;

  /** Created by Pekko from {@code pekko.actor.serializers.minkms-internode}. */
  public InternodeSerializer(ExtendedActorSystem system) {
    this.system = system;
  }

  /** {@value #IDENTIFIER}. */
  @Override
  public int identifier() {
    return IDENTIFIER;
  }

  /**
   * The message's manifest ({@link #MANIFESTS}).
   *
   * @throws IllegalArgumentException if {@code o} is not an internode message
   */
  @Override
  public String manifest(Object o) {
    String manifest = MANIFESTS.get(o.getClass());
    if (manifest == null) {
      throw new IllegalArgumentException("not an internode message: " + o.getClass().getName());
    }
    return manifest;
  }

  /**
   * The protobuf bytes of {@code o}.
   *
   * @throws IllegalArgumentException if {@code o} is not an internode message, or a string in it is
   *     not well-formed UTF-16
   */
  @Override
  public byte[] toBinary(Object o) {
    return proto(o).toByteArray();
  }

  /**
   * The message of {@code bytes} and {@code manifest}.
   *
   * @throws NotSerializableException {@code unknown internode manifest <m>} or {@code cannot decode
   *     <m>: <reason>}
   */
  @Override
  public Object fromBinary(byte[] bytes, String manifest) throws NotSerializableException {
    try {
      return message(bytes, manifest);
    } catch (InvalidProtocolBufferException | IllegalArgumentException | NullPointerException e) {
      NotSerializableException error =
          new NotSerializableException("cannot decode " + manifest + ": " + e.getMessage());
      error.initCause(e);
      throw error;
    }
  }

  // ---- encoding ----

  private MessageLite proto(Object o) {
    if (o instanceof ReplicationMessages.ToReplicaEnvelope e) {
      io.openkms.kms.actors.proto.ToReplicaEnvelope.Builder b =
          io.openkms.kms.actors.proto.ToReplicaEnvelope.newBuilder().setReplyTo(ref(e.replyTo()));
      if (e.message() instanceof ReplicationMessages.Promise p) {
        b.setPromise(promise(p));
      } else if (e.message() instanceof ReplicationMessages.Append a) {
        b.setAppend(append(a));
      } else {
        b.setFetch(fetch((ReplicationMessages.Fetch) e.message()));
      }
      return b.build();
    }
    if (o instanceof ReplicationMessages.Promise p) {
      return promise(p);
    }
    if (o instanceof ReplicationMessages.Append a) {
      return append(a);
    }
    if (o instanceof ReplicationMessages.Fetch f) {
      return fetch(f);
    }
    if (o instanceof ReplicationMessages.PromiseGranted g) {
      io.openkms.kms.actors.proto.PromiseGranted.Builder b =
          io.openkms.kms.actors.proto.PromiseGranted.newBuilder()
              .setFrom(g.from())
              .setTerm(g.term())
              .setLastTerm(g.lastTerm())
              .setLastIndex(g.lastIndex())
              .addAllMembers(new TreeSet<>(g.members()))
              .setRemoved(g.removed())
              .addAllEvictedIds(new TreeSet<>(g.evictedIds()));
      new TreeMap<>(g.unconfirmedRemovals())
          .forEach(
              (id, index) ->
                  b.addUnconfirmedRemovals(
                      UnconfirmedRemoval.newBuilder().setNodeId(id).setIndex(index)));
      return b.build();
    }
    if (o instanceof ReplicationMessages.PromiseRejected r) {
      return io.openkms.kms.actors.proto.PromiseRejected.newBuilder()
          .setFrom(r.from())
          .setTerm(r.term())
          .setPromisedTerm(r.promisedTerm())
          .build();
    }
    if (o instanceof ReplicationMessages.AppendAck a) {
      return io.openkms.kms.actors.proto.AppendAck.newBuilder()
          .setFrom(a.from())
          .setTerm(a.term())
          .setLastIndex(a.lastIndex())
          .setCommitIndex(a.commitIndex())
          .build();
    }
    if (o instanceof ReplicationMessages.AppendRejected r) {
      return io.openkms.kms.actors.proto.AppendRejected.newBuilder()
          .setFrom(r.from())
          .setTerm(r.term())
          .setReason(InternodeCodec.s(r.reason()))
          .setPromisedTerm(r.promisedTerm())
          .setLastIndex(r.lastIndex())
          .setLastTerm(r.lastTerm())
          .build();
    }
    if (o instanceof ReplicationMessages.EntriesFetched f) {
      return io.openkms.kms.actors.proto.EntriesFetched.newBuilder()
          .setFrom(f.from())
          .setTerm(f.term())
          .setFromIndex(f.fromIndex())
          .addAllEntries(InternodeCodec.entries(f.entries()))
          .build();
    }
    if (o instanceof Leader.ClientWrite w) {
      return io.openkms.kms.actors.proto.ClientWrite.newBuilder()
          .setChange(InternodeCodec.change(w.change()))
          .setReplyTo(ref(w.replyTo()))
          .build();
    }
    if (o instanceof Leader.AddNode a) {
      return io.openkms.kms.actors.proto.AddNodeRequest.newBuilder()
          .setHost(InternodeCodec.s(a.host()))
          .setReplyTo(ref(a.replyTo()))
          .build();
    }
    if (o instanceof Leader.WriteResult r) {
      return io.openkms.kms.actors.proto.WriteResult.newBuilder()
          .setIndex(r.index())
          .setStatus(r.status())
          .setMessage(InternodeCodec.s(r.message()))
          .build();
    }
    if (o instanceof ReplicaLog.Install i) {
      return io.openkms.kms.actors.proto.Install.newBuilder()
          .setSelfId(i.selfId())
          .setClusterId(InternodeCodec.s(i.clusterId()))
          .setKms(InternodeCodec.state(i.kms()))
          .setLastTerm(i.lastTerm())
          .setLastIndex(i.lastIndex())
          .setLeaderTerm(i.leaderTerm())
          .setLeaderId(i.leaderId())
          .setReplyTo(ref(i.replyTo()))
          .build();
    }
    if (o instanceof ReplicaLog.Installed i) {
      return io.openkms.kms.actors.proto.Installed.newBuilder()
          .setLastIndex(i.lastIndex())
          .setLastTerm(i.lastTerm())
          .build();
    }
    if (o instanceof ReplicaLog.InstallRefused r) {
      return io.openkms.kms.actors.proto.InstallRefused.newBuilder()
          .setLastIndex(r.lastIndex())
          .build();
    }
    if (o instanceof SnapshotMessages.Offer f) {
      return io.openkms.kms.actors.proto.Offer.newBuilder()
          .setTransferId(f.transferId())
          .setSelfId(f.selfId())
          .setClusterId(InternodeCodec.s(f.clusterId()))
          .setLastTerm(f.lastTerm())
          .setLastIndex(f.lastIndex())
          .setLeaderTerm(f.leaderTerm())
          .setLeaderId(f.leaderId())
          .setTotalBytes(f.totalBytes())
          .setChunkBytes(f.chunkBytes())
          .setSha256(ByteString.copyFrom(f.sha256()))
          .setSender(ref(f.sender()))
          .build();
    }
    if (o instanceof SnapshotMessages.ChunkRequest r) {
      return io.openkms.kms.actors.proto.ChunkRequest.newBuilder()
          .setTransferId(r.transferId())
          .setSeq(r.seq())
          .setReceiver(ref(r.receiver()))
          .build();
    }
    if (o instanceof SnapshotMessages.Chunk c) {
      return io.openkms.kms.actors.proto.Chunk.newBuilder()
          .setTransferId(c.transferId())
          .setSeq(c.seq())
          .setData(ByteString.copyFrom(c.data()))
          .build();
    }
    if (o instanceof SnapshotMessages.Done d) {
      return io.openkms.kms.actors.proto.Done.newBuilder()
          .setTransferId(d.transferId())
          .setOutcome(InternodeCodec.s(d.outcome()))
          .setLastIndex(d.lastIndex())
          .setLastTerm(d.lastTerm())
          .setReason(InternodeCodec.s(d.reason()))
          .build();
    }
    if (o instanceof ReplicaEndpoint.StatusRequest r) {
      return io.openkms.kms.actors.proto.StatusRequest.newBuilder()
          .setReplyTo(ref(r.replyTo()))
          .build();
    }
    if (o instanceof ReplicaEndpoint.StatusReply r) {
      return io.openkms.kms.actors.proto.StatusReply.newBuilder()
          .setStatus(status(r.status()))
          .build();
    }
    throw new IllegalArgumentException("not an internode message: " + o.getClass().getName());
  }

  private static io.openkms.kms.actors.proto.Promise promise(ReplicationMessages.Promise p) {
    return io.openkms.kms.actors.proto.Promise.newBuilder()
        .setCandidateId(p.candidateId())
        .setTerm(p.term())
        .build();
  }

  private static io.openkms.kms.actors.proto.Append append(ReplicationMessages.Append a) {
    return io.openkms.kms.actors.proto.Append.newBuilder()
        .setLeaderId(a.leaderId())
        .setTerm(a.term())
        .setPrevIndex(a.prevIndex())
        .setPrevTerm(a.prevTerm())
        .addAllEntries(InternodeCodec.entries(a.entries()))
        .setCommitIndex(a.commitIndex())
        .build();
  }

  private static io.openkms.kms.actors.proto.Fetch fetch(ReplicationMessages.Fetch f) {
    return io.openkms.kms.actors.proto.Fetch.newBuilder()
        .setLeaderId(f.leaderId())
        .setTerm(f.term())
        .setFromIndex(f.fromIndex())
        .setToIndex(f.toIndex())
        .build();
  }

  private static io.openkms.kms.actors.proto.NodeStatus status(KmsNode.NodeStatus s) {
    io.openkms.kms.actors.proto.NodeStatus.Builder b =
        io.openkms.kms.actors.proto.NodeStatus.newBuilder()
            .setId(s.id())
            .setHost(InternodeCodec.s(s.host()))
            .setRole(InternodeCodec.s(s.role()))
            .setLeaderId(s.leaderId())
            .setCommit(s.commit())
            .setUptimeMillis(s.uptimeMillis())
            .setLastHeartbeatMillis(s.lastHeartbeatMillis())
            .addAllNodes(InternodeCodec.members(s.nodes()))
            .setProblem(InternodeCodec.s(s.problem()));
    if (s.removal() != null) {
      b.setRemoval(
          io.openkms.kms.actors.proto.RemovalState.newBuilder()
              .setRemoved(s.removal().removed())
              .addAllUnconfirmedRemovals(new java.util.TreeSet<>(s.removal().unconfirmedRemovals()))
              .addAllEvictedIds(new java.util.TreeSet<>(s.removal().evictedIds())));
    }
    NodeSystem n = s.system();
    if (n != null) {
      b.setSystem(
          io.openkms.kms.actors.proto.NodeSystem.newBuilder()
              .setVersion(InternodeCodec.s(n.version()))
              .setOs(InternodeCodec.s(n.os()))
              .setArch(InternodeCodec.s(n.arch()))
              .setCpus(n.cpus())
              .setHeapInUseBytes(n.heapInUseBytes())
              .setHeartbeatIntervalMillis(n.heartbeatIntervalMillis())
              .setElectionTimeoutMillis(n.electionTimeoutMillis()));
    }
    return b.build();
  }

  // ---- decoding ----

  private Object message(byte[] bytes, String manifest)
      throws InvalidProtocolBufferException, NotSerializableException {
    switch (manifest) {
      case "replica.envelope.v1":
        {
          io.openkms.kms.actors.proto.ToReplicaEnvelope p =
              io.openkms.kms.actors.proto.ToReplicaEnvelope.parseFrom(bytes);
          ReplicationMessages.ToReplica message =
              switch (p.getMessageCase()) {
                case PROMISE -> promise(p.getPromise());
                case APPEND -> append(p.getAppend());
                case FETCH -> fetch(p.getFetch());
                case MESSAGE_NOT_SET ->
                    throw new IllegalArgumentException("an envelope without a message");
              };
          return new ReplicationMessages.ToReplicaEnvelope(message, resolve(p.getReplyTo()));
        }
      case "replica.promise.v1":
        return promise(io.openkms.kms.actors.proto.Promise.parseFrom(bytes));
      case "replica.append.v1":
        return append(io.openkms.kms.actors.proto.Append.parseFrom(bytes));
      case "replica.fetch.v1":
        return fetch(io.openkms.kms.actors.proto.Fetch.parseFrom(bytes));
      case "leader.promise-granted.v1":
        {
          io.openkms.kms.actors.proto.PromiseGranted p =
              io.openkms.kms.actors.proto.PromiseGranted.parseFrom(bytes);
          Map<Integer, Long> unconfirmed = new TreeMap<>();
          for (UnconfirmedRemoval r : p.getUnconfirmedRemovalsList()) {
            unconfirmed.put(r.getNodeId(), r.getIndex());
          }
          return new ReplicationMessages.PromiseGranted(
              p.getFrom(),
              p.getTerm(),
              p.getLastTerm(),
              p.getLastIndex(),
              Set.copyOf(p.getMembersList()),
              p.getRemoved(),
              Set.copyOf(p.getEvictedIdsList()),
              unconfirmed);
        }
      case "leader.promise-rejected.v1":
        {
          io.openkms.kms.actors.proto.PromiseRejected p =
              io.openkms.kms.actors.proto.PromiseRejected.parseFrom(bytes);
          return new ReplicationMessages.PromiseRejected(
              p.getFrom(), p.getTerm(), p.getPromisedTerm());
        }
      case "leader.append-ack.v1":
        {
          io.openkms.kms.actors.proto.AppendAck p =
              io.openkms.kms.actors.proto.AppendAck.parseFrom(bytes);
          return new ReplicationMessages.AppendAck(
              p.getFrom(), p.getTerm(), p.getLastIndex(), p.getCommitIndex());
        }
      case "leader.append-rejected.v1":
        {
          io.openkms.kms.actors.proto.AppendRejected p =
              io.openkms.kms.actors.proto.AppendRejected.parseFrom(bytes);
          return new ReplicationMessages.AppendRejected(
              p.getFrom(),
              p.getTerm(),
              p.getReason(),
              p.getPromisedTerm(),
              p.getLastIndex(),
              p.getLastTerm());
        }
      case "leader.entries-fetched.v1":
        {
          io.openkms.kms.actors.proto.EntriesFetched p =
              io.openkms.kms.actors.proto.EntriesFetched.parseFrom(bytes);
          return new ReplicationMessages.EntriesFetched(
              p.getFrom(),
              p.getTerm(),
              p.getFromIndex(),
              InternodeCodec.fromEntries(p.getEntriesList()));
        }
      case "leader.client-write.v1":
        {
          io.openkms.kms.actors.proto.ClientWrite p =
              io.openkms.kms.actors.proto.ClientWrite.parseFrom(bytes);
          return new Leader.ClientWrite(
              InternodeCodec.change(p.getChange()), resolve(p.getReplyTo()));
        }
      case "leader.add-node.v1":
        {
          io.openkms.kms.actors.proto.AddNodeRequest p =
              io.openkms.kms.actors.proto.AddNodeRequest.parseFrom(bytes);
          return new Leader.AddNode(p.getHost(), resolve(p.getReplyTo()));
        }
      case "leader.write-result.v1":
        {
          io.openkms.kms.actors.proto.WriteResult p =
              io.openkms.kms.actors.proto.WriteResult.parseFrom(bytes);
          return new Leader.WriteResult(p.getIndex(), p.getStatus(), p.getMessage());
        }
      case "replica.install.v1":
        {
          io.openkms.kms.actors.proto.Install p =
              io.openkms.kms.actors.proto.Install.parseFrom(bytes);
          return new ReplicaLog.Install(
              p.getSelfId(),
              p.getClusterId(),
              InternodeCodec.state(p.getKms()),
              p.getLastTerm(),
              p.getLastIndex(),
              p.getLeaderTerm(),
              p.getLeaderId(),
              resolve(p.getReplyTo()));
        }
      case "replica.installed.v1":
        {
          io.openkms.kms.actors.proto.Installed p =
              io.openkms.kms.actors.proto.Installed.parseFrom(bytes);
          return new ReplicaLog.Installed(p.getLastIndex(), p.getLastTerm());
        }
      case "replica.install-refused.v1":
        return new ReplicaLog.InstallRefused(
            io.openkms.kms.actors.proto.InstallRefused.parseFrom(bytes).getLastIndex());
      case "snapshot.offer.v1":
        {
          io.openkms.kms.actors.proto.Offer p = io.openkms.kms.actors.proto.Offer.parseFrom(bytes);
          return new SnapshotMessages.Offer(
              p.getTransferId(),
              p.getSelfId(),
              p.getClusterId(),
              p.getLastTerm(),
              p.getLastIndex(),
              p.getLeaderTerm(),
              p.getLeaderId(),
              p.getTotalBytes(),
              p.getChunkBytes(),
              p.getSha256().toByteArray(),
              resolve(p.getSender()));
        }
      case "snapshot.chunk-request.v1":
        {
          io.openkms.kms.actors.proto.ChunkRequest p =
              io.openkms.kms.actors.proto.ChunkRequest.parseFrom(bytes);
          return new SnapshotMessages.ChunkRequest(
              p.getTransferId(), p.getSeq(), resolve(p.getReceiver()));
        }
      case "snapshot.chunk.v1":
        {
          io.openkms.kms.actors.proto.Chunk p = io.openkms.kms.actors.proto.Chunk.parseFrom(bytes);
          return new SnapshotMessages.Chunk(
              p.getTransferId(), p.getSeq(), p.getData().toByteArray());
        }
      case "snapshot.done.v1":
        {
          io.openkms.kms.actors.proto.Done p = io.openkms.kms.actors.proto.Done.parseFrom(bytes);
          return new SnapshotMessages.Done(
              p.getTransferId(), p.getOutcome(), p.getLastIndex(), p.getLastTerm(), p.getReason());
        }
      case "status.request.v1":
        return new ReplicaEndpoint.StatusRequest(
            resolve(io.openkms.kms.actors.proto.StatusRequest.parseFrom(bytes).getReplyTo()));
      case "status.reply.v1":
        return new ReplicaEndpoint.StatusReply(
            status(io.openkms.kms.actors.proto.StatusReply.parseFrom(bytes).getStatus()));
      default:
        throw new NotSerializableException("unknown internode manifest " + manifest);
    }
  }

  private static ReplicationMessages.Promise promise(io.openkms.kms.actors.proto.Promise p) {
    return new ReplicationMessages.Promise(p.getCandidateId(), p.getTerm());
  }

  private static ReplicationMessages.Append append(io.openkms.kms.actors.proto.Append p) {
    return new ReplicationMessages.Append(
        p.getLeaderId(),
        p.getTerm(),
        p.getPrevIndex(),
        p.getPrevTerm(),
        InternodeCodec.fromEntries(p.getEntriesList()),
        p.getCommitIndex());
  }

  private static ReplicationMessages.Fetch fetch(io.openkms.kms.actors.proto.Fetch p) {
    return new ReplicationMessages.Fetch(
        p.getLeaderId(), p.getTerm(), p.getFromIndex(), p.getToIndex());
  }

  private static KmsNode.NodeStatus status(io.openkms.kms.actors.proto.NodeStatus p) {
    io.openkms.kms.actors.proto.NodeSystem n = p.getSystem();
    return new KmsNode.NodeStatus(
        p.getId(),
        p.getHost(),
        p.getRole(),
        p.getLeaderId(),
        p.getCommit(),
        p.getUptimeMillis(),
        p.getLastHeartbeatMillis(),
        InternodeCodec.members(p.getNodesList()),
        p.hasSystem()
            ? new NodeSystem(
                n.getVersion(),
                n.getOs(),
                n.getArch(),
                n.getCpus(),
                n.getHeapInUseBytes(),
                n.getHeartbeatIntervalMillis(),
                n.getElectionTimeoutMillis())
            : null,
        p.getProblem(),
        p.hasRemoval()
            ? new KmsNode.RemovalState(
                p.getRemoval().getRemoved(),
                java.util.Set.copyOf(p.getRemoval().getUnconfirmedRemovalsList()),
                java.util.Set.copyOf(p.getRemoval().getEvictedIdsList()))
            : null);
  }

  // ---- actor references ----

  private ActorRefResolver resolver() {
    ActorRefResolver r = resolver;
    if (r == null) {
      r = ActorRefResolver.get(Adapter.toTyped(system));
      resolver = r;
    }
    return r;
  }

  private String ref(ActorRef<?> ref) {
    return resolver().toSerializationFormat(ref);
  }

  private <T> ActorRef<T> resolve(String ref) {
    if (ref.isEmpty()) {
      throw new IllegalArgumentException("an actor reference is missing");
    }
    return resolver().resolveActorRef(ref);
  }
}
