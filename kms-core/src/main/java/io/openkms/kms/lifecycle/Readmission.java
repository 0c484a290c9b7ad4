package io.openkms.kms.lifecycle;

import io.openkms.kms.domain.ApiError;
import io.openkms.kms.domain.KmsException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeSet;

/**
 * When a leader admits again a member that came back with an empty store under its old {@code
 * --host} (the guide's reset: stop, {@code rm DIR/kms.db}, start), by itself or on {@code minkms
 * add HOST}. Pure: the leader feeds it the clock, the members it cannot reach and the members'
 * answers to {@code GET /v1/rpc/status}; it says whom to probe and what to do.
 *
 * <h2>Rules</h2>
 *
 * <ul>
 *   <li><b>Whom to probe.</b> A member the leader cannot reach for {@link
 *       LifecycleTimeouts#readmissionProbeAfterMillis()} (2 000 ms by default) is probed, then
 *       again every {@link LifecycleTimeouts#readmissionProbeIntervalMillis()} (3 000 ms) while it
 *       stays unreachable (one probe in flight per host). So is a host whose old entry this leader
 *       removed to re-admit it, until it is a member again.
 *   <li><b>What an answer proves</b> ({@link #judge}): the node must prove the cluster's HSM key
 *       over the leader's nonce and be named as the member ({@code --host}). A node that answers
 *       with this cluster's id is the member itself, restarting on its own store: it rejoins by
 *       itself and nothing is done. A fresh node (nothing but its own bootstrap entry) replaces the
 *       old member: its old entry is removed without its acknowledgement (its store is gone) and it
 *       is added as a new node with the state. A node of another cluster that holds writes of its
 *       own (clients wrote to it after its reset, before the leader probed it) is not admitted,
 *       naming how many entries it holds: admitting it would discard them, so only the operator may
 *       (wipe it again). Its old member entry is removed all the same ({@link Evict}): the store
 *       behind that entry is gone for good (another cluster answers under its {@code --host}), and
 *       while the entry stays, every write of the cluster waits for a member that can never
 *       acknowledge (operator trial, issue 12). The leader then probes the host until it is a
 *       member again, so that once the operator wiped it again it is added by itself.
 *   <li><b>Refusals are logged once</b> per host and reason, not on every probe.
 * </ul>
 *
 * Not thread-safe: one leader owns it.
 */
public final class Readmission {

  /**
   * A node's answer to the status probe, as far as re-admission needs it.
   *
   * @param host the node's {@code --host}
   * @param proven true if it proved the cluster's HSM key over the leader's nonce
   * @param clusterId the id of the cluster it belongs to
   * @param fresh true if it holds nothing but its own bootstrap entry
   * @param removed true if it knows it was removed from its cluster
   * @param entries how many log entries it holds
   */
  public record Answer(
      String host, boolean proven, String clusterId, boolean fresh, boolean removed, long entries) {

    /** A node that refused the leader's identity or did not prove the HSM key. */
    public static Answer unproven(String host) {
      return new Answer(host, false, "", false, false, 0);
    }
  }

  /** What to do about a host after its answer. */
  public sealed interface Verdict permits Replace, Add, Wait, Refuse, Evict {}

  /** Replace member {@code oldId} by the fresh node: remove its entry, then add the node. */
  public record Replace(int oldId) implements Verdict {}

  /** Add the fresh node (its old entry is already gone). */
  public record Add() implements Verdict {}

  /** Nothing to do: the member is (re)joining on its own store, or did not answer. */
  public record Wait(String reason) implements Verdict {}

  /**
   * Do not admit it.
   *
   * @param error the error for {@code minkms add}
   * @param log true the first time this host is refused for this reason (log it)
   */
  public record Refuse(KmsException error, boolean log) implements Verdict {}

  /**
   * Do not admit it, but remove its old member entry {@code oldId} (without its acknowledgement:
   * its store is gone), so that the cluster's writes no longer wait for it.
   *
   * @param oldId the member id of its old entry
   * @param error why it is not admitted (409 {@code not a fresh node: it holds N log entries of its
   *     own; …}), for {@code minkms add} and the log
   * @param log true the first time this host is judged so for this reason (log it)
   */
  public record Evict(int oldId, KmsException error, boolean log) implements Verdict {}

