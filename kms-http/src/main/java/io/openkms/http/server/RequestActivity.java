package io.openkms.http.server;

import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * One API connection's request deadline after its TLS handshake (issue 13, "connection exhaustion":
 * a client that completes TLS and then sends a request head byte by byte restarts Pekko HTTP's idle
 * timeout with every byte, so that alone never cuts it). Pure bookkeeping on an atomic (the
 * connection's two byte directions run on different threads); the caller supplies the clock
 * (nanoseconds) and closes the connection when {@link #overdue} says so.
 *
 * <p>Rule: bytes from the client start a pending request unless one is pending; anything the server
 * sends (a response, an HTTP/2 SETTINGS or PING acknowledgement) ends it. A request pending longer
 * than {@code minkms.http.request-header-timeout} is overdue. The rule sees TLS records, not HTTP:
 * it cannot tell a head still arriving from a request the server is working on, so the time until
 * the server's first byte of the answer counts too, and the timeout must exceed the longest answer
 * time (CLUSTER:ADDNODE: 103 s); and since an HTTP/2 client's last frame may be one the server does
 * not answer (a SETTINGS acknowledgement), the idle timeout, which it must exceed too, closes idle
 * connections first.
 *
 * <p>For {@link ConnectionGuard}'s choice of a connection to evict it also counts the requests of
 * the connection that are at the handler ({@link #requestStarted}, {@link #requestEnded}): {@link
 * GuardedConnections#tracking} ties a request to its connection by the request's remote socket
 * address (Pekko's {@code remote-address-attribute}, on HTTP/1.1 and HTTP/2 alike), and the time of
 * the connection's last request at the handler (its start or end; the accept if none), so that a
 * connection that only sends frames the server answers (HTTP/2 PING, SETTINGS) and never a request
 * can be evicted after {@code minkms.http.request-idle-evict}. The header timeout does not use them
 * and stays on TLS records.
 */
final class RequestActivity {

  private final AtomicLong pendingSince = new AtomicLong(); // 0: nothing pending
  private volatile long lastNanos;
  private final AtomicInteger handling = new AtomicInteger();
  private final AtomicLong lastRequestNanos;

  /**
   * @param nanos when the connection was accepted
   */
  RequestActivity(long nanos) {
    this.lastNanos = nanos;
    this.lastRequestNanos = new AtomicLong(nanos);
  }

  /** The client sent bytes at {@code nanos} (after the TLS handshake). */
  void clientBytes(long nanos) {
    lastNanos = nanos;
    pendingSince.compareAndSet(0, nanos == 0 ? 1 : nanos);
  }

  /** The server sent bytes to the client at {@code nanos}. */
  void serverBytes(long nanos) {
    lastNanos = nanos;
    pendingSince.set(0);
  }

  /** A request of the connection reached the handler at {@code nanos}. */
  void requestStarted(long nanos) {
    handling.incrementAndGet();
    requestAt(nanos);
  }

  /**
   * The handler answered a request of the connection at {@code nanos}: its response is on its way,
   * which counts as the server's answer to the bytes pending.
   */
  void requestEnded(long nanos) {
    handling.decrementAndGet();
    requestAt(nanos);
    serverBytes(nanos);
  }

  /** The last request time moves forward only (HTTP/2 streams end on several threads). */
  private void requestAt(long nanos) {
    lastRequestNanos.accumulateAndGet(nanos, (was, now) -> now - was > 0 ? now : was);
  }

  /** What the connection is doing, for {@link ConnectionGuard}. */
  ConnectionGuard.Activity activity() {
    long since = pendingSince.get();
    return new ConnectionGuard.Activity(
        lastNanos,
        since == 0 ? ConnectionGuard.Activity.NOTHING_PENDING : since,
        handling.get(),
        lastRequestNanos.get());
  }

  /** True when a request has been pending for more than {@code timeoutNanos} at {@code nanos}. */
  boolean overdue(long nanos, long timeoutNanos) {
    long since = pendingSince.get();
    return since != 0 && nanos - since > timeoutNanos;
  }
}
