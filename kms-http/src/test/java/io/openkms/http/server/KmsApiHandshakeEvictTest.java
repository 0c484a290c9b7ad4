package io.openkms.http.server;

import static io.openkms.http.server.ConnectionFloodFixture.await;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import javax.net.ssl.SSLSocket;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Real clients connecting at once to an API port full of idle TLS connections (attack trial: 1,024
 * idle handshaken connections from five addresses, handshakes opened and closed by 20 threads, and
 * a client opening a connection per {@code GenerateKey} failed 28 of 90 times). Every one of {@code
 * minkms.http.max-connections} (lowered to 8) is held by a connection that finished its TLS
 * handshake and sends nothing; then several clients connect together, each on a fresh connection.
 * Before, the first rule of {@link ConnectionGuard} evicted the oldest connection without a
 * finished handshake, however young: the second client's connection evicted the first one's,
 * mid-handshake, while the idle connections stayed. Now a handshake goes first only once it is
 * {@code minkms.http.handshake-evict-grace} (1 s) old: each client evicts an idle connection and
 * every client is served.
 */
class KmsApiHandshakeEvictTest {

  private static final int MAX_CONNECTIONS = 8;
  private static final int CLIENTS = 6;
  private static final String[] IDLERS = {"127.0.0.2", "127.0.0.3"};

  private static TestKmsServer server;

  @BeforeAll
  static void start() throws Exception {
    server = ConnectionFloodFixture.start(MAX_CONNECTIONS, MAX_CONNECTIONS, "");
  }

  @AfterAll
  static void stop() {
    server.close();
  }

  /** A connection from {@code from} that finishes its TLS handshake and then sends nothing. */
  private static SSLSocket idle(String from) throws Exception {
    SSLSocket socket = ConnectionFloodFixture.connectFrom(server, from);
    socket.startHandshake();
    return socket;
  }

  /** A fresh connection's TLS handshake and {@code GET /version}; its status line. */
  private static String version() throws Exception {
    try (SSLSocket socket = ConnectionFloodFixture.realClient(server, 10_000)) {
      return ConnectionFloodFixture.versionStatus(server, socket);
    }
  }

  @Test
  void clientsConnectingTogetherEvictIdleConnectionsNotEachOther() throws Exception {
    GuardedConnections guard = ConnectionFloodFixture.guardWithNothingOpen(server);
    long evictedBefore = guard.evicted();
    long refusedBefore = guard.refusedFull();
    List<SSLSocket> idlers = new ArrayList<>();
    ExecutorService pool = Executors.newFixedThreadPool(CLIENTS);
    try {
      for (int i = 0; i < MAX_CONNECTIONS; i++) {
        idlers.add(idle(IDLERS[i % IDLERS.length]));
      }
      await("the idle connections hold every slot", 10_000, () -> guard.openConnections() == 8);
      Thread.sleep(ConnectionGuard.MIN_IDLE_MILLIS + 300); // idle for the idle rule
      CountDownLatch go = new CountDownLatch(1);
      List<Future<String>> results = new ArrayList<>();
      for (int i = 0; i < CLIENTS; i++) {
        results.add(
            pool.submit(
                () -> {
                  go.await();
                  try {
                    return version();
                  } catch (IOException e) {
                    return "failed: " + e;
                  }
                }));
      }
      go.countDown();
      List<String> statuses = new ArrayList<>();
      for (Future<String> f : results) {
        statuses.add(f.get());
      }
      assertEquals(
          java.util.Collections.nCopies(CLIENTS, "http/1.1 200 ok"),
          statuses,
          "evicted " + (guard.evicted() - evictedBefore));
      // each client evicted one idle connection, none another client's
      assertEquals(evictedBefore + CLIENTS, guard.evicted());
      assertEquals(refusedBefore, guard.refusedFull());
    } finally {
      pool.shutdownNow();
      for (SSLSocket s : idlers) {
        s.close();
      }
    }
  }
}
