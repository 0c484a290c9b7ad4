package io.openkms.cli.cluster;

/**
 * A node of a test cluster as the checks see it: a real {@code minkms} process ({@link
 * NodeProcess}) or a node in the test JVM ({@link InJvmCluster.Node}).
 */
interface Member {

  /** A label for messages, e.g. {@code node1}. */
  String name();

  /** {@code ip:port}: the node's API address and its {@code --host}. */
  String host();
}
