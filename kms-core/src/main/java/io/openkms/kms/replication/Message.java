package io.openkms.kms.replication;

/**
 * A message between nodes: what {@link Send} carries and what the caller's transport must
 * serialize. Messages may be lost, duplicated or reordered: the machines tolerate all three.
 *
 * <p>On receipt the caller dispatches without casts:
 *
 * <pre>{@code
 * if (message instanceof Message.ToReplica<C> toReplica) {
 *   execute(replica.step(toReplica));
 * } else if (message instanceof Message.ToLeader<C> toLeader && leader != null) {
 *   execute(leader.step(toLeader)); // no leader on this node: drop it
 * }
 * }</pre>
 *
 * @param <C> the replicated command type
 */
public sealed interface Message<C> permits Message.ToReplica, Message.ToLeader {

  /**
   * Leader → replica: {@link ReplicaInput.Promise}, {@link ReplicaInput.Append}, {@link
   * ReplicaInput.FetchEntries}.
   *
   * @param <C> the replicated command type
   */
  sealed interface ToReplica<C> extends Message<C>, ReplicaInput<C>
      permits ReplicaInput.Promise, ReplicaInput.Append, ReplicaInput.FetchEntries {}

  /**
   * Replica → leader: {@link LeaderInput.PromiseGranted}, {@link LeaderInput.PromiseRejected},
   * {@link LeaderInput.AppendAck}, {@link LeaderInput.AppendRejected}, {@link
   * LeaderInput.EntriesFetched}.
   *
   * @param <C> the replicated command type
   */
  sealed interface ToLeader<C> extends Message<C>, LeaderInput<C>
      permits LeaderInput.PromiseGranted,
          LeaderInput.PromiseRejected,
          LeaderInput.AppendAck,
          LeaderInput.AppendRejected,
          LeaderInput.EntriesFetched {}
}
