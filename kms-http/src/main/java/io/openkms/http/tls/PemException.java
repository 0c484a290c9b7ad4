package io.openkms.http.tls;

/**
 * A PEM file that cannot be read or used. The message is one line that names the file, for example
 * {@code cannot read private key file /etc/minkms/key.pem: private key is encrypted}, and is meant
 * to be printed to the operator as is.
 */
public final class PemException extends Exception {

  private static final long serialVersionUID = 1L;

  /**
   * @param message one line naming the file and the reason
   */
  public PemException(String message) {
    super(message, null, false, false);
  }
}
