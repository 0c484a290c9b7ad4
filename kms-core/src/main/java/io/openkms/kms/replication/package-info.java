/**
 * The replication rules of docs/ARCHITECTURE.md §3 as pure, deterministic state machines: plain
 * Java 17, no Pekko, no I/O, no clock (time arrives as {@link
 * io.openkms.kms.replication.LeaderInput.Tick}), no threads. Modelled on etcd-io/raft's "Ready"
 * style (docs/ARCHITECTURE.md §6 "Replication").
 *
 * <h2>The protocol (this product's rule, not Raft majority)</h2>
 *
 * <ul>
 *   <li><b>Write quorum N of N.</b> The leader answers a write only when every KMS member has
 *       persisted and applied it (docs/ARCHITECTURE.md §3 "Write path"; docs/REFERENCE.md §1 "Write
 *       quorum").
 *   <li><b>Terms and takeover.</b> A new leader of term T first obtains from every member a promise
 *       not to accept entries of older terms, with each member's last (term, index); it completes
 *       the entries some members have and others lack; only then it serves writes
 *       (docs/ARCHITECTURE.md §3 "Terms and takeover").
 *   <li><b>In doubt, never half-visible for long.</b> A write that is not fully acknowledged within
 *       {@link io.openkms.kms.replication.LeaderConfig#writeTimeoutMillis()} fails with 503, but
 *       its entry stays in the log and the leader keeps re-sending it until every member has it or
 *       the member is removed (docs/ARCHITECTURE.md §3 "Write path").
 * </ul>
 *
 * <h2>Roles</h2>
 *
 * <ul>
 *   <li>{@link io.openkms.kms.replication.ReplicaStateMachine}: one per node, owns the node's
 *       durable replica log and {@link io.openkms.kms.replication.HardState}.
 *   <li>{@link io.openkms.kms.replication.LeaderStateMachine}: on the node that hosts the leader
 *       singleton. It owns nothing durable; its own node's log is reached like every other
 *       member's, by a message to its own node id.
 *   <li>{@link io.openkms.kms.replication.CommitRule}: the pure N-of-N commit rule.
 * </ul>
 *
 * <h2>How the caller drives a machine</h2>
 *
 * Each call takes one input and returns an {@link io.openkms.kms.replication.Output}. The caller
 * executes it completely, in this order, before feeding the next input to the same machine:
 *
 * <ol>
 *   <li>{@code persist} — durably, in list order (hard state and log entries);
 *   <li>{@code apply} — the entries to the node's state, in list (= index) order, exactly once;
 *   <li>{@code send} and {@code sendEntries} — messages to other nodes (a message to one's own node
 *       id is delivered locally);
 *   <li>{@code replies} — answers to client write requests;
 *   <li>{@code events} — role changes to act on.
 * </ol>
 *
 * A replica's acknowledgement therefore leaves only after the entry is persisted and applied, which
 * is what makes invariant 2 ("after a write is acknowledged, every member's reads reflect it")
 * hold.
 *
 * <h2>What the caller stores durably</h2>
 *
 * Per node: the replica's {@link io.openkms.kms.replication.HardState} (promised term and
 * candidate, removed flag, evicted ids, unconfirmed removals) and its log, exactly as {@code
 * persist} says, and the applied state (whose member set restores the replica). The leader stores
 * nothing.
 *
 * <h2>Membership</h2>
 *
 * <ul>
 *   <li>Changes carried by log entries ({@code add}, {@code rm}) reach both machines through a
 *       {@link io.openkms.kms.replication.MembershipRule} supplied by the domain, at their exact
 *       index. An entry needs the acknowledgement of the members before and after it.
 *   <li>Out-of-band removal ({@code edit --rm}) reaches them through {@link
 *       io.openkms.kms.replication.MembershipChanged}; replicas persist it and report it to every
 *       new leader.
 *   <li>Rules for the layers above: node ids are never reused after a removal; {@code edit --rm} is
 *       for dead nodes and only sound while no membership change is in doubt (the minkms docs:
 *       remove one failed node at a time); the leader singleton runs on a member whose applied
 *       state is current.
 * </ul>
 */
package io.openkms.kms.replication;
