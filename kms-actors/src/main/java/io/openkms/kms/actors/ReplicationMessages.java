package io.openkms.kms.actors;

import com.fasterxml.jackson.annotation.JsonSubTypes;
import com.fasterxml.jackson.annotation.JsonTypeInfo;
import io.openkms.kms.domain.Change;
import io.openkms.kms.replication.Entry;
import io.openkms.kms.replication.LeaderInput;
import io.openkms.kms.replication.Message;
import io.openkms.kms.replication.ReplicaInput;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import org.apache.pekko.actor.typed.ActorRef;

/**
 * The wire form of the replication machines' messages ({@link Message}): concrete records without
 * generic type information that {@code io.openkms.kms.cluster.InternodeSerializer} encodes as the
 * protobuf messages of {@code internode.proto} (and Jackson CBOR read, as releases before it sent
 * them), and the conversions both ways. The leader and the replicas translate at their edges; the
 * rules stay in {@code io.openkms.kms.replication}.
 */
public final class ReplicationMessages {

  private ReplicationMessages() {}

  /** A log entry on the wire ({@link Entry} of a {@link LogCommand}). */
  public record WireEntry(long term, long index, Change change, int addedNodeId) {

    /** The machine's entry. */
    public Entry<LogCommand> toEntry() {
      return new Entry<>(term, index, new LogCommand(change, addedNodeId));
    }

    /** The wire form of {@code entry}. */
    public static WireEntry of(Entry<LogCommand> entry) {
      return new WireEntry(
          entry.term(), entry.index(), entry.command().change(), entry.command().addedNodeId());
    }
  }

  /** Leader → replica (polymorphic inside {@link ToReplicaEnvelope}). */
  @JsonTypeInfo(use = JsonTypeInfo.Id.NAME, property = "t")
  @JsonSubTypes({
    @JsonSubTypes.Type(value = Promise.class, name = "promise"),
    @JsonSubTypes.Type(value = Append.class, name = "append"),
    @JsonSubTypes.Type(value = Fetch.class, name = "fetch")
  })
  public sealed interface ToReplica extends InternodeMessage permits Promise, Append, Fetch {}

  /** Replica → leader; also a {@link Leader.Command}. */
  public sealed interface ToLeader extends InternodeMessage, Leader.Command
      permits PromiseGranted, PromiseRejected, AppendAck, AppendRejected, EntriesFetched {}

  /**
   * A leader message and where the replica answers (the leader actor, local or remote).
   *
   * @param message the message
   * @param replyTo the leader that sent it
   */
  public record ToReplicaEnvelope(ToReplica message, ActorRef<ToLeader> replyTo)
      implements InternodeMessage, ReplicaLog.Command {}

  /** {@link ReplicaInput.Promise}. */
  public record Promise(int candidateId, long term) implements ToReplica {}

  /** {@link ReplicaInput.Append}. */
  public record Append(
      int leaderId,
      long term,
      long prevIndex,
      long prevTerm,
      List<WireEntry> entries,
      long commitIndex)
      implements ToReplica {}

  /** {@link ReplicaInput.FetchEntries}. */
  public record Fetch(int leaderId, long term, long fromIndex, long toIndex) implements ToReplica {}

  /** {@link LeaderInput.PromiseGranted}. */
  public record PromiseGranted(
      int from,
      long term,
      long lastTerm,
      long lastIndex,
      Set<Integer> members,
      boolean removed,
      Set<Integer> evictedIds,
      Map<Integer, Long> unconfirmedRemovals)
      implements ToLeader {}

  /** {@link LeaderInput.PromiseRejected}. */
  public record PromiseRejected(int from, long term, long promisedTerm) implements ToLeader {}

  /**
   * {@link LeaderInput.AppendAck}; {@code commitIndex} is the commit index the replica acted on (0
   * from an older sender).
   */
  public record AppendAck(int from, long term, long lastIndex, long commitIndex)
      implements ToLeader {

    /** An acknowledgement that echoes no commit index. */
    public AppendAck(int from, long term, long lastIndex) {
      this(from, term, lastIndex, 0);
    }
  }

  /** {@link LeaderInput.AppendRejected}; {@code reason} is the enum constant's name. */
  public record AppendRejected(
      int from, long term, String reason, long promisedTerm, long lastIndex, long lastTerm)
      implements ToLeader {}

  /** {@link LeaderInput.EntriesFetched}. */
  public record EntriesFetched(int from, long term, long fromIndex, List<WireEntry> entries)
      implements ToLeader {}

