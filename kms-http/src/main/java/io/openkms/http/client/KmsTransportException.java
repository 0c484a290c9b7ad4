package io.openkms.http.client;

/**
 * A request got no HTTP answer: connection refused or reset, TLS handshake failure, timeout, or the
 * calling thread was interrupted. The message names the host and the reason, e.g. {@code
 * 10.0.0.1:7373: connection failed: ConnectException: Connection refused}. {@link #retryable()}
 * tells whether the load balancer may try another host (docs/PROTOCOL.md §7: all transport errors
 * but an interrupt; an error while reading a response body is not retried either, because the
 * server may have acted on the request).
 *
 * <p>{@link #answerLost()} tells whether the request had been sent before the failure (connection
 * and TLS handshake done, request handed to the connection): then the server may have carried it
 * out (a write is in doubt, {@link KmsRequestException#inDoubt()}). Refused connections, connect
 * and TLS handshake timeouts and TLS failures happen before the request is sent.
 */
public final class KmsTransportException extends KmsRequestException {

  private static final long serialVersionUID = 1L;

  private final boolean retryable;
  private final boolean answerLost;

  /**
   * A failure before the request was sent ({@link #answerLost()} false).
   *
   * @param host the {@code host:port} the request went to
   * @param reason what failed, without the host
   * @param cause the underlying exception, or null
   * @param retryable whether §7's load balancer may try another host
   */
  public KmsTransportException(String host, String reason, Throwable cause, boolean retryable) {
    this(host, reason, cause, retryable, false);
  }

  /**
   * @param host the {@code host:port} the request went to
   * @param reason what failed, without the host
   * @param cause the underlying exception, or null
   * @param retryable whether §7's load balancer may try another host
   * @param answerLost whether the request had been sent and no answer (status) came
   */
  public KmsTransportException(
      String host, String reason, Throwable cause, boolean retryable, boolean answerLost) {
    super(host + ": " + reason, host, cause);
    this.retryable = retryable;
    this.answerLost = answerLost;
  }

  /**
   * True when the request had been sent (over an established TLS connection) when the connection
   * broke or the request timed out, before any answer: the server may have acted on it.
   */
  public boolean answerLost() {
    return answerLost;
  }

  /** Whether another host may be tried. */
  public boolean retryable() {
    return retryable;
  }
}
