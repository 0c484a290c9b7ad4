package io.openkms.cli.node;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A listen address of its own for each node of a process test: a loopback address {@code 127.A.B.N}
 * (Linux routes all of 127/8 to {@code lo}; A.B random per test JVM, N counting) and a port the
 * kernel reports free there, with the next port (the default cluster port, API port + 1) free too.
 * Tests of other engineers running at the same time on the machine are very unlikely to pick the
 * same pair.
 *
 * @param host the IP literal
 * @param port the API port
 */
record NodeAddress(String host, int port) {

  private static final String PREFIX =
      "127."
          + ThreadLocalRandom.current().nextInt(1, 255)
          + "."
          + ThreadLocalRandom.current().nextInt(1, 255)
          + ".";
  private static final AtomicInteger NEXT = new AtomicInteger(1);

  /** A fresh address with a free API port (and a free API port + 1). */
  static NodeAddress next() throws IOException {
    String host = PREFIX + NEXT.getAndIncrement();
    for (int attempt = 0; attempt < 50; attempt++) {
      int port;
      try (ServerSocket s = new ServerSocket()) {
        s.bind(new InetSocketAddress(InetAddress.getByName(host), 0));
        port = s.getLocalPort();
      }
      if (port < 65535 && isFree(host, port + 1)) {
        return new NodeAddress(host, port);
      }
    }
    throw new IOException("no free pair of ports on " + host);
  }

  private static boolean isFree(String host, int port) {
    try (ServerSocket s = new ServerSocket()) {
      s.bind(new InetSocketAddress(InetAddress.getByName(host), port));
      return true;
    } catch (IOException e) {
      return false;
    }
  }

  /** {@code host:port}, as {@code --address}, {@code --host} and the banner write it. */
  @Override
  public String toString() {
    return host + ":" + port;
  }
}
