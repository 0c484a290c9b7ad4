package io.openkms.http.observe;

/**
 * What the API server's connection and TLS layer reports to the metrics
 * ({@code minkms_tls_connections_total}, {@code minkms_tls_connections_open},
 * {@code minkms_tls_handshakes_total{result}}). Calls must be cheap and must not block: they
 * run on the connection's thread. {@code KmsHttpServer} reports accepted connections (one
 * engine per connection); closes and handshake results are for the TLS layer to report (an
 * engine that sees the handshake finish or fail and the connection close), and their meters
 * appear with the first report.
 */
public interface ConnectionEvents {

  /** Reports nothing. */
  ConnectionEvents NONE = new ConnectionEvents() {
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

  /** A TLS handshake finished: {@code ok}, or failed (bad client hello, no common cipher…). */
  void handshake(boolean ok);
}
