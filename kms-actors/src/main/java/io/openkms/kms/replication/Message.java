package io.openkms.kms.replication;

/**
 * A message between nodes: what {@link Send} carries and what the caller's transport must
 * serialize. Leader → replica: {@link ReplicaInput.Promise}, {@link ReplicaInput.Append},
 * {@link ReplicaInput.FetchEntries}. Replica → leader: {@link LeaderInput.PromiseGranted},
 * {@link LeaderInput.PromiseRejected}, {@link LeaderInput.AppendAck},
 * {@link LeaderInput.AppendRejected}, {@link LeaderInput.EntriesFetched}.
 *
 * <p>On receipt the caller feeds a {@link ReplicaInput} to the node's {@link ReplicaStateMachine}
 * and a {@link LeaderInput} to the node's {@link LeaderStateMachine}, if it hosts one (else it drops
 * it). Messages may be lost, duplicated or reordered: the machines tolerate all three.
 *
 * @param <C> the replicated command type
 */
public sealed interface Message<C>
    permits ReplicaInput.Promise,
        ReplicaInput.Append,
        ReplicaInput.FetchEntries,
        LeaderInput.PromiseGranted,
        LeaderInput.PromiseRejected,
        LeaderInput.AppendAck,
        LeaderInput.AppendRejected,
        LeaderInput.EntriesFetched {}
