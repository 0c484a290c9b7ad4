package io.openkms.kms.lifecycle;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeMap;

/**
 * When a node starts, joins, restarts and abandons its clustered actor system (docs/ARCHITECTURE.md
 * §3: "a clustered [actor system] for membership and replication that a supervisor restarts").
 * Pure: the supervisor ({@code ClusterRuntime}) feeds it the clock (epoch milliseconds, always
 * positive), what it observes of the current system (own member status, the members it cannot
 * reach, the answers of other members to {@code GET /v1/rpc/status}) and the system's termination;
 * it returns the {@link Action actions} to carry out, in order.
 *
 * <h2>Rules</h2>
 *
 * <ul>
 *   <li><b>Start.</b> Every start is a new generation; a check follows at once, and the seeds a
 *       leader gave ({@link #joinAs}) are joined first.
 *   <li><b>Join</b> ({@link #check}, {@link #probed}). A node whose cluster definition holds only
 *       itself forms a single-node cluster. Any other node probes its members and joins those that
 *       are in the cluster; when every member answers with this cluster's id and none is in a
 *       cluster, the member with the lowest id forms it. A member that is in the cluster and no
 *       longer lists this node means it was removed ({@link MarkRemoved}). A node whose own removal
 *       is in doubt ({@link Definition#inDoubt}) joins the members in the cluster although they no
 *       longer list it, and never forms one: a leader needs its promise (issue 12).
 *   <li><b>Restart.</b> A join that leaves the node not Up for more than {@link
 *       LifecycleTimeouts#systemJoinMillis()} (30 000 ms by default), or a node that was Up and
 *       stays downed, leaving or removed for longer than that, restarts the system; a system that
 *       terminates by itself is started again after {@link LifecycleTimeouts#restartDelayMillis()}
 *       (2 000 ms). A system that does not terminate within {@link
 *       LifecycleTimeouts#terminateMillis()} (15 000 ms) of being asked to (or of being seen not
 *       Up) is abandoned and a new one started.
 *   <li><b>Stale view</b> ({@link #excludesThisNode}). An Up system that cannot reach some member
 *       for {@link LifecycleTimeouts#unreachableMillis()} (15 000 ms) probes those members, then
 *       again every {@link LifecycleTimeouts#unreachableProbeMillis()} (5 000 ms); if one runs the
 *       cluster without this node, and either this node reaches no majority or that member's side
 *       is a majority, the system is restarted.
 *   <li><b>Removal.</b> A node removed from its cluster leaves once and stays out.
 * </ul>
 *
 * The supervisor looks at the system every {@link LifecycleTimeouts#checkMillis()} (1 000 ms) and
 * bounds one status probe by {@link LifecycleTimeouts#probeTimeoutMillis()} (3 000 ms).
 *
 * <p>Not thread-safe: one supervisor thread feeds it; only {@link #stop} and {@link #left} may be
 * called from any thread.
 */
public final class ClusterWatch {

  /**
   * How this node's system sees the members that are joining, up or leaving.
   *
   * @param members how many there are (this node included)
   * @param reachable how many of them this node reaches (itself included)
   * @param unreachable the KMS hosts ({@code host:port}) of those it cannot reach
   */
  public record View(int members, int reachable, List<String> unreachable) {

    /** True if the members this node reaches are a strict majority. */
    public boolean majority() {
      return 2 * reachable > members;
    }
  }

  /**
   * This node's cluster definition, from its replica's state.
   *
   * @param selfId this node's id
   * @param clusterId the cluster's id
   * @param nodes the members: node id → {@code host:port}
   * @param removed true once this node's removal is final and it leaves ({@code
   *     HardState.mayLeave}): a node whose removal is in doubt stays to answer a new leader (issue
   *     12)
   * @param inDoubt true if this node applied its own removal but does not know that it committed
   *     ({@code HardState.removalInDoubt}, {@link NodeStart.Decision#IN_DOUBT}): it joins the
   *     members although they no longer list it, and never forms a cluster, so that a leader can
   *     get its promise and tell it the commit (issue 12)
   */
  public record Definition(
      int selfId, String clusterId, Map<Integer, String> nodes, boolean removed, boolean inDoubt) {

    /** The definition of a node whose removal is not in doubt. */
    public Definition(int selfId, String clusterId, Map<Integer, String> nodes, boolean removed) {
      this(selfId, clusterId, nodes, removed, false);
    }
  }

