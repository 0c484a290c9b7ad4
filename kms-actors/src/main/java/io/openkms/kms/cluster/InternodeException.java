package io.openkms.kms.cluster;

/**
 * An internode HTTPS call failed: the peer could not be reached, refused this node's internode
 * identity (403: it holds another HSM key), or answered with another error.
 */
public final class InternodeException extends RuntimeException {

  /** What went wrong. */
  public enum Kind {
    /** No connection, TLS failure or timeout. */
    UNREACHABLE,
    /** 403: the peer does not accept this node's internode identity. */
    FORBIDDEN,
    /** Any other error status. */
    FAILED
  }

  private final Kind kind;
  private final int status;

  /**
   * @param kind what went wrong
   * @param status the HTTP status, 0 without an answer
   * @param message the reason, shown to the operator
   */
  public InternodeException(Kind kind, int status, String message) {
    super(message, null, false, false);
    this.kind = kind;
    this.status = status;
  }

  /**
   * True if the peer was reached or may have been, but did not answer in time ({@link
   * Kind#UNREACHABLE} by a timeout, not by a refused connection or a failed handshake): a loaded
   * peer may answer the next call.
   */
  public boolean timedOut() {
    return kind == Kind.UNREACHABLE && getMessage() != null && getMessage().contains("timed out");
  }

  /** What went wrong. */
  public Kind kind() {
    return kind;
  }

  /** The HTTP status, 0 without an answer. */
  public int status() {
    return status;
  }
}
