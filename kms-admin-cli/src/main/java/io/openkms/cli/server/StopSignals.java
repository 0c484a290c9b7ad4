package io.openkms.cli.server;

import java.util.ArrayList;
import java.util.List;
import sun.misc.Signal;

/**
 * Turns {@code SIGTERM} (systemd's {@code systemctl stop}, {@code docker stop}) and {@code SIGINT}
 * (Ctrl-C) into an orderly stop of the node, so that the process exits with code 0 once the node
 * has stopped, instead of the JVM's default of running shutdown hooks and exiting with 128 + signal
 * (143 for SIGTERM), which systemd reports as a failed stop unless the unit sets {@code
 * SuccessExitStatus=143} (the reference unit, docs/REFERENCE.md §3.3, does not).
 *
 * <p>Uses {@code sun.misc.Signal} (module {@code jdk.unsupported}), the JDK's only way to handle a
 * signal without exiting. A signal the JVM does not let us handle (e.g. with {@code -Xrs}) keeps
 * its default behaviour.
 */
final class StopSignals {

  /** The signals handled, by their JDK names. */
  static final List<String> SIGNALS = List.of("TERM", "INT");

  private StopSignals() {}

  /** What to do on a signal. */
  @FunctionalInterface
  interface Handler {
    /**
     * @param name the signal's name, e.g. {@code SIGTERM}
     * @param number the signal's number, e.g. 15
     */
    void handle(String name, int number);
  }

  /**
   * Installs the handlers.
   *
   * @param stop called on a JDK signal thread, possibly more than once; it must start the stop and
   *     return without blocking
   * @return the names of the signals now handled
   */
  static List<String> install(Handler stop) {
    List<String> installed = new ArrayList<>();
    for (String name : SIGNALS) {
      try {
        Signal.handle(
            new Signal(name), signal -> stop.handle("SIG" + signal.getName(), signal.getNumber()));
        installed.add(name);
      } catch (IllegalArgumentException e) {
        // reserved by the JVM or unknown on this OS: the default behaviour stays
      }
    }
    return installed;
  }
}