  /**
   * Another member's answer to the status probe, as far as joining needs it.
   *
   * @param host its {@code host:port}, as it names itself
   * @param clusterId its cluster's id
   * @param inCluster true if its clustered system is an Up member of a cluster
   * @param removed true if it was removed from its cluster
   * @param memberIds the ids of its cluster definition
   * @param clusterAddress its Pekko address (a seed)
   * @param upHosts the KMS hosts it sees Up and reachable (null from a node that does not say)
   */
  public record Peer(
      String host,
      String clusterId,
      boolean inCluster,
      boolean removed,
      Set<Integer> memberIds,
      String clusterAddress,
      Set<String> upHosts) {}

  /** What the supervisor does. */
  public sealed interface Action {}

  /** Look at system {@code generation} again ({@link #check}) in {@code delayMillis}. */
  public record Check(int generation, long delayMillis) implements Action {}

  /** Join the cluster at these Pekko addresses (log: {@code joining the cluster at SEEDS}). */
  public record JoinSeeds(List<String> seeds) implements Action {}

  /** Join itself, forming a cluster; {@code why} is the log line. */
  public record Form(String why) implements Action {}

  /**
   * Probe every member of {@code others} in iteration order, then call {@link #probed} with the
   * answers in the same order.
   *
   * @param generation the system probed for
   * @param selfId this node's id
   * @param clusterId its cluster id
   * @param others the other members: id → host, in ascending id order
   * @param inDoubt this node's removal is in doubt ({@link Definition#inDoubt}): join a member even
   *     if it no longer lists this node, never form the cluster
   */
  public record ProbeMembers(
      int generation, int selfId, String clusterId, Map<Integer, String> others, boolean inDoubt)
      implements Action {

    /** A probe round of a node whose removal is not in doubt. */
    public ProbeMembers(int generation, int selfId, String clusterId, Map<Integer, String> others) {
      this(generation, selfId, clusterId, others, false);
    }
  }

  /**
   * Probe each of {@code hosts} and hand each answer to {@link #staleViewAnswer}.
   *
   * @param generation the system probed for
   * @param hosts the members it cannot reach
   * @param view the system's view at the time
   * @param clusterId this node's cluster id
   */
  public record ProbeUnreachable(int generation, List<String> hosts, View view, String clusterId)
      implements Action {}

  /** Terminate the current system (log: {@code restarting the cluster system: WHY}). */
  public record Restart(String why) implements Action {}

  /** Call {@link #terminationOverdue} for the current system in {@code delayMillis}. */
  public record AbandonIfStuck(long delayMillis) implements Action {}

  /** Leave the current system behind (it did not terminate), release its port, start a new one. */
  public record Abandon() implements Action {}

  /**
   * The system stopped by itself: start a new one in {@code delayMillis} (log: {@code the cluster
   * system stopped; restarting it in DELAY ms}).
   */
  public record Start(long delayMillis) implements Action {}

  /** This node was removed: leave the Pekko cluster (log once). */
  public record Leave() implements Action {}

  /**
   * {@code host}, in the cluster, no longer lists this node: mark the node's replica removed (log
   * it) and do not join.
   */
  public record MarkRemoved(String host) implements Action {}

  private final String selfHost;
  private final LifecycleTimeouts timeouts;
  private volatile boolean stopping;
  private volatile boolean left;
  private int generation;
  private List<String> forcedSeeds;
  private long joinRequestedAt;
  private long notUpSince;
  private boolean wasUp;
  private long unreachableSince;
  private long unreachableProbedAt;

  /**
   * @param selfHost this node's {@code host:port} ({@code --host})
   * @param timeouts the supervisor's delays and bounds ({@link LifecycleTimeouts#DEFAULTS} in the
   *     product)
   */
  public ClusterWatch(String selfHost, LifecycleTimeouts timeouts) {
    this.selfHost = selfHost;
    this.timeouts = Objects.requireNonNull(timeouts, "timeouts");
  }

  /** The timeouts this watch runs with. */
  public LifecycleTimeouts timeouts() {
    return timeouts;
  }

  /** The node is shutting down: nothing starts or restarts any more (any thread). */
  public void stop() {
    stopping = true;
  }

  /** True once this node left its cluster for good (any thread). */
  public boolean left() {
    return left;
  }

  /** True if {@code gen} is the latest generation. */
  public boolean latest(int gen) {
    return gen == generation;
  }

  /**
   * A new system is about to be created.
   *
   * @return its generation, or -1 if the node is stopping (create none)
   */
  public int nextGeneration() {
    return stopping ? -1 : ++generation;
  }

