package io.openkms.http.server;

import com.typesafe.config.ConfigFactory;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.util.Locale;
import java.util.function.BooleanSupplier;
import javax.net.ssl.SSLSocket;

/**
 * What the connection-exhaustion tests ({@link KmsApiSlowlorisTest}, {@link KmsApiPingFloodTest},
 * {@link KmsApiHandshakeEvictTest}, {@link KmsApiSlowHeadTest}) share: a test server with a small
 * {@code minkms.http.max-connections}, its {@link GuardedConnections} once no connection is open,
 * polling for a condition, held connections from another loopback address (127.0.0.x), and a real
 * client's {@code GET /version} over HTTP/1.1 read up to its status line.
 */
final class ConnectionFloodFixture {

  private ConnectionFloodFixture() {}

  /**
   * A test server whose API port admits {@code maxConnections} connections, {@code perAddress} from
   * one address; {@code more} is further HOCON ({@code "minkms.http.x = 3 s"} lines), or empty.
   */
  static TestKmsServer start(int maxConnections, int perAddress, String more) throws Exception {
    return TestKmsServer.start(
        ConfigFactory.parseString(
            "minkms.http.max-connections = "
                + maxConnections
                + "\nminkms.http.max-connections-per-address = "
                + perAddress
                + "\n"
                + more));
  }

  /** The server's connection guard, once no connection is open (within 10 s, else fails). */
  static GuardedConnections guardWithNothingOpen(TestKmsServer server) throws InterruptedException {
    GuardedConnections guard = GuardedConnections.of(server.system().classicSystem()).orElseThrow();
    await("no connection open", 10_000, () -> guard.openConnections() == 0);
    return guard;
  }

  /** Polls {@code condition} every 20 ms; fails naming {@code what} if not true within millis. */
  static void await(String what, long millis, BooleanSupplier condition)
      throws InterruptedException {
    long end = System.nanoTime() + millis * 1_000_000;
    while (!condition.getAsBoolean()) {
      if (System.nanoTime() > end) {
        throw new AssertionError("not within " + millis + " ms: " + what);
      }
      Thread.sleep(20);
    }
  }

  /**
   * A TLS connection (no client certificate) to the API port from the loopback address {@code
   * from}, connected but not yet handshaken.
   */
  static SSLSocket connectFrom(TestKmsServer server, String from) throws Exception {
    return (SSLSocket)
        server
            .clientContext((io.openkms.kms.crypto.ApiKey) null)
            .getSocketFactory()
            .createSocket(
                InetAddress.getByName("127.0.0.1"), server.port(), InetAddress.getByName(from), 0);
  }

  /**
   * A real client's connection (root key) from 127.0.0.1 with read timeout {@code soTimeoutMillis},
   * its TLS handshake finished; closed if the handshake fails.
   */
  static SSLSocket realClient(TestKmsServer server, int soTimeoutMillis) throws Exception {
    SSLSocket socket =
        (SSLSocket)
            server
                .clientContext(server.rootKey())
                .getSocketFactory()
                .createSocket(InetAddress.getByName("127.0.0.1"), server.port());
    try {
      socket.setSoTimeout(soTimeoutMillis);
      socket.startHandshake();
    } catch (IOException | RuntimeException e) {
      socket.close();
      throw e;
    }
    return socket;
  }

  /** The bytes of {@code GET /version HTTP/1.1} with the server's Host header and no body. */
  static byte[] versionRequest(TestKmsServer server) {
    return ("GET /version HTTP/1.1\r\nHost: " + server.host() + "\r\n\r\n")
        .getBytes(StandardCharsets.US_ASCII);
  }

  /**
   * Sends {@link #versionRequest} on {@code socket} and returns the answer's status line, trimmed
   * and lower case ({@code "http/1.1 200 ok"}); an IOException if the server closes first.
   */
  static String versionStatus(TestKmsServer server, SSLSocket socket) throws IOException {
    OutputStream out = socket.getOutputStream();
    out.write(versionRequest(server));
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
