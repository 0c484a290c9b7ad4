package io.openkms.kms.cluster;

import io.openkms.kms.actors.Leader;
import io.openkms.kms.actors.ReplicaLog;
import java.time.Duration;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.atomic.AtomicReference;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.ActorRefResolver;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.cluster.ClusterEvent;
import org.apache.pekko.cluster.Member;
import org.apache.pekko.cluster.typed.Cluster;
import org.apache.pekko.cluster.typed.Subscribe;

/**
 * Follows the Pekko membership and reachability of the clustered system and tells the leader which
 * KMS nodes it can reach ({@link Leader.PeersChanged}): every member that is Up, not unreachable,
 * and names its KMS host in its role {@code kms-host=<host:port>}, with the actor reference of its
 * {@link ReplicaEndpoint}. Pekko membership only carries messages; it never decides the data
 * (docs/ARCHITECTURE.md §3). It reacts to membership events and re-reads the membership every
 * {@code REFRESH} as well.
 */
final class PeerTracker {

  private PeerTracker() {}

  /** How often the tracker re-reads the membership besides reacting to events. */
  static final Duration REFRESH = Duration.ofMillis(500);

  /** The refresh tick. */
  private static final Object REFRESH_TICK = new Object();

  static Behavior<Object> create(ActorRef<Leader.Command> leader) {
    return Behaviors.setup(
        ctx ->
            Behaviors.withTimers(
                timers -> {
                  Cluster.get(ctx.getSystem())
                      .subscriptions()
                      .tell(
                          Subscribe.create(
                              ctx.getSelf().narrow(), ClusterEvent.ClusterDomainEvent.class));
                  // the read view behind Cluster.state() is updated asynchronously, possibly after
                  // the
                  // event reaches this actor: re-read it regularly so that no change is missed for
                  // long
                  timers.startTimerWithFixedDelay(REFRESH_TICK, REFRESH);
                  Map<String, ActorRef<ReplicaLog.Command>> initial = reachable(ctx.getSystem());
                  leader.tell(new Leader.PeersChanged(initial));
                  AtomicReference<Map<String, ActorRef<ReplicaLog.Command>>> last =
                      new AtomicReference<>(initial);
                  return Behaviors.receive(Object.class)
                      .onAnyMessage(
                          event -> {
                            Map<String, ActorRef<ReplicaLog.Command>> now =
                                reachable(ctx.getSystem());
                            if (!now.equals(last.get())) {
                              last.set(now);
                              leader.tell(new Leader.PeersChanged(now));
                            }
                            return Behaviors.same();
                          })
                      .build();
                }));
  }

  /** KMS host → replica endpoint of every reachable Up member. */
  static Map<String, ActorRef<ReplicaLog.Command>> reachable(ActorSystem<?> system) {
    ActorRefResolver resolver = ActorRefResolver.get(system);
    Map<String, ActorRef<ReplicaLog.Command>> out = new TreeMap<>();
    for (Map.Entry<String, Member> e : PekkoMembers.upMembers(system).entrySet()) {
      out.put(
          e.getKey(),
          resolver.resolveActorRef(
              e.getValue().address().toString() + "/user/" + ReplicaEndpoint.NAME));
    }
    return out;
  }
}
