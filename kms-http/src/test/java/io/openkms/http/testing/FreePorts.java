package io.openkms.http.testing;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;

/**
 * TCP ports for tests that start servers: chosen at random in 20000-32000, below Linux's default
 * ephemeral range (net.ipv4.ip_local_port_range, 32768-60999), and free on every given address when
 * chosen.
 *
 * <p>A port from {@code new ServerSocket(0)} is an ephemeral port: between closing the probe and
 * the server's bind, any outgoing connection of the machine (another test fork, Maven, the other
 * node's client) may be given it, and the server then fails with "address already in use" (CI of
 * stop 21: BenchCommandTest). Ports below the ephemeral range are never handed to outgoing
 * connections, so only another test choosing the same port at the same moment can collide.
 */
public final class FreePorts {

  private static final int FIRST = 20_000;
  private static final int LAST = 32_000;
  private static final List<String> LOOPBACK = List.of("127.0.0.1");

  private FreePorts() {}

  /** A port free on 127.0.0.1 now; nobody listens on it (connecting is refused). */
  public static int single() {
    return find(LOOPBACK, 1);
  }

  /** A port p such that p and p + 1 (a node's API and cluster ports) are free on 127.0.0.1. */
  public static int pair() {
    return find(LOOPBACK, 2);
  }

  /** A port p such that p and p + 1 are free on every address of {@code ips}. */
  public static int pair(List<String> ips) {
    return find(ips, 2);
  }

  /** True if {@code port} can be bound on every address of {@code ips} right now. */
  public static boolean free(List<String> ips, int port) {
    for (String ip : ips) {
      try (ServerSocket s = new ServerSocket()) {
        s.bind(new InetSocketAddress(InetAddress.getByName(ip), port));
      } catch (IOException e) {
        return false;
      }
    }
    return true;
  }

  private static int find(List<String> ips, int count) {
    for (int attempt = 0; attempt < 500; attempt++) {
      int p = ThreadLocalRandom.current().nextInt(FIRST, LAST);
      boolean all = true;
      for (int i = 0; i < count && all; i++) {
        all = free(ips, p + i);
      }
      if (all) {
        return p;
      }
    }
    throw new UncheckedIOException(new IOException("no " + count + " free ports on " + ips));
  }
}
