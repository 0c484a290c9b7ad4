package io.openkms.http.observe;

/**
 * What the API server's connection and TLS layer reports to the metrics ({@code
 * minkms_tls_connections_total}, {@code minkms_tls_connections_open}, {@code
 * minkms_tls_handshakes_total{result}}). Calls must be cheap and must not block: they run on the
 * connection's thread. The API port's connection guard ({@code GuardedConnections}) reports every
 * admitted connection's open and close and one handshake outcome for it.
 */
public interface ConnectionEvents {

  /** Reports nothing. */
  ConnectionEvents NONE =
      new ConnectionEvents() {
        @Override
        public void connectionOpened() {}

        @Override
        public void connectionClosed() {}

        @Override
        public void handshake(boolean ok) {}
      };

  /** A connection was accepted (before its TLS handshake). */
  void connectionOpened();

  /** A connection accepted before was closed (once per connection). */
  void connectionClosed();

  /**
   * A connection's TLS handshake ended: {@code ok} (the client reached encrypted traffic), or
   * failed (the connection closed before: timeout, TLS alert, eviction, hang-up).
   */
  void handshake(boolean ok);
}
