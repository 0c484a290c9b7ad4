package io.openkms.cli.node;

import io.openkms.http.testing.FreePorts;
import java.io.IOException;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A listen address of its own for each node of a process test: a loopback address {@code 127.A.B.N}
 * (Linux routes all of 127/8 to {@code lo}; A.B random per test JVM, N counting) and a port free
 * there (io.openkms.http.testing.FreePorts, below the ephemeral range), with the next port (the
 * default cluster port, API port + 1) free too. Tests of other engineers running at the same time
 * on the machine are very unlikely to pick the same pair.
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
    return new NodeAddress(host, FreePorts.pair(List.of(host)));
  }

  /** {@code host:port}, as {@code --address}, {@code --host} and the banner write it. */
  @Override
  public String toString() {
    return host + ":" + port;
  }
}
