package io.openkms.kms.actors;

import io.openkms.kms.actors.ReplicationMessages.ToLeader;
import io.openkms.kms.actors.ReplicationMessages.ToReplicaEnvelope;
import io.openkms.kms.domain.KmsState;
import io.openkms.kms.replication.Entry;
import io.openkms.kms.replication.Event;
import io.openkms.kms.replication.LeaderInput;
import io.openkms.kms.replication.MembershipChanged;
import io.openkms.kms.replication.Message;
import io.openkms.kms.replication.MessageBudget;
import io.openkms.kms.replication.Output;
import io.openkms.kms.replication.Persist;
import io.openkms.kms.replication.RemovalConfirmed;
import io.openkms.kms.replication.ReplicaStateMachine;
import io.openkms.kms.replication.Send;
import io.openkms.kms.replication.SendEntries;
import io.openkms.persistence.JournalWatermark;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Consumer;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.BehaviorInterceptor;
import org.apache.pekko.actor.typed.TypedActorContext;
import org.apache.pekko.actor.typed.javadsl.ActorContext;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.persistence.typed.JournalPersistFailed;
import org.apache.pekko.persistence.typed.JournalPersistRejected;
import org.apache.pekko.persistence.typed.PersistenceId;
import org.apache.pekko.persistence.typed.RecoveryCompleted;
import org.apache.pekko.persistence.typed.RecoveryFailed;
import org.apache.pekko.persistence.typed.SnapshotAdapter;
import org.apache.pekko.persistence.typed.javadsl.CommandHandler;
import org.apache.pekko.persistence.typed.javadsl.Effect;
import org.apache.pekko.persistence.typed.javadsl.EffectBuilder;
import org.apache.pekko.persistence.typed.javadsl.EventHandler;
import org.apache.pekko.persistence.typed.javadsl.EventSourcedBehavior;
import org.apache.pekko.persistence.typed.javadsl.RetentionCriteria;
import org.apache.pekko.persistence.typed.javadsl.SignalHandler;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A node's replica of the replicated log (docs/ARCHITECTURE.md §3): the persistent shell around a
 * {@link ReplicaStateMachine}. It translates and executes; the machine decides. For each input it
 * journals what the machine asks to persist (sealed under the node's REK), applies the entries to
 * the {@link ReplicaState} (the event handler), publishes the new state through {@code onApplied} —
 * which the read path reads without an actor round trip — and only then sends the answers, so that
 * an acknowledgement always means "persisted and applied" (invariant 2).
 *
 * <p>Besides the leader's messages it takes two inputs from outside the log: a snapshot for a
 * joining node ({@link Install}, docs/ARCHITECTURE.md §3 "Joining") and an out-of-band removal
 * ({@link Edit}, {@code minkms edit --rm}).
 *
 * <p><b>Supervision</b> (issue 12): a failed journal write or recovery restarts the actor with
 * backoff ({@link ReplicaMonitor#backoff()}, Pekko's {@code onPersistFailure}); it recovers from
 * its journal, and the leader re-sends what it lacks (an append it answers with an acknowledgement
 * or a {@code GAP}). Any other exception (a rejected event, a bug) restarts it the same way. Every
 * failure, recovery and successful write goes to the node's {@link ReplicaMonitor}, which decides
 * the node's health and the one log line per failure.
 */
public final class ReplicaLog
    extends EventSourcedBehavior<ReplicaLog.Command, ReplicaEvent, ReplicaState> {

  /** The one persistence id of a node's log (each node has its own store). */
  public static final String PERSISTENCE_ID = "minkms-replica-log";

  /** Entries between two snapshots. */
  static final int SNAPSHOT_EVERY = 1000;

  private static final Logger LOG = LoggerFactory.getLogger(ReplicaLog.class);

  /** Messages of this actor (the cluster layer adds its own remote ones). */
  public interface Command {}

  /** Replies with the current {@link ReplicaState}. */
  public record GetState(ActorRef<ReplicaState> replyTo) implements Command {}

  /**
   * Removes {@code removedIds} from this node's cluster definition without a log entry ({@code
   * minkms edit --rm}); replies with the new state once it is journaled.
   */
  public record Edit(Set<Integer> removedIds, ActorRef<ReplicaState> replyTo) implements Command {}

  /**
   * This node's own removal is in doubt and its members showed that it committed ({@code
   * lifecycle.RemovalCheck}, issue 12): the replica confirms it (journaled) and emits {@code
   * Event.RemovalCommitted}, on which the node leaves. Ignored unless the removal is in doubt.
   */
  public record ConfirmRemoval() implements Command {}

  /**
   * Installs the cluster's state on a fresh node that is joining (docs/ARCHITECTURE.md §3
   * "Joining": snapshot, then entries). Refused unless the node is {@link ReplicaState#fresh()
   * fresh}.
   *
   * @param selfId the id the joining node gets
   * @param clusterId the cluster's id (for the log)
   * @param kms the cluster's state at {@code lastIndex}
   * @param lastTerm the term of the entry at {@code lastIndex}
   * @param lastIndex the index the state is at
   * @param leaderTerm the installing leader's term, promised by the install
   * @param leaderId the installing leader's node id
   * @param replyTo gets {@link Installed} or {@link InstallRefused}
   */
  public record Install(
      int selfId,
      String clusterId,
      KmsState kms,
      long lastTerm,
      long lastIndex,
      long leaderTerm,
      int leaderId,
      ActorRef<InstallResult> replyTo)
      implements Command, InternodeMessage {}

  /** The answer to an {@link Install}. */
  public sealed interface InstallResult extends InternodeMessage
      permits Installed, InstallRefused {}

  /** The snapshot is installed: the node's log now ends at {@code lastIndex}. */
  public record Installed(long lastIndex, long lastTerm) implements InstallResult {}

  /** The node is not fresh (it holds more than its bootstrap entry); nothing changed. */
  public record InstallRefused(long lastIndex) implements InstallResult {}

  /** Entries read back from the journal for a fetching leader. */
  private record EntriesRead(
      SendEntries request, List<Entry<LogCommand>> entries, ActorRef<ToLeader> replyTo)
      implements Command {}

  private final ActorContext<Command> ctx;
  private final Consumer<ReplicaState> onApplied;
  private final Consumer<Event> onEvent;
  private final EntryReader reader;
  private final ReplicaMonitor monitor;
  private final int defaultSelfId;
  private final Map<Integer, ActorRef<ToLeader>> leaders = new HashMap<>();
  private final MessageBudget<LogCommand> fetchBudget;
  private final JournalBinding binding;
  private ReplicaStateMachine<LogCommand> machine;

  private ReplicaLog(
      ActorContext<Command> ctx,
      Consumer<ReplicaState> onApplied,
      Consumer<Event> onEvent,
      EntryReader reader,
      ReplicaMonitor monitor,
      int defaultSelfId) {
    super(PersistenceId.ofUniqueId(PERSISTENCE_ID), monitor.backoff());
    this.ctx = ctx;
    this.binding =
        new JournalBinding(PERSISTENCE_ID, JournalWatermark.get(ctx.getSystem())::journaled);
    // onApplied runs after recovery and after every journaled batch: the high-water mark first
    this.onApplied =
        state -> {
          binding.persisted();
          onApplied.accept(state);
        };
    this.onEvent = onEvent;
    this.reader = reader;
    this.monitor = monitor;
    this.defaultSelfId = defaultSelfId;
    WireSize size = WireSize.of(ctx.getSystem());
    this.fetchBudget =
        new MessageBudget<>(
            MessageBudget.MAX_MESSAGE_BYTES, MessageBudget.MAX_MESSAGE_BYTES, size::bytes);
  }

  /**
   * Creates the behavior.
   *
   * @param onApplied called (on the actor's thread) after recovery and after every journaled batch,
   *     with the new state
   * @param onEvent called with the machine's events (e.g. {@link Event.RemovedFromCluster})
   * @param reader reads persisted entries back for a fetching leader
   */
  public static Behavior<Command> create(
      Consumer<ReplicaState> onApplied, Consumer<Event> onEvent, EntryReader reader) {
    return create(onApplied, onEvent, reader, ReplicaMonitor.system());
  }

  /**
   * Creates the supervised behavior (see the class documentation, "Supervision").
   *
   * @param onApplied called (on the actor's thread) after recovery and after every journaled batch,
   *     with the new state
   * @param onEvent called with the machine's events (e.g. {@link Event.RemovedFromCluster})
   * @param reader reads persisted entries back for a fetching leader
   * @param monitor gets every failure, recovery and successful write; outlives restarts
   */
  public static Behavior<Command> create(
      Consumer<ReplicaState> onApplied,
      Consumer<Event> onEvent,
      EntryReader reader,
      ReplicaMonitor monitor) {
    Behavior<Command> log =
        Behaviors.setup(ctx -> new ReplicaLog(ctx, onApplied, onEvent, reader, monitor, 0));
    Behavior<Object> recorded = Behaviors.intercept(() -> new FailureRecorder(monitor), log);
    return Behaviors.supervise(recorded.<Command>narrow())
        .onFailure(RuntimeException.class, monitor.backoff());
  }

  /**
   * Tells the monitor about an exception that escapes the persistent behavior's own journal
   * supervision (a rejected event, a bug) before the outer supervisor restarts it.
   */
  private static final class FailureRecorder extends BehaviorInterceptor<Object, Command> {
    private final ReplicaMonitor monitor;

    FailureRecorder(ReplicaMonitor monitor) {
      super(Object.class); // the journal's answers too: a rejected write fails on one of them
      this.monitor = monitor;
    }

    @Override
    @SuppressWarnings("unchecked")
    public Behavior<Command> aroundReceive(
        TypedActorContext<Object> ctx, Object msg, ReceiveTarget<Command> target) {
      // the persistent behavior takes any message (its journal's answers are not Commands)
      ReceiveTarget<Object> any = (ReceiveTarget<Object>) (ReceiveTarget<?>) target;
      try {
        return (Behavior<Command>) (Behavior<?>) any.apply(ctx, msg);
      } catch (RuntimeException e) {
        monitor.failed("replica log", e);
        throw e;
      }
    }
  }

  @Override
  public ReplicaState emptyState() {
    return ReplicaState.empty();
  }

  @Override
  public RetentionCriteria retentionCriteria() {
    return RetentionCriteria.snapshotEvery(SNAPSHOT_EVERY, 2);
  }

  /** Events journaled with their stable manifest and sequence number ({@link JournalBinding}). */
  @Override
  public org.apache.pekko.persistence.typed.EventAdapter<ReplicaEvent, ?> eventAdapter() {
    return binding.events();
  }

  /** Snapshots journaled with their stable manifest and sequence number. */
  @Override
  public SnapshotAdapter<ReplicaState> snapshotAdapter() {
    return binding.snapshots();
  }

  /**
   * Besides every {@value #SNAPSHOT_EVERY} events, a snapshot after each change that destroys
   * something (a key, an enclave, an identity, a node…): the events before it can then be shredded
   * from the store (issue 13, crypto-shredding; {@code JournalShredder}); and once after an
   * upgrade, so that rows written before stable manifests go too.
   */
  @Override
  public boolean shouldSnapshot(ReplicaState state, ReplicaEvent event, long sequenceNr) {
    return binding.migrateOnce() | JournalShredding.destroys(event);
  }

  @Override
  public SignalHandler<ReplicaState> signalHandler() {
    return newSignalHandlerBuilder()
        .onSignal(
            RecoveryCompleted.instance(),
            state -> {
              binding.recovered(lastSequenceNumber(ctx));
              machine = restore(state);
              monitor.recovered(); // first: onApplied may start the bootstrap write at once
              onApplied.accept(state);
            })
        .onSignal(
            JournalPersistFailed.class, (state, failed) -> monitor.writeFailed(failed.getFailure()))
        .onSignal(
            JournalPersistRejected.class,
            (state, rejected) -> monitor.writeFailed(rejected.getFailure()))
        .onSignal(
            RecoveryFailed.class,
            (state, failed) -> monitor.failed("recovery from the journal", failed.getFailure()))
        .build();
  }

  /** The machine for a state recovered from the journal (ReplicaStateMachine's contract). */
  private ReplicaStateMachine<LogCommand> restore(ReplicaState state) {
    int self = state.kms().membership().initialized() ? state.selfId() : defaultSelfId;
    return new ReplicaStateMachine<>(
        self,
        state.hardState(),
        state.lastTerm(),
        state.lastIndex(),
        state.members(),
        LogCommand.RULE);
  }

  @Override
  public CommandHandler<Command, ReplicaEvent, ReplicaState> commandHandler() {
    return newCommandHandlerBuilder()
        .forAnyState()
        .onCommand(ToReplicaEnvelope.class, this::onLeaderMessage)
        .onCommand(EntriesRead.class, this::onEntriesRead)
        .onCommand(Edit.class, this::onEdit)
        .onCommand(
            ConfirmRemoval.class,
            (state, c) -> execute(machine.step(new RemovalConfirmed<>()), List.of()))
        .onCommand(Install.class, this::onInstall)
        .onCommand(GetState.class, (state, cmd) -> Effect().reply(cmd.replyTo(), state))
        .build();
  }

  private Effect<ReplicaEvent, ReplicaState> onLeaderMessage(
      ReplicaState state, ToReplicaEnvelope envelope) {
    Message.ToReplica<LogCommand> message;
    try {
      message = ReplicationMessages.machine(envelope.message());
    } catch (IllegalArgumentException | NullPointerException malformed) {
      LOG.warn("dropped a malformed replication message: {}", malformed.getMessage());
      return Effect().none();
    }
    int leaderId = leaderOf(envelope.message());
    leaders.put(leaderId, envelope.replyTo());
    return execute(machine.step(message), List.of());
  }

  private static int leaderOf(ReplicationMessages.ToReplica message) {
    if (message instanceof ReplicationMessages.Promise p) {
      return p.candidateId();
    }
    if (message instanceof ReplicationMessages.Append a) {
      return a.leaderId();
    }
    return ((ReplicationMessages.Fetch) message).leaderId();
  }

  /**
   * Executes an output in the package's order: persist (the event handler applies), publish, send,
   * read-and-send entries, events. {@code before} are events to journal first.
   */
  private EffectBuilder<ReplicaEvent, ReplicaState> execute(
      Output<LogCommand> out, List<ReplicaEvent> before) {
    List<ReplicaEvent> events = new ArrayList<>(before);
    for (Persist<LogCommand> p : out.persist()) {
      if (p instanceof Persist.SaveHardState<LogCommand> h) {
        events.add(
            new ReplicaEvent.HardStateSaved(
                h.hardState().promisedTerm(),
                h.hardState().promisedTo(),
                h.hardState().removed(),
                h.hardState().evictedIds(),
                h.hardState().unconfirmedRemovals()));
      } else if (p instanceof Persist.AppendEntries<LogCommand> a) {
        for (Entry<LogCommand> e : a.entries()) {
          events.add(
              new ReplicaEvent.EntryAppended(
                  e.term(), e.index(), e.command().change(), e.command().addedNodeId()));
        }
      }
    }
    EffectBuilder<ReplicaEvent, ReplicaState> effect =
        events.isEmpty() ? Effect().none() : Effect().persist(events);
    long start = System.nanoTime();
    return effect.thenRun(
        state -> {
          if (!events.isEmpty()) {
            long nanos = System.nanoTime() - start;
            onApplied.accept(state);
            monitor.persisted(nanos);
          }
          for (Send<LogCommand> send : out.send()) {
            ActorRef<ToLeader> leader = leaders.get(send.to());
            if (leader != null && send.message() instanceof Message.ToLeader<LogCommand> m) {
              leader.tell(ReplicationMessages.wire(m));
            }
          }
          for (SendEntries request : out.sendEntries()) {
            ActorRef<ToLeader> leader = leaders.get(request.to());
            if (leader != null) {
              ctx.pipeToSelf(
                  reader.read(request.fromIndex(), request.toIndex()),
                  (entries, error) ->
                      new EntriesRead(request, entries != null ? entries : List.of(), leader));
            }
          }
          for (Event event : out.events()) {
            onEvent.accept(event);
          }
        });
  }

  private Effect<ReplicaEvent, ReplicaState> onEntriesRead(ReplicaState state, EntriesRead read) {
    // at most one message's bytes: the leader asks again for the rest (MessageBudget)
    read.replyTo()
        .tell(
            ReplicationMessages.wire(
                new LeaderInput.EntriesFetched<>(
                    machine.selfId(),
                    read.request().term(),
                    read.request().fromIndex(),
                    fetchBudget.prefix(read.entries()))));
    return Effect().none();
  }

  private Effect<ReplicaEvent, ReplicaState> onEdit(ReplicaState state, Edit edit) {
    ReplicaEvent.MembersEdited event =
        new ReplicaEvent.MembersEdited(Set.copyOf(edit.removedIds()));
    Output<LogCommand> out = machine.step(new MembershipChanged<>(edit.removedIds()));
    return execute(out, List.of(event)).thenReply(edit.replyTo(), s -> s);
  }

  private Effect<ReplicaEvent, ReplicaState> onInstall(ReplicaState state, Install install) {
    if (!state.fresh()) {
      return Effect().reply(install.replyTo(), new InstallRefused(state.lastIndex()));
    }
    LOG.info(
        "joining cluster {} as node {}: installing its state at index {}",
        install.clusterId(),
        install.selfId(),
        install.lastIndex());
    ReplicaEvent.SnapshotInstalled event =
        new ReplicaEvent.SnapshotInstalled(
            install.selfId(),
            install.kms(),
            install.lastTerm(),
            install.lastIndex(),
            install.leaderTerm(),
            install.leaderId());
    long start = System.nanoTime();
    return Effect()
        .persist(event)
        .thenRun(
            s -> {
              long nanos = System.nanoTime() - start;
              machine = restore(s);
              onApplied.accept(s);
              monitor.persisted(nanos);
            })
        .thenReply(install.replyTo(), s -> new Installed(s.lastIndex(), s.lastTerm()));
  }

  @Override
  public EventHandler<ReplicaState, ReplicaEvent> eventHandler() {
    return newEventHandlerBuilder().forAnyState().onAnyEvent(ReplicaState::apply);
  }
}
