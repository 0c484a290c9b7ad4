package io.openkms.persistence;

/**
 * The node cannot start with this volume, store or HSM key. The message is one line meant to be
 * printed as is on stderr (e.g. {@code failed to unseal root encryption key with HSM: invalid
 * ciphertext}); no stack trace is kept.
 */
public final class StartupException extends Exception {
  private static final long serialVersionUID = 1L;

  /**
   * @param message one line, shown to the operator as is
   */
  public StartupException(String message) {
    super(message, null, false, false);
  }
}
