package io.openkms.cli.commands;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.openkms.cli.CliException;
import io.openkms.cli.CliRun;
import io.openkms.http.proto.ClusterStatusResponse;
import io.openkms.http.proto.ServerStatusResponse;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * What a new operator reads: help texts, unknown commands, exit codes (issue 16, items 6 and 7).
 */
class OperatorHelpTest {

  @Test
  void topLevelHelpNamesTheEnvironmentFilesAndExitCodes() {
    String help = CliRun.run(CliRun.quietContext(), "--help").out();
    for (String text :
        List.of(
            "MINIO_KMS_SERVER",
            "MINIO_KMS_API_KEY",
            "MINIO_KMS_HSM_KEY",
            "$HOME/.minkms/certs/CAs",
            "Exit codes:",
            "2 usage error")) {
      assertTrue(help.contains(text), text + " in\n" + help);
    }
  }

  @Test
  void serverHelpNamesTheHsmVariableAndTheClusterPort() {
    String help = CliRun.run(CliRun.quietContext(), "server", "--help").out();
    assertTrue(help.contains("MINIO_KMS_HSM_KEY"), help);
    assertTrue(help.contains("API port + 1"), help);
  }

  @Test
  void clusterCommandsHaveNoEnclaveOption() {
    for (String command : List.of("add", "rm", "ls", "stat", "edit")) {
      CliRun help = CliRun.run(CliRun.quietContext(), command, "--help");
      assertFalse(help.out().contains("--enclave"), command + ":\n" + help.out());
    }
    assertTrue(CliRun.run(CliRun.quietContext(), "ls-key", "--help").out().contains("--enclave"));
    CliRun withEnclave = CliRun.run(CliRun.quietContext(), "stat", "-e", "x");
    assertEquals(CliException.USAGE, withEnclave.exitCode());
  }

  @Test
  void anUnknownCommandSuggestsTheNearestOnes() {
    CliRun run = CliRun.run(CliRun.quietContext(), "stat-kye");
    assertEquals(CliException.USAGE, run.exitCode());
    assertTrue(
        run.err().startsWith("minkms: unknown command 'stat-kye': did you mean 'stat-key'"),
        run.err());
    assertTrue(run.err().contains("Run 'minkms help'"), run.err());
    assertEquals(1, run.err().strip().lines().count(), run.err());
  }

  @Test
  void statExitsThreeWhenANodeIsDown() {
    ServerStatusResponse node = ServerStatusResponse.newBuilder().setRole("Leader").build();
    ClusterStatusResponse allUp = ClusterStatusResponse.newBuilder().putNodesUp(0, node).build();
    ClusterStatusResponse oneDown = allUp.toBuilder().putNodesDown(1, "10.0.0.2:7373").build();
    assertEquals(0, ClusterCommands.exitCode(allUp));
    assertEquals(CliException.NODES_DOWN, ClusterCommands.exitCode(oneDown));
    ClusterStatusResponse unhealthy =
        ClusterStatusResponse.newBuilder()
            .putNodesUp(0, node.toBuilder().setHealth("cannot commit writes: …").build())
            .build();
    assertEquals(CliException.NODES_DOWN, ClusterCommands.exitCode(unhealthy));
  }
}
