package io.openkms.bench.load;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.time.Duration;
import java.util.List;
import javax.net.ssl.SSLContext;
import org.junit.jupiter.api.Test;

class WorkerConnectionsTest {

  @Test
  void workersGoToTheServersInTurn() throws Exception {
    try (WorkerConnections c =
        WorkerConnections.tls(
            SSLContext.getDefault(),
            true,
            List.of("127.0.0.1:7373", "127.0.0.2:7373"),
            5,
            Duration.ofSeconds(1))) {
      assertEquals(
          List.of(
              "127.0.0.1:7373",
              "127.0.0.2:7373",
              "127.0.0.1:7373",
              "127.0.0.2:7373",
              "127.0.0.1:7373"),
          List.of(
              c.connection(0).host(),
              c.connection(1).host(),
              c.connection(2).host(),
              c.connection(3).host(),
              c.connection(4).host()));
    }
  }
}
