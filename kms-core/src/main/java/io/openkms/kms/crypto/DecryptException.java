package io.openkms.kms.crypto;

/**
 * A ciphertext did not decrypt: too short, wrong key or version, wrong associated data, or tampered
 * bytes. Every cause gives the same exception and message, {@code invalid ciphertext} (the HTTP
 * layer answers 400 with that text, docs/PROTOCOL.md §6.2), so nothing is leaked. It carries no
 * stack trace and no cause.
 */
public final class DecryptException extends Exception {
  private static final long serialVersionUID = 1L;

  /** The message of every instance. */
  public static final String MESSAGE = "invalid ciphertext";

  /** Creates the exception (no stack trace, no suppression). */
  public DecryptException() {
    super(MESSAGE, null, false, false);
  }
}
