package io.openkms.http.client;

/**
 * The server answered 200 but the answer cannot be used: the body is not well-formed frames, a
 * frame has another command id, the number of frames is wrong, a payload does not parse, a required
 * {@code Content-Length} is missing, or a field has a value the Go client refuses (e.g. {@code kms:
 * key type '' is not supported}). Messages follow the Go client's where it has one
 * (docs/PROTOCOL.md §4.1, §6.2).
 */
public final class KmsProtocolException extends KmsRequestException {

  private static final long serialVersionUID = 1L;

  /**
   * @param message what is wrong with the answer
   * @param host the {@code host:port} that answered
   */
  public KmsProtocolException(String message, String host) {
    super(message, host, null);
  }
}
