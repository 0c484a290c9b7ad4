package io.openkms.http.client;

import io.openkms.http.testing.FreePorts;
import io.openkms.http.tls.CertifiedKey;
import io.openkms.http.tls.TestCa;
import io.openkms.http.tls.TestKeys;
import io.openkms.http.wire.Frame;
import io.openkms.http.wire.Frames;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.security.KeyPair;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;

/** Shared pieces of the client tests: a CA, node certificates, the API key, odd servers. */
public final class ClientFixtures {

  /** The CA of every node certificate here. */
  public static final TestCa CA = TestCa.create("client test CA");

  /** The first API key of docs/PROTOCOL.md §2.2. */
  public static final String API_KEY = "k1:AqwjUvaWEE9O83quGOkiO_2D1x37Za9gE4L5UHdq0Ag";

  /** Its identity. */
  public static final String IDENTITY = "h1:FALvKoL5sB2mfvXrbheZ8tgKjIJZ60gN-VH9TcfK7Q0";

  private ClientFixtures() {}

  /** A node certificate for 127.0.0.1 and localhost, issued by {@link #CA}. */
  public static CertifiedKey loopbackNode() throws Exception {
    return CA.issueNode(
        TestKeys.ec("secp256r1"), List.of("localhost", "127.0.0.1"), Duration.ofDays(1));
  }

  /** The key pair of {@link #API_KEY}. */
  public static KeyPair apiKey() throws Exception {
    return TestKeys.fromApiKey(API_KEY);
  }

  /** A builder with the API key, trusting {@link #CA}, with a fixed random start index. */
  static KmsClientBuilder client(int randomStart, String... endpoints) throws Exception {
    return KmsClient.builder()
        .endpoints(endpoints)
        .apiKey(apiKey())
        .trustAnchors(CA.trustStore())
        .randomIndex(bound -> randomStart % bound);
  }

  /** A 200 octet-stream answer holding the frames. */
  public static TestHttpsServer.Answer frames(Frame... frames) {
    return TestHttpsServer.Answer.of(
        200, "application/octet-stream", Frames.encode(List.of(frames)));
  }

  /** A loopback port that was bound and closed: connecting is refused. */
  public static int deadPort() throws IOException {
    return FreePorts.single();
  }

  /**
   * A listening socket that never accepts: the kernel completes TCP connects (up to its backlog)
   * but nothing ever answers the TLS handshake, as with a server process that is paused (SIGSTOP)
   * or hung.
   */
  public static final class StalledServer implements AutoCloseable {
    private final ServerSocket socket;

    /** Listens on an ephemeral loopback port with a backlog of 50. */
    public StalledServer() throws IOException {
      socket = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
    }

    /** {@code 127.0.0.1:<port>}. */
    public String host() {
      return "127.0.0.1:" + socket.getLocalPort();
    }

    @Override
    public void close() throws IOException {
      socket.close();
    }
  }

  /** A server that accepts TCP connections and closes them at once, counting them. */
  public static final class ClosingServer implements AutoCloseable {
    private final ServerSocket socket;
    private final AtomicInteger accepted = new AtomicInteger();
    private final Thread thread;

    /** Starts on an ephemeral loopback port. */
    public ClosingServer() throws IOException {
      socket = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
      thread =
          new Thread(
              () -> {
                while (!socket.isClosed()) {
                  try (Socket s = socket.accept()) {
                    accepted.incrementAndGet();
                  } catch (IOException e) {
                    return;
                  }
                }
              },
              "closing-server");
      thread.setDaemon(true);
      thread.start();
    }

    /** {@code 127.0.0.1:<port>}. */
    public String host() {
      return "127.0.0.1:" + socket.getLocalPort();
    }

    int accepted() {
      return accepted.get();
    }

    @Override
    public void close() throws IOException {
      socket.close();
    }
  }
}
