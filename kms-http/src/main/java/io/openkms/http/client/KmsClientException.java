package io.openkms.http.client;

/**
 * The server answered with an HTTP status other than 200 (docs/PROTOCOL.md §6). {@link
 * #getMessage()} is the error message exactly as the server sent it (§6.1), so callers can compare
 * status and message with the errors of §6.2, e.g. 404 {@code key does not exist}. Never retried
 * (§7).
 */
public final class KmsClientException extends KmsRequestException {

  private static final long serialVersionUID = 1L;

  private final int status;

  /**
   * @param status the HTTP status code, e.g. 403
   * @param message the error message parsed from the body per §6.1
   * @param host the {@code host:port} that answered
   */
  public KmsClientException(int status, String message, String host) {
    super(message, host, null);
    this.status = status;
  }

  /** The HTTP status code. */
  public int status() {
    return status;
  }

  /** True when status and message equal the given ones, as Go's {@code errors.Is} (§6.2). */
  public boolean is(int status, String message) {
    return this.status == status && getMessage().equals(message);
  }

  @Override
  public String toString() {
    return "KmsClientException[" + status + " " + hostMessage() + "]";
  }
}
