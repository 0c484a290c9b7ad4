package io.openkms.http.client;

/**
 * A request got no HTTP answer: connection refused or reset, TLS handshake failure, timeout, or the
 * calling thread was interrupted. The message names the host and the reason, e.g. {@code
 * 10.0.0.1:7373: connection failed: ConnectException: Connection refused}. {@link #retryable()}
 * tells whether the load balancer may try another host (docs/PROTOCOL.md §7: all transport errors
 * but an interrupt; an error while reading a response body is not retried either, because the
 * server may have acted on the request).
 */
public final class KmsTransportException extends KmsRequestException {

  private static final long serialVersionUID = 1L;

  private final boolean retryable;

  /**
   * @param host the {@code host:port} the request went to
   * @param reason what failed, without the host
   * @param cause the underlying exception, or null
   * @param retryable whether §7's load balancer may try another host
   */
  public KmsTransportException(String host, String reason, Throwable cause, boolean retryable) {
    super(host + ": " + reason, host, cause);
    this.retryable = retryable;
  }

  /** Whether another host may be tried. */
  public boolean retryable() {
    return retryable;
  }
}
