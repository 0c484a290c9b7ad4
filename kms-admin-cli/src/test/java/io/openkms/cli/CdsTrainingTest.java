package io.openkms.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

class CdsTrainingTest {

  /**
   * The training run goes the whole way of a client command: TLS handshake with a client
   * certificate, the request, the answer decoded and printed (so all of it is archived).
   */
  @Test
  void theTrainingCommandRunsAgainstTheStandInServer() throws Exception {
    AtomicReference<CliRun> seen = new AtomicReference<>();
    int code =
        CdsTraining.run(
            CliRun.quietContext(),
            (context, args) -> {
              CliRun run = CliRun.run(context, args);
              seen.set(run);
              return run.exitCode();
            });
    assertEquals(0, code, seen.get().err());
    assertTrue(seen.get().out().startsWith("Type "), seen.get().out());
    assertTrue(
        seen.get().out().contains("AES256  2023-11-14T22:13:20Z  cds-training"), seen.get().out());
  }
}
