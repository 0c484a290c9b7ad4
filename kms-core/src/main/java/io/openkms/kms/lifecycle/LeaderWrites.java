package io.openkms.kms.lifecycle;

import io.openkms.kms.domain.ApiError;
import io.openkms.kms.domain.Change;
import io.openkms.kms.domain.KmsException;
import io.openkms.kms.domain.KmsState;
import io.openkms.kms.domain.Membership;
import io.openkms.kms.domain.Quotas;
import io.openkms.kms.domain.StateSize;
import io.openkms.kms.replication.WriteOutcome;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.SortedSet;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.function.Supplier;

/**
 * The leader's decisions about client writes around its replication machine (docs/ARCHITECTURE.md
 * §3): which writes wait while it takes over, which are refused at once, and which are admitted
 * against its <i>projected</i> state (the committed state plus every entry assigned an index
 * since). Plain Java, no clock of its own: the caller passes its monotonic time in milliseconds.
 *
 * <p>The rules:
 *
 * <ul>
 *   <li><b>Takeover.</b> Until the leader serves ({@link #serve}), a write waits up to the write
 *       timeout ({@code replication: write_timeout}) unless a member is known unreachable: then it
 *       fails at once with 503 {@code cannot commit write: node N (H) is unreachable; …}. A write
 *       that waited too long fails with {@link #takeoverTimeout} (503 {@code … did not acknowledge
 *       within T ms} naming the members that did not promise, or 503 {@code no leader answered}).
 *   <li><b>Admission.</b> A write is prepared ({@link Writes#prepare}), applied to the projected
 *       state (its 4xx — 409 exists, 404 missing, 400 invalid — refuses it), encoded for the log by
 *       the caller (which checks its size on the wire) and admitted by the {@link Quotas} (400
 *       {@code limit exceeded: … (limits: KEY)}). A refused write never gets an index: entries in
 *       the log are never checked again, so every member applies the same ones.
 *   <li><b>Undo.</b> A write that the replication machine refuses at once without assigning an
 *       index ({@link #refusedAtOnce}) is taken out of the projected state again.
 * </ul>
 *
 * @param <W> the caller's handle of a waiting write (the actor's message with its reply address)
 */
public final class LeaderWrites<W> {

  /** Encodes an admitted change as the caller's log command; throws a 4xx to refuse it. */
  @FunctionalInterface
  public interface Encoder<C> {

    /**
     * @param change the prepared change
     * @param before the projected state it applies to
     * @return the log command
     * @throws KmsException when the change cannot be written (e.g. 400 too large for the wire)
     */
    C encode(Change change, KmsState before);
  }

  /**
   * A write admitted against the projected state.
   *
   * @param change the change as assigned (prepared)
   * @param command the caller's log command for it
   * @param before the projected state before it
   * @param beforeBytes {@link StateSize} of {@code before}
   */
  public record Admitted<C>(Change change, C command, KmsState before, long beforeBytes) {}

  private record Waiting<W>(W write, long deadlineMillis) {}

  private final Supplier<Quotas> quotas;
  private final long writeTimeoutMillis;
  private final ArrayDeque<Waiting<W>> waiting = new ArrayDeque<>();
  private final Set<Integer> released = new TreeSet<>();
  private KmsState projected;
  private long projectedBytes;

  /**
   * @param quotas the node's quotas and per-field limits ({@code limits:}), read at every write: a
   *     node's quotas may change while its leader runs ({@code LocalNode.setQuotas})
   * @param writeTimeoutMillis how long a write waits for a taking-over leader (ms)
   */
  public LeaderWrites(Supplier<Quotas> quotas, long writeTimeoutMillis) {
    this.quotas = quotas;
    this.writeTimeoutMillis = writeTimeoutMillis;
  }

  /** With fixed {@code quotas}. */
  public LeaderWrites(Quotas quotas, long writeTimeoutMillis) {
    this(() -> quotas, writeTimeoutMillis);
  }

  /** True once the leader serves (it has a projected state). */
  public boolean serving() {
    return projected != null;
  }

  /** The projected state, or null while the leader does not serve. */
  public KmsState projected() {
    return projected;
  }

  /**
   * The leader serves from {@code committed} (its node's applied state at the commit index).
   *
   * @return the writes that waited, in arrival order, to be admitted now (the queue is emptied)
   */
  public List<W> serve(KmsState committed) {
    projected = committed;
    projectedBytes = StateSize.of(committed);
    return drain();
  }

  /** The leader stopped serving (stepped down, or started a new term): no projected state. */
  public void stop() {
    projected = null;
  }

  /** Empties the queue of waiting writes (the leader stops: they all fail), in arrival order. */
  public List<W> drain() {
    List<W> out = new ArrayList<>();
    waiting.forEach(w -> out.add(w.write()));
    waiting.clear();
    return out;
  }

  /**
   * A write arrives while the leader does not serve: it waits, unless a member is known
   * unreachable.
   *
   * @param write the caller's handle
   * @param nowMillis the caller's monotonic time
   * @param blockers {@link #blockers} now
   * @param hosts node id → host, for the message
   * @return null when it waits; else the error to answer it with at once (503 unreachable)
   */
  public KmsException hold(
      W write, long nowMillis, SortedSet<Integer> blockers, Map<Integer, String> hosts) {
    if (!blockers.isEmpty()) {
      return ApiError.unreachable(blockers, hosts);
    }
    waiting.add(new Waiting<>(write, nowMillis + writeTimeoutMillis));
    return null;
  }

  /** The number of writes waiting for the leader to serve. */
  public int waitingCount() {
    return waiting.size();
  }

