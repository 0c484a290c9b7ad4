package io.openkms.persistence;

/**
 * A sealed value could not be opened: wrong key, tampered bytes, wrong associated data or a value
 * too short to be a ciphertext. Every such failure carries the same message, {@value #MESSAGE}, and
 * no cause or stack trace, so that it reveals nothing about which check failed (the style of Tink's
 * {@code GeneralSecurityException} on decryption).
 */
public final class UnsealException extends Exception {
  private static final long serialVersionUID = 1L;

  /** The one message of every unseal failure (the spec's wording, docs/REFERENCE.md §9). */
  public static final String MESSAGE = "invalid ciphertext";

  /** Creates the exception with message {@value #MESSAGE}. */
  public UnsealException() {
    super(MESSAGE, null, false, false);
  }
}
