package io.openkms.http.client;

/**
 * Base of every error {@link KmsClient} raises for a request: {@link KmsClientException} (the
 * server answered with a non-200 status), {@link KmsTransportException} (no answer: network or TLS)
 * and {@link KmsProtocolException} (an answer the client cannot use). No stack trace is recorded.
 */
public abstract sealed class KmsRequestException extends RuntimeException
    permits KmsClientException, KmsTransportException, KmsProtocolException {

  private static final long serialVersionUID = 1L;

  private final String host;

  KmsRequestException(String message, String host, Throwable cause) {
    super(message, cause, true, false);
    this.host = host;
  }

  /** The {@code host:port} the request went to. */
  public String host() {
    return host;
  }

  /** The Go client's {@code HostError} text: {@code "host:port": message}. */
  public String hostMessage() {
    return "\"" + host + "\": " + getMessage();
  }
}
