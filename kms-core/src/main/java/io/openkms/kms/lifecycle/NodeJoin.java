package io.openkms.kms.lifecycle;

import java.util.Objects;
import java.util.Optional;

/**
 * The steps of adding one node, as the leader runs them (docs/ARCHITECTURE.md §3 "Joining"), with
 * their timeouts. Pure: the leader feeds it the clock (monotonic milliseconds) and the outcome of
 * each step, and carries out the step it enters (tell the node to join, install the state, write
 * the addition); the replies to the operator stay with the leader.
 *
 * <h2>Steps</h2>
 *
 * <ol>
 *   <li>{@link Phase#REMOVING_OLD} (re-admission only): the old entry of a member that came back
 *       fresh is removed through the log; then it is added under a new id.
 *   <li>{@link Phase#CHECKING}: the node is checked and told to join.
 *   <li>{@link Phase#WAITING_UP}: until its clustered system is reachable from the leader.
 *   <li>{@link Phase#INSTALLING}: the leader's node's state is installed on it; then the leader
 *       writes its addition and the join is over.
 * </ol>
 *
 * The first three steps together are bounded by {@link LifecycleTimeouts#joinMillis()} (30 000 ms
 * by default) from the request; the install by {@link LifecycleTimeouts#installMillis()} (30 000
 * ms) from its start ({@link #timedOut}). Their sum stays below the API's bound on {@code add}. Not
 * thread-safe: one leader owns it.
 */
public final class NodeJoin {

  /** Where the join stands. */
  public enum Phase {
    /** Removing the old entry of a member that came back fresh. */
    REMOVING_OLD,
    /** Checking the node and telling it to join. */
    CHECKING,
    /** Waiting until the node's clustered system is reachable. */
    WAITING_UP,
    /** Installing the state on it. */
    INSTALLING
  }

  private final String host;
  private final LifecycleTimeouts timeouts;
  private int id;
  private Phase phase;
  private long deadlineMillis;

  private NodeJoin(
      String host, int id, LifecycleTimeouts timeouts, Phase phase, long deadlineMillis) {
    this.host = host;
    this.timeouts = timeouts;
    this.id = id;
    this.phase = phase;
    this.deadlineMillis = deadlineMillis;
  }

  /**
   * Adds a new node: it is checked first.
   *
   * @param host its {@code host:port}
   * @param id the node id it gets
   * @param timeouts its bounds ({@link LifecycleTimeouts#joinMillis()}, {@link
   *     LifecycleTimeouts#installMillis()})
   * @param nowMillis the clock
   * @return the join, in {@link Phase#CHECKING}
   */
  public static NodeJoin add(String host, int id, LifecycleTimeouts timeouts, long nowMillis) {
    Objects.requireNonNull(timeouts, "timeouts");
    return new NodeJoin(host, id, timeouts, Phase.CHECKING, nowMillis + timeouts.joinMillis());
  }

  /**
   * Admits again a member that came back fresh: its old entry is removed first.
   *
   * @param host its {@code host:port}
   * @param timeouts its bounds, as for {@link #add}
   * @param nowMillis the clock
   * @return the join, in {@link Phase#REMOVING_OLD} (no id yet: -1)
   */
  public static NodeJoin replace(String host, LifecycleTimeouts timeouts, long nowMillis) {
    Objects.requireNonNull(timeouts, "timeouts");
    return new NodeJoin(host, -1, timeouts, Phase.REMOVING_OLD, nowMillis + timeouts.joinMillis());
  }

  /** The node's {@code host:port}. */
  public String host() {
    return host;
  }

  /** The node id it gets (-1 while its old entry is being removed). */
  public int id() {
    return id;
  }

  /** True if the join is in {@code phase} (an outcome of another step is stale: ignore it). */
  public boolean in(Phase phase) {
    return this.phase == phase;
  }

  /**
   * The old entry is removed: the node is checked next, under {@code newId}.
   *
   * @throws IllegalStateException unless in {@link Phase#REMOVING_OLD}
   */
  public void oldEntryRemoved(int newId) {
    expect(Phase.REMOVING_OLD);
    id = newId;
    phase = Phase.CHECKING;
  }

  /**
   * The node was checked and told to join: wait until it is reachable.
   *
   * @throws IllegalStateException unless in {@link Phase#CHECKING}
   */
  public void checked() {
    expect(Phase.CHECKING);
    phase = Phase.WAITING_UP;
  }

  /**
   * Whether to start installing the state now: in {@link Phase#WAITING_UP} and the node is
   * reachable. If so the join enters {@link Phase#INSTALLING} and its deadline becomes {@link
   * LifecycleTimeouts#installMillis()} from now.
   *
   * @param reachable true if the leader reaches the node's replica
   * @param nowMillis the clock
   * @return true if the install starts now
   */
  public boolean install(boolean reachable, long nowMillis) {
    if (phase != Phase.WAITING_UP || !reachable) {
      return false;
    }
    phase = Phase.INSTALLING;
    deadlineMillis = nowMillis + timeouts.installMillis();
    return true;
  }

  /**
   * The joining node took a part of the state: the install's deadline restarts, {@link
   * LifecycleTimeouts#installMillis()} from now, or twice that after the last part, which the node
   * then decodes and journals in one write. A state of any size is installed as long as it moves; a
   * transfer that stalls still ends at the bound. Ignored outside {@link Phase#INSTALLING}.
   *
   * @param last true for the last part
   * @param nowMillis the clock
   */
  public void progress(boolean last, long nowMillis) {
    if (phase == Phase.INSTALLING) {
      long bound = (last ? 2 : 1) * timeouts.installMillis();
      deadlineMillis = Math.max(deadlineMillis, nowMillis + bound);
    }
  }

  /** True while the leader must track the node's replica (waiting for it, or installing). */
  public boolean tracked() {
    return phase == Phase.WAITING_UP || phase == Phase.INSTALLING;
  }

  /**
   * Why the join failed by {@code nowMillis}, if its deadline passed.
   *
   * @param nowMillis the clock
   * @return {@code it did not take the cluster's state: no progress within 30000 ms} while
   *     installing, {@code it did not join the cluster within 30000 ms} before (with the default
   *     timeouts); empty before the deadline
   */
  public Optional<String> timedOut(long nowMillis) {
    if (deadlineMillis > nowMillis) {
      return Optional.empty();
    }
    return Optional.of(
        phase == Phase.INSTALLING
            ? "it did not take the cluster's state: no progress within "
                + timeouts.installMillis()
                + " ms"
            : "it did not join the cluster within " + timeouts.joinMillis() + " ms");
  }

  /**
   * Whether a leader of term {@code leaderTerm} may install a state whose last entry has term
   * {@code stateLastTerm}. The joining node promises the leader's term with the state, and a
   * replica never holds an entry of a term above its promise: a newer entry means that a newer
   * leader wrote to this leader's node, so this one is stale and must not install (the joiner could
   * not restore such a state; found by the seeded simulation, seed 10018582).
   *
   * @param stateLastTerm the term of the state's last entry
   * @param leaderTerm the installing leader's term
   * @return true if {@code stateLastTerm <= leaderTerm}
   */
  public static boolean installable(long stateLastTerm, long leaderTerm) {
    return stateLastTerm <= leaderTerm;
  }

  private void expect(Phase expected) {
    if (phase != expected) {
      throw new IllegalStateException("join of " + host + " is " + phase + ", not " + expected);
    }
  }
}
