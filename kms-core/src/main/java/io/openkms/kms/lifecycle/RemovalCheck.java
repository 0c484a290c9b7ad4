package io.openkms.kms.lifecycle;

import java.util.List;
import java.util.Map;
import java.util.OptionalInt;
import java.util.Set;
import java.util.SortedSet;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * Whether a node whose own removal is in doubt may leave on what its members tell it (issue 12,
 * "the cluster never wedges"). Pure: the node ({@code ClusterRuntime}, the simulation) asks every
 * member it knows for its status at an interval, feeds the answers here and, on {@link
 * Verdict#leave()}, confirms its removal to its replica ({@code replication.RemovalConfirmed}),
 * which leaves as on the leader's word ({@code Event.RemovalCommitted}).
 *
 * <p>The leader tells a removed node that its removal committed only after every member that may
 * list the removal as unconfirmed echoed the commit (so that no later takeover waits for the
 * departed node's promise). That word never arrives when the leader that knew the removed node's
 * endpoint is gone (a new leader on another node knows no host for a removed id) or the leader no
 * longer tracks it. This check reaches the same condition from the members' side, mirroring a
 * takeover's rule of whose promise it needs:
 *
 * <ul>
 *   <li><b>Evicted.</b> Any answer that lists this node among its evicted ids ({@code edit --rm})
 *       lets it leave: every takeover ignores it from then on.
 *   <li><b>Required.</b> Otherwise the required answers are those of every member named by an
 *       answering node that is not removed itself, and of every node that any answer lists as an
 *       unconfirmed removal (a takeover would ask those for their promise), less evicted ids and
 *       this node.
 *   <li><b>Leave</b> once at least one answering node that is not removed applied the removal (does
 *       not list this node as a member), every required node answered with its removal state, and
 *       no answer lists this node as a member or as an unconfirmed removal: the removal committed
 *       and no takeover can ask for this node's promise any more.
 *   <li><b>Wait</b> otherwise, naming the nodes that did not answer or still list this node. An
 *       answer without the removal state (from a node of an older version) counts as none.
 * </ul>
 *
 * <p>The other side, {@link #inDoubtEndpoint}: while members still list the removal as unconfirmed,
 * a new leader's takeover needs the removed node's promise, but the replicated membership keeps no
 * host for a removed id. A leader therefore asks the nodes of its clustered system that it knows no
 * id for, and addresses one as the removed node it says it is when its status shows its own removal
 * in doubt.
 */
public final class RemovalCheck {

  /**
   * One node's answer to the in-doubt node's status request.
   *
   * @param known true if it carries the removal state below (false: a node of an older version)
   * @param removed true if the answering node applied its own removal
   * @param members the member ids of its applied state
   * @param unconfirmedRemovals the ids it lists as removed by an entry not known committed
   * @param evictedIds the ids it removed out of band ({@code edit --rm})
   */
  public record Answer(
      boolean known,
      boolean removed,
      Set<Integer> members,
      Set<Integer> unconfirmedRemovals,
      Set<Integer> evictedIds) {

    /** Copies the sets. */
    public Answer {
      members = Set.copyOf(members);
      unconfirmedRemovals = Set.copyOf(unconfirmedRemovals);
      evictedIds = Set.copyOf(evictedIds);
    }
  }

  /**
   * The outcome.
   *
   * @param leave true if the node may leave (its removal is final)
   * @param waitingFor the nodes whose answer is missing or still lists this node (empty on leave)
   * @param reason one line for the log or the node's status
   */
  public record Verdict(boolean leave, SortedSet<Integer> waitingFor, String reason) {}

  /**
   * One node's status as received, before it counts as an {@link Answer} ({@link #answers}).
   *
   * @param id the id the status gives
   * @param host the host the status gives
   * @param nodes the members of its applied state: id → host
   * @param removal its removal state, or null (a node of an older version)
   */
  public record Reported(int id, String host, Map<Integer, String> nodes, Answer removal) {}

  /** An answer that counts as none. */
  static final Answer UNKNOWN = new Answer(false, false, Set.of(), Set.of(), Set.of());

  private RemovalCheck() {}

  /**
   * The answers of one round, by answering node: a status counts only from a node that applied its
   * own removal or that its own state names under the host it gives (a fresh joiner has no id yet,
   * and its id 0 would pose as a member's); an id that answered twice counts as none (two nodes
   * claim it).
   *
   * @param statuses the statuses received in one round
   * @return the answers for {@link #decide}, by node id
   */
  public static Map<Integer, Answer> answers(List<Reported> statuses) {
    Map<Integer, Answer> answers = new TreeMap<>();
    Set<Integer> twice = new TreeSet<>();
    for (Reported r : statuses) {
      Answer a = r.removal();
      boolean named = a != null && (a.removed() || r.host().equals(r.nodes().get(r.id())));
      Answer answer =
          named
              ? new Answer(
                  true, a.removed(), r.nodes().keySet(), a.unconfirmedRemovals(), a.evictedIds())
              : UNKNOWN;
      if (answers.putIfAbsent(r.id(), answer) != null) {
        twice.add(r.id());
      }
    }
    twice.forEach(id -> answers.put(id, UNKNOWN));
    return answers;
  }

  /**
   * The removed node a leader may address at {@code host}, from that node's status: a node that
   * applied its own removal and does not know it committed, answering under the host it was asked
   * at, whose id and host name no member of the leader's node. The leader's machine decides what it
   * gets (a promise request if a takeover needs it, the commit once its witnesses echoed it).
   *
   * @param host the host the leader asked
   * @param answeredId the id in the status
   * @param answeredHost the host in the status
   * @param removed whether the status says the node applied its own removal
   * @param unconfirmedRemovals the ids the status lists as removed and not known committed
   * @param members the member ids and hosts of the leader's node
   * @return the id to address at {@code host}, or empty
   */
  public static OptionalInt inDoubtEndpoint(
      String host,
      int answeredId,
      String answeredHost,
      boolean removed,
      Set<Integer> unconfirmedRemovals,
      Map<Integer, String> members) {
    if (!removed
        || !unconfirmedRemovals.contains(answeredId)
        || !host.equals(answeredHost)
        || members.containsKey(answeredId)
        || members.containsValue(host)) {
      return OptionalInt.empty();
    }
    return OptionalInt.of(answeredId);
  }

  /**
   * Decides whether the in-doubt node may leave.
   *
   * @param selfId the in-doubt node's id
   * @param answers the answers received in one round, by the answering node's id (this node's own
   *     entry, if any, is ignored)
   * @return the verdict, by the rules above
   */
  public static Verdict decide(int selfId, Map<Integer, Answer> answers) {
    TreeSet<Integer> evicted = new TreeSet<>();
    for (Map.Entry<Integer, Answer> e : answers.entrySet()) {
      Answer a = e.getValue();
      if (e.getKey() != selfId && a.known()) {
        if (a.evictedIds().contains(selfId)) {
          return new Verdict(
              true, new TreeSet<>(), "node " + e.getKey() + " removed it out of band (edit --rm)");
        }
        evicted.addAll(a.evictedIds());
      }
    }
    TreeSet<Integer> required = new TreeSet<>();
    TreeSet<Integer> listing = new TreeSet<>();
    boolean applied = false;
    for (Map.Entry<Integer, Answer> e : answers.entrySet()) {
      Answer a = e.getValue();
      if (e.getKey() == selfId || !a.known()) {
        continue;
      }
      if (!a.removed()) {
        required.addAll(a.members());
        if (a.members().contains(selfId)) {
          listing.add(e.getKey());
        } else {
          applied = true;
        }
      }
      required.addAll(a.unconfirmedRemovals());
      if (a.unconfirmedRemovals().contains(selfId)) {
        listing.add(e.getKey());
      }
    }
    required.removeAll(evicted);
    required.remove(selfId);
    TreeSet<Integer> waiting = new TreeSet<>(listing);
    for (int id : required) {
      Answer a = answers.get(id);
      if (a == null || !a.known()) {
        waiting.add(id);
      }
    }
    if (applied && waiting.isEmpty()) {
      return new Verdict(
          true,
          waiting,
          "its removal committed: members " + required + " no longer list it as unconfirmed");
    }
    String reason =
        !applied && listing.isEmpty()
            ? "no member answered"
            : "waiting for members " + waiting + " (no answer, or they still list its removal)";
    return new Verdict(false, waiting, reason);
  }
}
