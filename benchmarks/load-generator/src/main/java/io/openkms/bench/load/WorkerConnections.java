package io.openkms.bench.load;

import java.time.Duration;
import java.util.List;
import java.util.function.Function;
import javax.net.ssl.SSLContext;

/**
 * The {@link BenchTransport#SOCKET} transport: worker {@code i} sends over its own keep-alive
 * {@link KmsConnection} to server {@code i mod n} (servers in the given order), opened on its first
 * request and kept across steps. A worker index is used by one thread at a time (the steps of a run
 * follow each other); the connection also locks itself, so a late request of a worker from the
 * previous step cannot interleave with the next one.
 */
public final class WorkerConnections implements FrameSender, AutoCloseable {

  private final KmsConnection[] connections;

  /**
   * @param hosts the servers as {@code host:port}, at least one
   * @param workers the most workers of any step
   * @param connect makes the connection to one host
   */
  WorkerConnections(List<String> hosts, int workers, Function<String, KmsConnection> connect) {
    connections = new KmsConnection[workers];
    for (int i = 0; i < workers; i++) {
      connections[i] = connect.apply(hosts.get(i % hosts.size()));
    }
  }

  /**
   * Connections over TLS with {@code context}.
   *
   * @param verifyHostName check server names (off with {@code -k})
   * @param timeout connect and read timeout per request
   */
  public static WorkerConnections tls(
      SSLContext context,
      boolean verifyHostName,
      List<String> hosts,
      int workers,
      Duration timeout) {
    return new WorkerConnections(
        hosts, workers, host -> new KmsConnection(context, verifyHostName, host, timeout));
  }

  @Override
  public List<byte[]> send(int worker, String enclave, int commandId, List<byte[]> payloads) {
    KmsConnection c = connections[worker];
    synchronized (c) {
      return c.send(enclave, commandId, payloads);
    }
  }

  /** The connection of {@code worker}. */
  KmsConnection connection(int worker) {
    return connections[worker];
  }

  /** Closes every connection. */
  @Override
  public void close() {
    for (KmsConnection c : connections) {
      c.close();
    }
  }
}