  /**
   * System {@code gen} was created: the watch starts afresh.
   *
   * @return the seeds a leader gave, if any, then a check at once
   */
  public List<Action> started(int gen, long nowMillis) {
    joinRequestedAt = 0;
    notUpSince = 0;
    wasUp = false;
    unreachableSince = 0;
    unreachableProbedAt = 0;
    List<Action> out = new ArrayList<>();
    List<String> seeds = forcedSeeds;
    forcedSeeds = null;
    if (seeds != null) {
      out.add(joinSeeds(seeds, nowMillis));
    }
    out.add(new Check(gen, 0));
    return out;
  }

  /**
   * Looks at system {@code gen}: joins it when needed, restarts it when it is stuck.
   *
   * @param gen the current system (the shell checks only the current one)
   * @param nowMillis the clock
   * @param status this node's member status (Pekko's name, for the log)
   * @param up true if that status is Up or WeaklyUp
   * @param view the system's reachability view (read when {@code up})
   * @param definition this node's cluster definition (read when it must join)
   * @return the actions; a {@link Check} unless the system is restarted or no longer watched
   */
  public List<Action> check(
      int gen, long nowMillis, String status, boolean up, View view, Definition definition) {
    List<Action> out = new ArrayList<>();
    if (stopping || left) {
      return out;
    }
    if (up) {
      wasUp = true;
      joinRequestedAt = 0;
      notUpSince = 0;
      watchUnreachable(gen, nowMillis, view, definition.clusterId(), out);
    } else if (wasUp) {
      // downed, leaving or removed: Pekko normally terminates the system; if not, restart it
      if (notUpSince == 0) {
        notUpSince = nowMillis;
        out.add(new AbandonIfStuck(timeouts.terminateMillis()));
      } else if (nowMillis - notUpSince > timeouts.systemJoinMillis()) {
        return restart("this node is " + status, out);
      }
    } else if (joinRequestedAt > 0) {
      if (nowMillis - joinRequestedAt > timeouts.systemJoinMillis()) {
        return restart("not up " + timeouts.systemJoinMillis() + " ms after joining", out);
      }
    } else {
      bootstrap(gen, nowMillis, definition, out);
    }
    out.add(new Check(gen, timeouts.checkMillis()));
    return out;
  }

  private void watchUnreachable(
      int gen, long nowMillis, View view, String clusterId, List<Action> out) {
    if (view.unreachable().isEmpty()) {
      unreachableSince = 0;
      return;
    }
    if (unreachableSince == 0) {
      unreachableSince = nowMillis;
    }
    if (nowMillis - unreachableSince < timeouts.unreachableMillis()
        || nowMillis - unreachableProbedAt < timeouts.unreachableProbeMillis()) {
      return;
    }
    unreachableProbedAt = nowMillis;
    out.add(new ProbeUnreachable(gen, List.copyOf(view.unreachable()), view, clusterId));
  }

  /**
   * One member's answer to a stale-view probe.
   *
   * @param round the probe round
   * @param host the member probed
   * @param current true if the probed system is still the current one
   * @param answer its answer
   * @return a restart if {@code host} runs the cluster without this node ({@link
   *     #excludesThisNode}), else nothing
   */
  public List<Action> staleViewAnswer(
      ProbeUnreachable round, String host, boolean current, Peer answer) {
    List<Action> out = new ArrayList<>();
    if (excludesThisNode(answer, round.clusterId(), selfHost, round.view())
        && current
        && !stopping
        && !left) {
      restart(
          host
              + " runs the cluster with "
              + answer.upHosts()
              + ", without this node, which cannot reach it",
          out);
    }
    return out;
  }

  /**
   * True if {@code r}, the answer of a member this node cannot reach, shows that its side of
   * cluster {@code clusterId} has moved on without {@code selfHost}: it is Up in that cluster,
   * reaches no {@code selfHost}, and either this node reaches no majority of the members in {@code
   * view} or that member's side is a majority of them.
   */
  public static boolean excludesThisNode(Peer r, String clusterId, String selfHost, View view) {
    return r.clusterId().equals(clusterId)
        && r.inCluster()
        && r.upHosts() != null
        && !r.upHosts().contains(selfHost)
        && (!view.majority() || 2 * r.upHosts().size() > view.members());
  }

  private void bootstrap(int gen, long nowMillis, Definition s, List<Action> out) {
    if (s.removed()) {
      out.addAll(removed());
      return;
    }
    Map<Integer, String> others = new TreeMap<>(s.nodes());
    others.remove(s.selfId());
    if (s.inDoubt()) {
      // removal in doubt: it is no longer listed, but the members need its promise (issue 12)
      if (!others.isEmpty()) {
        joinRequestedAt = nowMillis;
        out.add(new ProbeMembers(gen, s.selfId(), s.clusterId(), others, true));
      }
      return;
    }
    if (others.isEmpty()) {
      out.add(form("forming a single-node cluster", nowMillis));
      return;
    }
    joinRequestedAt = nowMillis; // no second probe round while this one runs
    out.add(new ProbeMembers(gen, s.selfId(), s.clusterId(), others));
  }

