package io.openkms.bench.load;

/**
 * The servers refused the setup of a load run ({@link BenchWorkload#open}): the message names what
 * could not be created and the server's reason; {@code minkms bench} prints it and exits 1.
 */
public final class BenchSetupException extends Exception {

  private static final long serialVersionUID = 1L;

  /**
   * @param message one line, e.g. {@code cannot create key 'bench-1a2b3c4d' in enclave 'e': ...}
   */
  public BenchSetupException(String message) {
    super(message);
  }
}
