package io.openkms.http.wire;

/**
 * A {@code /v1/kms} body that does not follow the frame layout of docs/PROTOCOL.md §4.1. The
 * message is meant to be sent to the client as is, with HTTP status 400. No stack trace is
 * recorded: this is an expected input error, not a bug.
 */
public final class FrameException extends RuntimeException {

  private static final long serialVersionUID = 1L;

  /**
   * @param message one line, for example {@code invalid length for received arguments}
   */
  public FrameException(String message) {
    super(message, null, false, false);
  }
}
