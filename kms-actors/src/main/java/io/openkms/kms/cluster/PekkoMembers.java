package io.openkms.kms.cluster;

import io.openkms.kms.lifecycle.ClusterWatch;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.cluster.ClusterEvent;
import org.apache.pekko.cluster.Member;
import org.apache.pekko.cluster.MemberStatus;
import org.apache.pekko.cluster.typed.Cluster;

/**
 * Reads of a clustered system's current Pekko membership, in KMS terms: members are named by their
 * {@code kms-host=} role.
 */
final class PekkoMembers {

  private PekkoMembers() {}

  /** The KMS host a member names in its roles, if any. */
  static Optional<String> hostOf(Member member) {
    for (String role : member.getRoles()) {
      if (role.startsWith(ClusterSettings.HOST_ROLE)) {
        return Optional.of(role.substring(ClusterSettings.HOST_ROLE.length()));
      }
    }
    return Optional.empty();
  }

  /** KMS host → member, for every member that is Up and reachable from this node. */
  static Map<String, Member> upMembers(ActorSystem<?> system) {
    ClusterEvent.CurrentClusterState state = Cluster.get(system).state();
    Set<Member> unreachable = state.getUnreachable();
    Map<String, Member> out = new TreeMap<>();
    for (Member m : state.getMembers()) {
      if (m.status() == MemberStatus.up() && !unreachable.contains(m)) {
        hostOf(m).ifPresent(host -> out.put(host, m));
      }
    }
    return out;
  }

  /** This node's view of which members it reaches. */
  static ClusterWatch.View reachability(ActorSystem<?> system) {
    ClusterEvent.CurrentClusterState state = Cluster.get(system).state();
    Set<Member> unreachable = state.getUnreachable();
    int members = 0;
    int reachable = 0;
    List<String> out = new ArrayList<>();
    for (Member m : state.getMembers()) {
      MemberStatus s = m.status();
      if (s == MemberStatus.up()
          || s == MemberStatus.weaklyUp()
          || s == MemberStatus.joining()
          || s == MemberStatus.leaving()) {
        members++;
        if (unreachable.contains(m)) {
          hostOf(m).ifPresent(out::add);
        } else {
          reachable++;
        }
      }
    }
    return new ClusterWatch.View(members, reachable, List.copyOf(out));
  }

  /** True if this node is an Up member. */
  static boolean selfUp(ActorSystem<?> system) {
    return Cluster.get(system).selfMember().status() == MemberStatus.up();
  }

  /** True if this node is a member: joining, weakly up or up. */
  static boolean selfMember(ActorSystem<?> system) {
    MemberStatus s = Cluster.get(system).selfMember().status();
    return s == MemberStatus.up() || s == MemberStatus.weaklyUp() || s == MemberStatus.joining();
  }

  /**
   * The KMS host of the node that hosts the leader singleton: the oldest Up member (the singleton
   * runs on the oldest member, Pekko Cluster Singleton).
   */
  static Optional<String> leaderHost(ActorSystem<?> system) {
    Member oldest = null;
    for (Member m : Cluster.get(system).state().getMembers()) {
      if (m.status() == MemberStatus.up()
          && hostOf(m).isPresent()
          && (oldest == null || m.isOlderThan(oldest))) {
        oldest = m;
      }
    }
    return oldest == null ? Optional.empty() : hostOf(oldest);
  }
}