  /**
   * The members' answers to a join probe: whom to join, or whether to form the cluster.
   *
   * @param round the probe round
   * @param current true if the probed system is still the current one
   * @param selfUp true if this node became Up meanwhile
   * @param nowMillis the clock
   * @param answers one per member of {@code round.others()}, in order; null: no answer
   * @return the join, the formation, a removal, or nothing
   */
  public List<Action> probed(
      ProbeMembers round, boolean current, boolean selfUp, long nowMillis, List<Peer> answers) {
    joinRequestedAt = 0;
    List<Action> out = new ArrayList<>();
    if (!current || stopping || left || selfUp) {
      return out;
    }
    List<String> seeds = new ArrayList<>();
    int answered = 0;
    for (Peer r : answers) {
      if (r == null || !r.clusterId().equals(round.clusterId())) {
        continue;
      }
      answered++;
      if (r.inCluster() && !r.removed()) {
        if (!r.memberIds().contains(round.selfId()) && !round.inDoubt()) {
          out.add(new MarkRemoved(r.host()));
          return out;
        }
        seeds.add(r.clusterAddress());
      }
    }
    if (!seeds.isEmpty()) {
      out.add(joinSeeds(seeds, nowMillis));
      return out;
    }
    int lowest = Math.min(round.selfId(), round.others().keySet().iterator().next());
    if (!round.inDoubt() && answered == round.others().size() && lowest == round.selfId()) {
      out.add(
          form(
              "every member answered and none is in a cluster: forming it as node "
                  + round.selfId(),
              nowMillis));
    }
    return out;
  }

  /**
   * The system of generation {@code gen} terminated.
   *
   * @return a {@link Start} after the restart delay, unless the node stops, left, or already moved
   *     on to a newer system
   */
  public List<Action> terminated(int gen) {
    if (stopping || left || gen != generation) {
      return List.of();
    }
    return List.of(new Start(timeouts.restartDelayMillis()));
  }

  /**
   * {@link LifecycleTimeouts#terminateMillis()} after a system was asked to terminate (or seen not
   * Up).
   *
   * @param terminated true if it terminated meanwhile
   * @param current true if it is still the current system
   * @return {@link Abandon} if it is stuck, else nothing
   */
  public List<Action> terminationOverdue(boolean terminated, boolean current) {
    if (terminated || !current || stopping || left) {
      return List.of();
    }
    generation++; // its late termination must not start yet another system
    return List.of(new Abandon());
  }

  /**
   * A leader told this fresh node to join {@code seeds}: the next system joins them.
   *
   * @param hasCurrent true if a system runs now
   * @return the generation whose termination starts the next system (compare with {@link #latest});
   *     0: start it now
   */
  public int joinAs(List<String> seeds, boolean hasCurrent) {
    forcedSeeds = List.copyOf(seeds);
    if (!hasCurrent) {
      return 0;
    }
    return ++generation; // the old system's termination must not start another one
  }

  /**
   * The old system was asked to terminate for a join ({@link #joinAs}): if it hangs (Artery's
   * shutdown, CoordinatedShutdown's 10 s phase timeout), it is abandoned as a restarted one is, so
   * that the joining system starts; before, nothing bounded it and the join missed its bound
   * (MemberRecoveryTest, "did not join the cluster within 20000 ms").
   *
   * @return {@link AbandonIfStuck} after {@link LifecycleTimeouts#terminateMillis()}
   */
  public List<Action> joinTerminating() {
    return List.of(new AbandonIfStuck(timeouts.terminateMillis()));
  }

  /**
   * This node was removed from its cluster.
   *
   * @return {@link Leave} the first time, then nothing
   */
  public List<Action> removed() {
    if (left) {
      return List.of();
    }
    left = true;
    return List.of(new Leave());
  }

  private List<Action> restart(String why, List<Action> out) {
    out.add(new Restart(why));
    out.add(new AbandonIfStuck(timeouts.terminateMillis()));
    return out;
  }

  private JoinSeeds joinSeeds(List<String> seeds, long nowMillis) {
    joinRequestedAt = nowMillis;
    return new JoinSeeds(List.copyOf(seeds));
  }

  private Form form(String why, long nowMillis) {
    joinRequestedAt = nowMillis;
    return new Form(why);
  }
}