  private final LifecycleTimeouts timeouts;
  private final Map<String, Long> unreachableSince = new HashMap<>();
  private final Map<String, Long> probedAt = new HashMap<>();
  private final Set<String> probing = new TreeSet<>();
  private final Set<String> replacing = new TreeSet<>();
  private final Map<String, String> refused = new HashMap<>();

  /**
   * @param timeouts when to probe ({@link LifecycleTimeouts#readmissionProbeAfterMillis()}, {@link
   *     LifecycleTimeouts#readmissionProbeIntervalMillis()})
   */
  public Readmission(LifecycleTimeouts timeouts) {
    this.timeouts = Objects.requireNonNull(timeouts, "timeouts");
  }

  /**
   * The hosts to probe now (each is then {@linkplain #probing in flight} until {@link #judge}).
   *
   * @param nowMillis the clock
   * @param unreachable the members the leader cannot reach now: id → {@code host:port}
   * @param members the hosts that are members now (in the leader's projected state)
   * @return hosts to probe, in order
   */
  public List<String> due(long nowMillis, Map<Integer, String> unreachable, Set<String> members) {
    Set<String> down = new TreeSet<>(unreachable.values());
    unreachableSince.keySet().retainAll(down);
    replacing.removeIf(members::contains); // admitted again
    for (String host : down) {
      unreachableSince.putIfAbsent(host, nowMillis);
    }
    List<String> out = new ArrayList<>();
    Set<String> candidates = new TreeSet<>(down);
    candidates.addAll(replacing);
    for (String host : candidates) {
      boolean longEnough =
          replacing.contains(host)
              || nowMillis - unreachableSince.get(host) >= timeouts.readmissionProbeAfterMillis();
      Long last = probedAt.get(host);
      if (longEnough
          && !probing.contains(host)
          && (last == null || nowMillis - last >= timeouts.readmissionProbeIntervalMillis())) {
        probing.add(host);
        probedAt.put(host, nowMillis);
        out.add(host);
      }
    }
    return out;
  }

  /** True while a probe of {@code host} is in flight. */
  public boolean probing(String host) {
    return probing.contains(host);
  }

  /**
   * Judges {@code host}'s answer (automatic probe or {@code minkms add HOST}).
   *
   * @param host the host probed
   * @param memberId its member id in the leader's projected state, or -1 if it is no member
   * @param clusterId the leader's cluster id
   * @param answer its answer; null if it did not answer
   * @return the verdict
   */
  public Verdict judge(String host, int memberId, String clusterId, Answer answer) {
    probing.remove(host);
    if (answer == null) {
      return new Wait("node " + host + " does not answer");
    }
    if (!answer.proven()) {
      return refuse(host, ApiError.differentHsmKey(host));
    }
    if (!Objects.equals(answer.host(), host)) {
      return refuse(host, ApiError.otherHost(host, answer.host()));
    }
    if (answer.clusterId().equals(clusterId)) {
      refused.remove(host);
      return memberId >= 0
          ? new Wait("node " + host + " is a member on its own store")
          : refuse(host, ApiError.notFresh(host, answer.entries()));
    }
    if (!answer.fresh() || answer.removed()) {
      Refuse refusal = refuse(host, ApiError.notFresh(host, answer.entries()));
      return memberId >= 0 ? new Evict(memberId, refusal.error(), refusal.log()) : refusal;
    }
    refused.remove(host);
    return memberId >= 0 ? new Replace(memberId) : new Add();
  }

  /**
   * The leader removed {@code host}'s old entry to admit it again: it is probed until it is a
   * member again, also after a failed join.
   */
  public void replacing(String host) {
    replacing.add(host);
  }

  /** The hosts being re-admitted (their old entry is gone, they are no member yet). */
  public Set<String> replacing() {
    return Set.copyOf(replacing);
  }

  private Refuse refuse(String host, KmsException error) {
    boolean first = !error.message().equals(refused.put(host, error.message()));
    return new Refuse(error, first);
  }
}
