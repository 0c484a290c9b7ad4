package io.openkms.kms.lifecycle;

import io.openkms.kms.domain.ApiError;
import io.openkms.kms.domain.KmsException;
import java.util.Map;
import java.util.OptionalInt;
import java.util.Set;
import java.util.SortedSet;
import java.util.TreeSet;

/**
 * What the leader does with an operator's {@code minkms add HOST} ({@code CLUSTER:ADDNODE},
 * docs/ARCHITECTURE.md §3 "Joining"), decided from its view at that moment. Plain Java, no state.
 *
 * <p>The rules, in order:
 *
 * <ol>
 *   <li>A node that applied its own removal adds nobody: 4xx {@code NOT_PART_OF_CLUSTER}.
 *   <li>The host is being added (or re-admitted) already: the request waits for that join's outcome
 *       ({@link Attach}).
 *   <li>A member other than {@code HOST} is unreachable: 503 {@code cannot commit write: node N (H)
 *       is unreachable; …} (the addition is a write, and writes need every member). {@code HOST}
 *       itself does not block: a member that came back fresh is replaced.
 *   <li>The leader does not serve yet: 503 {@code LEADER_GONE}.
 *   <li>Another node is being added: 409 {@code JOIN_IN_PROGRESS}.
 *   <li>{@code HOST} is a reachable member: 409 {@code node HOST is already a member}; an
 *       unreachable one is asked whether it came back fresh ({@link Probe}, then {@link
 *       Readmission}).
 *   <li>Otherwise the join starts ({@link Start}).
 * </ol>
 */
public final class AddNodeRequest {

  private AddNodeRequest() {}

  /** The leader's answer to an add. */
  public sealed interface Verdict permits Attach, Refuse, Probe, Start {}

  /** Wait for the join of the same host that is under way. */
  public record Attach() implements Verdict {}

  /** Answer the operator with {@code error}. */
  public record Refuse(KmsException error) implements Verdict {}

  /** Probe the unreachable member {@code host}: if it came back fresh, it replaces its entry. */
  public record Probe() implements Verdict {}

  /** Start adding the host as a new node. */
  public record Start() implements Verdict {}

  /**
   * Decides.
   *
   * @param host the node to add ({@code host:port})
   * @param removed true when the leader's node applied its own removal
   * @param joining the host of the join under way, or null
   * @param member {@code host}'s id if it is a member of the projected state (empty while the
   *     leader does not serve)
   * @param blockers the members known unreachable now
   * @param hosts node id → host, for messages
   * @param serving true when the leader serves writes
   * @return the verdict
   */
  public static Verdict decide(
      String host,
      boolean removed,
      String joining,
      OptionalInt member,
      Set<Integer> blockers,
      Map<Integer, String> hosts,
      boolean serving) {
    if (removed) {
      return new Refuse(ApiError.NOT_PART_OF_CLUSTER.exception());
    }
    if (host.equals(joining)) {
      return new Attach();
    }
    SortedSet<Integer> others = new TreeSet<>(blockers);
    member.ifPresent(others::remove);
    if (!others.isEmpty()) {
      return new Refuse(ApiError.unreachable(others, hosts));
    }
    if (!serving) {
      return new Refuse(ApiError.LEADER_GONE.exception());
    }
    if (joining != null) {
      return new Refuse(ApiError.JOIN_IN_PROGRESS.exception());
    }
    if (member.isPresent()) {
      return blockers.contains(member.getAsInt())
          ? new Probe()
          : new Refuse(ApiError.nodeExists(host));
    }
    return new Start();
  }
}
