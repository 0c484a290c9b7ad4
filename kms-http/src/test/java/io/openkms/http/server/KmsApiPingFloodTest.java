package io.openkms.http.server;

import static io.openkms.http.server.ConnectionFloodFixture.await;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.IOException;
import java.net.http.HttpClient;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * HTTP/2 connections that only ping, on a full API port (issue 13, "connection exhaustion"): every
 * one of {@code minkms.http.max-connections} (lowered to 8) is held by a client that completes TLS
 * with ALPN {@code h2}, sends the client preface and SETTINGS, and then a PING frame every 300 ms,
 * never a request. The server acknowledges each PING, so such a connection is never unanswered for
 * the stall grace nor idle for 1 s: before, nothing was evicted and every new client was refused
 * (REFUSE_FULL) for as long as the pings went on. Now a connection with no request at the handler
 * whose last request (here its accept) is at least {@code minkms.http.request-idle-evict} (lowered
 * to 3 s) old is evicted for a new client, which is served.
 */
class KmsApiPingFloodTest {

  private static final int MAX_CONNECTIONS = 8;
  private static final long REQUEST_IDLE_MILLIS = 3_000;

  private static TestKmsServer server;

  @BeforeAll
  static void start() throws Exception {
    server =
        ConnectionFloodFixture.start(
            MAX_CONNECTIONS,
            MAX_CONNECTIONS * 2,
            "minkms.http.request-idle-evict = " + REQUEST_IDLE_MILLIS + " ms");
  }

  @AfterAll
  static void stop() {
    server.close();
  }

  /** One HTTP/2 connection that pings every 300 ms; {@code closed} once the server hangs up. */
  private static final class Pinger implements AutoCloseable {
    final H2Wire wire;
    volatile boolean closed;
    volatile boolean stopped;
    final Thread writer;
    final Thread reader;

    Pinger() throws Exception {
      wire = new H2Wire(server.clientContext(null), server.port());
      // the server's SETTINGS (acknowledged by the wire) and its acknowledgement of ours
      wire.awaitEnd(500);
      writer =
          new Thread(
              () -> {
                byte[] payload = new byte[8];
                for (long i = 0; !stopped && !closed && !wire.closed; i++) {
                  payload[7] = (byte) i;
                  wire.raw(H2Wire.PING, 0, 0, payload);
                  try {
                    Thread.sleep(300);
                  } catch (InterruptedException e) {
                    return;
                  }
                }
              });
      reader =
          new Thread(
              () -> {
                try {
                  wire.awaitEnd(0); // reads PING acknowledgements until GOAWAY or close
                } catch (IOException e) {
                  // reset
                }
                closed = true;
              });
      writer.setDaemon(true);
      reader.setDaemon(true);
      writer.start();
      reader.start();
    }

    @Override
    public void close() throws IOException {
      stopped = true;
      writer.interrupt();
      wire.close();
    }
  }

  @Test
  void aRealClientIsServedWhileEveryConnectionOnlyPings() throws Exception {
    GuardedConnections guard = ConnectionFloodFixture.guardWithNothingOpen(server);
    long evictedBefore = guard.evicted();
    long refusedBefore = guard.refusedFull();
    List<Pinger> flood = new ArrayList<>();
    try {
      for (int i = 0; i < MAX_CONNECTIONS; i++) {
        flood.add(new Pinger());
      }
      long lastAccepted = System.nanoTime();
      await("the flood holds every slot", 10_000, () -> guard.openConnections() == MAX_CONNECTIONS);
      // past the bound for every pinger (their accepts, before lastAccepted), still pinging
      Thread.sleep(REQUEST_IDLE_MILLIS + 500);
      assertEquals(MAX_CONNECTIONS, guard.openConnections(), "the flood still holds every slot");
      assertEquals(evictedBefore, guard.evicted(), "no pinger was evicted before a new client");
      assertEquals(0, flood.stream().filter(p -> p.closed).count(), "every pinger is open");

      HttpClient h2 = server.raw(server.rootKey(), HttpClient.Version.HTTP_2, null);
      java.net.http.HttpResponse<byte[]> r;
      try {
        r = server.get(h2, "/version");
      } catch (IOException e) {
        throw new AssertionError(
            "evicted "
                + (guard.evicted() - evictedBefore)
                + ", refused "
                + (guard.refusedFull() - refusedBefore)
                + " ("
                + (System.nanoTime() - lastAccepted) / 1_000_000
                + " ms after the last pinger connected)",
            e);
      }
      assertEquals("HTTP_2 200", r.version() + " " + r.statusCode());
      // the new client evicted one pinger, which the server closed
      assertEquals(evictedBefore + 1, guard.evicted());
      assertEquals(refusedBefore, guard.refusedFull());
      await("one pinger closed", 5_000, () -> flood.stream().filter(p -> p.closed).count() == 1);
    } finally {
      for (Pinger p : flood) {
        p.close();
      }
    }
  }
}