  /** The wire form of a leader's message. */
  public static ToReplica wire(Message.ToReplica<LogCommand> message) {
    if (message instanceof ReplicaInput.Promise<LogCommand> p) {
      return new Promise(p.candidateId(), p.term());
    }
    if (message instanceof ReplicaInput.Append<LogCommand> a) {
      return new Append(
          a.leaderId(), a.term(), a.prevIndex(), a.prevTerm(), wire(a.entries()), a.commitIndex());
    }
    ReplicaInput.FetchEntries<LogCommand> f = (ReplicaInput.FetchEntries<LogCommand>) message;
    return new Fetch(f.leaderId(), f.term(), f.fromIndex(), f.toIndex());
  }

  /**
   * The machine form of a leader's message.
   *
   * @throws IllegalArgumentException if the message is malformed (the machines' validation)
   */
  public static Message.ToReplica<LogCommand> machine(ToReplica message) {
    if (message instanceof Promise p) {
      return new ReplicaInput.Promise<>(p.candidateId(), p.term());
    }
    if (message instanceof Append a) {
      return new ReplicaInput.Append<>(
          a.leaderId(),
          a.term(),
          a.prevIndex(),
          a.prevTerm(),
          entries(a.entries()),
          a.commitIndex());
    }
    Fetch f = (Fetch) message;
    return new ReplicaInput.FetchEntries<>(f.leaderId(), f.term(), f.fromIndex(), f.toIndex());
  }

  /** The wire form of a replica's message. */
  public static ToLeader wire(Message.ToLeader<LogCommand> message) {
    if (message instanceof LeaderInput.PromiseGranted<LogCommand> g) {
      return new PromiseGranted(
          g.from(),
          g.term(),
          g.lastTerm(),
          g.lastIndex(),
          new TreeSet<>(g.members()),
          g.removed(),
          new TreeSet<>(g.evictedIds()),
          new TreeMap<>(g.unconfirmedRemovals()));
    }
    if (message instanceof LeaderInput.PromiseRejected<LogCommand> r) {
      return new PromiseRejected(r.from(), r.term(), r.promisedTerm());
    }
    if (message instanceof LeaderInput.AppendAck<LogCommand> a) {
      return new AppendAck(a.from(), a.term(), a.lastIndex(), a.commitIndex());
    }
    if (message instanceof LeaderInput.AppendRejected<LogCommand> r) {
      return new AppendRejected(
          r.from(), r.term(), r.reason().name(), r.promisedTerm(), r.lastIndex(), r.lastTerm());
    }
    LeaderInput.EntriesFetched<LogCommand> f = (LeaderInput.EntriesFetched<LogCommand>) message;
    return new EntriesFetched(f.from(), f.term(), f.fromIndex(), wire(f.entries()));
  }

  /**
   * The machine form of a replica's message.
   *
   * @throws IllegalArgumentException if the message is malformed
   */
  public static Message.ToLeader<LogCommand> machine(ToLeader message) {
    if (message instanceof PromiseGranted g) {
      return new LeaderInput.PromiseGranted<>(
          g.from(),
          g.term(),
          g.lastTerm(),
          g.lastIndex(),
          g.members() == null ? Set.of() : g.members(),
          g.removed(),
          g.evictedIds() == null ? Set.of() : g.evictedIds(),
          g.unconfirmedRemovals() == null ? Map.of() : g.unconfirmedRemovals());
    }
    if (message instanceof PromiseRejected r) {
      return new LeaderInput.PromiseRejected<>(r.from(), r.term(), r.promisedTerm());
    }
    if (message instanceof AppendAck a) {
      return new LeaderInput.AppendAck<>(a.from(), a.term(), a.lastIndex(), a.commitIndex());
    }
    if (message instanceof AppendRejected r) {
      return new LeaderInput.AppendRejected<>(
          r.from(),
          r.term(),
          LeaderInput.AppendRejected.Reason.valueOf(r.reason()),
          r.promisedTerm(),
          r.lastIndex(),
          r.lastTerm());
    }
    EntriesFetched f = (EntriesFetched) message;
    return new LeaderInput.EntriesFetched<>(
        f.from(), f.term(), f.fromIndex(), entries(f.entries()));
  }

  /** The wire form of entries. */
  public static List<WireEntry> wire(List<Entry<LogCommand>> entries) {
    List<WireEntry> out = new ArrayList<>(entries.size());
    for (Entry<LogCommand> e : entries) {
      out.add(WireEntry.of(e));
    }
    return out;
  }

  private static List<Entry<LogCommand>> entries(List<WireEntry> entries) {
    List<Entry<LogCommand>> out = new ArrayList<>();
    if (entries != null) {
      for (WireEntry e : entries) {
        out.add(e.toEntry());
      }
    }
    return out;
  }
}
