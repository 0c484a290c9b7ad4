/**
 * The membership and write-admission rules of a node's life in its cluster, as pure functions and
 * machines (plain Java, no actors, no I/O, the clock passed in): which writes a node answers from
 * its own state ({@link io.openkms.kms.lifecycle.LocalAnswer}), how a write is prepared for the log
 * ({@link io.openkms.kms.lifecycle.Writes}: key version numbers, removal of a dead member), when a
 * member that came back with an empty store is admitted again ({@link
 * io.openkms.kms.lifecycle.Readmission}), how a node is added ({@link
 * io.openkms.kms.lifecycle.NodeJoin}), how its replica log is restarted after a journal failure and
 * when it counts as healthy ({@link io.openkms.kms.lifecycle.ReplicaHealth}), and when a node
 * starts, joins, restarts or abandons its clustered actor system ({@link
 * io.openkms.kms.lifecycle.ClusterWatch}). Their timeouts are one record, {@link
 * io.openkms.kms.lifecycle.LifecycleTimeouts}. The actor shells ({@code Leader}, {@code
 * ReplicaMonitor}, {@code ClusterNode}, {@code ClusterRuntime}) feed them what they observe and
 * carry out what they decide.
 */
package io.openkms.kms.lifecycle;
