package io.openkms.http.server;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.typesafe.config.ConfigFactory;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.function.BooleanSupplier;
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
    server =
        TestKmsServer.start(
            ConfigFactory.parseString(
                "minkms.http.max-connections = "
                    + MAX_CONNECTIONS
                    + "\nminkms.http.max-connections-per-address = "
                    + MAX_CONNECTIONS));
  }

  @AfterAll
  static void stop() {
    server.close();
  }

  private static void await(String what, long millis, BooleanSupplier condition)
      throws InterruptedException {
    long end = System.nanoTime() + millis * 1_000_000;
    while (!condition.getAsBoolean()) {
      if (System.nanoTime() > end) {
        throw new AssertionError("not within " + millis + " ms: " + what);
      }
      Thread.sleep(20);
    }
  }

  /** A connection from {@code from} that finishes its TLS handshake and then sends nothing. */
  private static SSLSocket idle(String from) throws Exception {
    SSLSocket socket =
        (SSLSocket)
            server
                .clientContext((io.openkms.kms.crypto.ApiKey) null)
                .getSocketFactory()
                .createSocket(
                    InetAddress.getByName("127.0.0.1"),
                    server.port(),
                    InetAddress.getByName(from),
                    0);
    socket.startHandshake();
    return socket;
  }

  /** A fresh connection's TLS handshake and {@code GET /version}; its status line. */
  private static String version() throws Exception {
    try (SSLSocket socket =
        (SSLSocket)
            server
                .clientContext(server.rootKey())
                .getSocketFactory()
                .createSocket(InetAddress.getByName("127.0.0.1"), server.port())) {
      socket.setSoTimeout(10_000);
      socket.startHandshake();
      OutputStream out = socket.getOutputStream();
      out.write(
          ("GET /version HTTP/1.1\r\nHost: " + server.host() + "\r\n\r\n")
              .getBytes(StandardCharsets.US_ASCII));
      out.flush();
      InputStream in = socket.getInputStream();
      StringBuilder head = new StringBuilder();
      while (!head.toString().endsWith("\r\n")) {
        int b = in.read();
        if (b < 0) {
          throw new IOException("closed after '" + head + "'");
        }
        head.append((char) b);
      }
      return head.toString().trim().toLowerCase(Locale.ROOT);
    }
  }

  @Test
  void clientsConnectingTogetherEvictIdleConnectionsNotEachOther() throws Exception {
    GuardedConnections guard = GuardedConnections.of(server.system().classicSystem()).orElseThrow();
    await("no connection open", 10_000, () -> guard.openConnections() == 0);
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
