package io.openkms.kms.domain;

import java.util.Objects;

/**
 * A request failed with an HTTP status and an exact message, which the HTTP layer sends as is
 * (docs/PROTOCOL.md §6: clients compare status and message exactly). Carries no stack trace: it is
 * an expected outcome, not a bug, and is cheap to throw on the hot path.
 */
public final class KmsException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  private final int status;

  /** An exception for one of the fixed {@link ApiError}s. */
  public KmsException(ApiError error) {
    this(error.status(), error.message());
  }

  /**
   * An exception with any status and message: made by the catalogue ({@link ApiError}) only.
   *
   * @param status HTTP status, 400..599
   * @param message the exact message clients see
   */
  KmsException(int status, String message) {
    super(Objects.requireNonNull(message, "message"), null, false, false);
    if (status < 400 || status > 599) {
      throw new IllegalArgumentException("not an error status: " + status);
    }
    this.status = status;
  }

  /** The HTTP status. */
  public int status() {
    return status;
  }

  /** The exact message, as clients see it. */
  public String message() {
    return getMessage();
  }

  /** True if this exception has the status and message of {@code error}. */
  public boolean is(ApiError error) {
    return status == error.status() && getMessage().equals(error.message());
  }

  @Override
  public String toString() {
    return "KmsException[" + status + " " + getMessage() + "]";
  }
}