  /** Removes and returns the waiting writes whose deadline is at or before {@code nowMillis}. */
  public List<W> expired(long nowMillis) {
    List<W> out = new ArrayList<>();
    for (Iterator<Waiting<W>> it = waiting.iterator(); it.hasNext(); ) {
      Waiting<W> w = it.next();
      if (w.deadlineMillis() <= nowMillis) {
        it.remove();
        out.add(w.write());
      }
    }
    return out;
  }

  /**
   * The members known unreachable now; they block every write (writes need every member).
   *
   * @param ownMembers the members of the node's applied state (used while not serving)
   * @param unreachable the ids the leader cannot reach
   */
  public SortedSet<Integer> blockers(Set<Integer> ownMembers, Set<Integer> unreachable) {
    SortedSet<Integer> members =
        new TreeSet<>(projected != null ? projected.membership().nodes().keySet() : ownMembers);
    members.retainAll(unreachable);
    members.removeAll(released);
    return members;
  }

  /**
   * The removal of a dead leader (issue 12): a leader that takes over needs a promise from every
   * member, so when the member that led before died, no write could commit and {@code minkms rm} of
   * it was refused like any other write (503 unreachable) until {@code minkms edit --rm} on every
   * survivor. Now {@code change}, arriving while this leader takes over, releases the members it
   * removes from the takeover when it is the removal of a member the node that took the {@code rm}
   * could not reach ({@link Change.RemoveNode#withoutAck()}) and that member is the only one
   * unreachable ({@code blockers}). The write then waits for the takeover, which completes with the
   * other members' promises, and commits first; the released member is no blocker from then on.
   *
   * @return the ids released (the caller tells the replication machine: {@code MembershipChanged}),
   *     or empty when {@code change} releases nothing
   */
  public Set<Integer> release(Change change, SortedSet<Integer> blockers) {
    if (change instanceof Change.RemoveNode r
        && r.withoutAck()
        && blockers.equals(Set.of(r.nodeId()))) {
      released.add(r.nodeId());
      return Set.of(r.nodeId());
    }
    return Set.of();
  }

  /**
   * Admits a write against the projected state, which then includes it. Call only while {@link
   * #serving()}.
   *
   * @param change the client's change
   * @param unreachable the member ids the leader cannot reach now
   * @param encoder builds (and size-checks) the log command
   * @return the admitted write (keep it for {@link #refusedAtOnce})
   * @throws KmsException the write's refusal (4xx from the state, the encoder or the quotas)
   * @throws IllegalStateException when the leader does not serve
   */
  public <C> Admitted<C> admit(Change change, Set<Integer> unreachable, Encoder<C> encoder) {
    if (projected == null) {
      throw new IllegalStateException("the leader does not serve");
    }
    KmsState before = projected;
    Change prepared = Writes.prepare(before, change, unreachable);
    KmsState after = before.apply(prepared);
    C command = encoder.encode(prepared, before);
    long afterBytes = quotas.get().admit(before, projectedBytes, prepared, after);
    Admitted<C> admitted = new Admitted<>(prepared, command, before, projectedBytes);
    projected = after;
    projectedBytes = afterBytes;
    return admitted;
  }

  /**
   * The replication machine answered {@code admitted} with {@code outcome} at once: when no index
   * was assigned, the projected state is set back to before it.
   *
   * @return true when it was taken out
   */
  public boolean refusedAtOnce(Admitted<?> admitted, WriteOutcome outcome) {
    boolean notWritten =
        (outcome instanceof WriteOutcome.Unavailable u && u.assignedIndex() == 0)
            || (outcome instanceof WriteOutcome.NoLeader n && n.assignedIndex() == 0);
    if (notWritten && projected != null) {
      projected = admitted.before();
      projectedBytes = admitted.beforeBytes();
    }
    return notWritten;
  }

  /** Members removed out of band ({@code edit --rm}): the projected state forgets them. */
  public void membersRemoved(Set<Integer> ids) {
    if (projected != null) {
      projected = withoutMembers(projected, ids);
    }
  }

  /**
   * The error of a write that waited for the takeover longer than the write timeout: 503 naming the
   * members that did not promise the leader's term (all others if all promised), or 503 {@code no
   * leader answered within T ms} for a single node.
   *
   * @param members the members of the node's applied state
   * @param selfId this node's id
   * @param promised the members that promised the leader's term
   * @param hosts node id → host, for the message
   */
  public KmsException takeoverTimeout(
      Set<Integer> members, int selfId, Set<Integer> promised, Map<Integer, String> hosts) {
    SortedSet<Integer> silent = new TreeSet<>(members);
    silent.removeAll(promised);
    if (silent.isEmpty()) {
      silent = new TreeSet<>(members);
      silent.remove(selfId);
    }
    if (silent.isEmpty()) {
      return ApiError.noLeader(writeTimeoutMillis);
    }
    return ApiError.notAcknowledged(silent, hosts, writeTimeoutMillis);
  }

  /**
   * {@code state} without the members {@code ids} (an out-of-band {@code edit --rm}): same
   * enclaves, identities and commit index; the ids are not reused.
   */
  public static KmsState withoutMembers(KmsState state, Set<Integer> ids) {
    Membership m = state.membership();
    TreeMap<Integer, String> nodes = new TreeMap<>(m.nodes());
    nodes.keySet().removeAll(ids);
    return new KmsState(
        state.enclaves(),
        state.sysAdmins(),
        new Membership(m.clusterId(), nodes, m.nextNodeId()),
        state.commitIndex());
  }
}
