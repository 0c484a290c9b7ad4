package io.openkms.kms.actors;

import io.openkms.kms.domain.Change;
import io.openkms.kms.domain.KmsException;
import io.openkms.kms.domain.KmsState;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.javadsl.AbstractBehavior;
import org.apache.pekko.actor.typed.javadsl.ActorContext;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.actor.typed.javadsl.Receive;
import org.apache.pekko.actor.typed.javadsl.StashBuffer;

/**
 * The write path of a single-node cluster: serializes client writes, validates each against the
 * projected state (the state after every entry it has assigned), assigns {@code (term, index)}
 * and has the node's {@link ReplicaLog} journal it. A client gets its answer only after the entry
 * is applied (ARCHITECTURE §3, write path). A write rejected by the domain (409, 404, 400) never
 * reaches the log.
 *
 * <p>Before serving, the leader takes over: it obtains a promise for a new term from the replica
 * and starts from the replica's last index (ARCHITECTURE §3, terms and takeover).
 */
public final class Leader extends AbstractBehavior<Leader.Command> {

  /** Messages of this actor. */
  public sealed interface Command {}

  /** A client write; replied with a {@link WriteResult}. */
  public record ClientWrite(Change change, ActorRef<WriteResult> replyTo) implements Command {}

  /**
   * The outcome of a write.
   *
   * @param index the committed index, or 0 when {@code error} is set
   * @param error the domain or availability error (status and message for the client)
   */
  public record WriteResult(long index, KmsException error) {
    /** True when the write committed. */
    public boolean ok() {
      return error == null;
    }
  }

  private record Promised(ReplicaLog.PromiseResult result) implements Command {}

  private record Replicated(ReplicaLog.AppendResult result) implements Command {}

  private record Timeout() implements Command {}

  private final ActorContext<Command> ctx;
  private final ActorRef<ReplicaLog.Command> replica;
  private final Duration writeTimeout;
  private final ActorRef<ReplicaLog.AppendResult> appendAdapter;
  private final StashBuffer<Command> stash;
  private final TreeMap<Long, Pending> pending = new TreeMap<>();

  private long term;
  private long nextIndex;
  private KmsState projected;

  private record Pending(ActorRef<WriteResult> replyTo, long deadlineNanos) {}

  private Leader(ActorContext<Command> ctx, StashBuffer<Command> stash,
      ActorRef<ReplicaLog.Command> replica, Duration writeTimeout) {
    super(ctx);
    this.ctx = ctx;
    this.stash = stash;
    this.replica = replica;
    this.writeTimeout = writeTimeout;
    this.appendAdapter = ctx.messageAdapter(ReplicaLog.AppendResult.class, Replicated::new);
  }

  /**
   * Creates the leader of a single-node cluster.
   *
   * @param replica this node's replica log
   * @param writeTimeout how long a write may wait for its acknowledgement before it fails with
   *     503 (default 10 s, ARCHITECTURE §3)
   */
  public static Behavior<Command> create(ActorRef<ReplicaLog.Command> replica,
      Duration writeTimeout) {
    return Behaviors.withStash(10_000, stash -> Behaviors.setup(ctx -> {
      Leader leader = new Leader(ctx, stash, replica, writeTimeout);
      return leader.takingOver();
    }));
  }

  private Behavior<Command> takingOver() {
    ctx.ask(ReplicaState.class, replica, Duration.ofSeconds(30), ReplicaLog.GetState::new,
        (res, err) -> res != null ? new Recovered(res) : new Timeout());
    return Behaviors.receive(Command.class)
        .onMessage(Recovered.class, this::onRecovered)
        .onMessage(Promised.class, this::onPromised)
        .onMessage(Timeout.class, t -> takingOver())
        .onAnyMessage(msg -> {
          stash.stash(msg);
          return Behaviors.same();
        })
        .build();
  }

  private Behavior<Command> onRecovered(Recovered r) {
    projected = r.state().kms();
    nextIndex = r.state().lastIndex() + 1;
    long newTerm = r.state().promisedTerm() + 1;
    ctx.ask(ReplicaLog.PromiseResult.class, replica, Duration.ofSeconds(30),
        ref -> new ReplicaLog.Promise(newTerm, ref),
        (res, err) -> res != null ? new Promised(res) : new Timeout());
    return Behaviors.same();
  }

  private Behavior<Command> onPromised(Promised p) {
    if (!p.result().granted() || p.result().lastIndex() + 1 != nextIndex) {
      return takingOver();
    }
    term = p.result().promisedTerm();
    return stash.unstashAll(this);
  }

  private record Recovered(ReplicaState state) implements Command {}

  /**
   * Gives a new key version the number the projected state expects: the handler that built the
   * change read an older snapshot, and concurrent rotations must not collide.
   */
  static Change rebase(KmsState state, Change change) {
    if (change instanceof Change.AddKeyVersion add) {
      int next = state.key(add.enclave(), add.name()).ring().nextVersion();
      io.openkms.kms.crypto.KeyVersion v = add.version();
      if (v.version() != next) {
        return new Change.AddKeyVersion(add.enclave(), add.name(),
            new io.openkms.kms.crypto.KeyVersion(next, v.type(), v.key(), v.createdAt(),
                v.createdBy()));
      }
    }
    return change;
  }

  @Override
  public Receive<Command> createReceive() {
    return newReceiveBuilder()
        .onMessage(ClientWrite.class, this::onWrite)
        .onMessage(Replicated.class, this::onReplicated)
        .onMessage(Timeout.class, t -> expire())
        .build();
  }

  private Behavior<Command> onWrite(ClientWrite w) {
    KmsState next;
    Change change;
    try {
      change = rebase(projected, w.change());
      next = projected.apply(change);
    } catch (KmsException rejected) {
      w.replyTo().tell(new WriteResult(0, rejected));
      return this;
    }
    projected = next;
    long index = nextIndex++;
    pending.put(index, new Pending(w.replyTo(), System.nanoTime() + writeTimeout.toNanos()));
    replica.tell(new ReplicaLog.Append(term,
        List.of(new ReplicaEvent.EntryAppended(term, index, change)), appendAdapter));
    if (pending.size() == 1) {
      ctx.scheduleOnce(writeTimeout, ctx.getSelf(), new Timeout());
    }
    return this;
  }

  private Behavior<Command> onReplicated(Replicated r) {
    if (r.result() instanceof ReplicaLog.Appended a) {
      Map<Long, Pending> done = pending.headMap(a.lastIndex(), true);
      for (Pending p : done.values()) {
        p.replyTo().tell(new WriteResult(a.lastIndex(), null));
      }
      done.clear();
    }
    return this;
  }

  private Behavior<Command> expire() {
    long now = System.nanoTime();
    List<Long> expired = new ArrayList<>();
    pending.forEach((index, p) -> {
      if (now - p.deadlineNanos() >= 0) {
        p.replyTo().tell(new WriteResult(0, new KmsException(503,
            "cannot commit write: replica did not acknowledge within " + writeTimeout.toMillis()
                + " ms")));
        expired.add(index);
      }
    });
    expired.forEach(pending::remove);
    if (!pending.isEmpty()) {
      ctx.scheduleOnce(writeTimeout, ctx.getSelf(), new Timeout());
    }
    return this;
  }
}
