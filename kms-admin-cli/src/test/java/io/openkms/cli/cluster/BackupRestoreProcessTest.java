package io.openkms.cli.cluster;

/**
 * No longer a test: the total-failure procedure runs in the test JVM ({@link
 * BackupRestoreClusterTest}). Keeps {@link #formCluster} for {@link RestartProcessTest}, which
 * calls it, until that calls {@link TestCluster#formCluster} itself.
 */
final class BackupRestoreProcessTest {

  private BackupRestoreProcessTest() {}

  /** {@link TestCluster#formCluster}: adds {@code n1} and {@code n2} from {@code n0}. */
  static void formCluster(ProcessFixture fixture, NodeProcess n0, NodeProcess n1, NodeProcess n2)
      throws InterruptedException {
    fixture.formCluster(n0, n1, n2);
  }
}
