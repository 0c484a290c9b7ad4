package io.openkms.kms.actors;

import io.openkms.kms.lifecycle.LifecycleTimeouts;
import io.openkms.kms.lifecycle.ReplicaHealth;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.function.LongSupplier;
import org.apache.pekko.actor.typed.BackoffSupervisorStrategy;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.SupervisorStrategy;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The actor-side holder of a node's {@link ReplicaHealth} machine: the {@link ReplicaLog} feeds it
 * its failures, recoveries and successful writes (on the actor's thread), it logs what the machine
 * decides and publishes the machine's {@link ReplicaHealth.Status} for any thread (the HTTP layer's
 * {@code ready?write}, {@code CLUSTER:STATUS}). It outlives restarts of the actor.
 */
public final class ReplicaMonitor {

  private static final Logger LOG = LoggerFactory.getLogger(ReplicaLog.class);

  /** Longest failure text in a status or log line. */
  static final int MAX_REASON_CHARS = 300;

  private final LongSupplier clock;
  private final ReplicaHealth machine;
  private volatile ReplicaHealth.Status status;
  private volatile JournalMeter meter = JournalMeter.NONE;

  /**
   * Where the replica log reports each journal write (the node's metrics: {@code
   * minkms_journal_write_seconds}, {@code minkms_journal_write_failures_total}). Called on the
   * replica log's thread: must be cheap and must not block.
   */
  public interface JournalMeter {

    /** Reports nothing. */
    JournalMeter NONE =
        new JournalMeter() {
          @Override
          public void written(long nanos) {}

          @Override
          public void failed() {}
        };

    /**
     * A journal write succeeded.
     *
     * @param nanos from the persist effect to its callback: the store's write of the batch (one
     *     atomic write of one or more events) and the events' application
     */
    void written(long nanos);

    /** A journal write failed or was rejected by the store. */
    void failed();
  }

  /**
   * @param timeouts the node's lifecycle timeouts (the restart, health and logging delays)
   * @param clock milliseconds of a monotonic clock
   */
  public ReplicaMonitor(LifecycleTimeouts timeouts, LongSupplier clock) {
    this.clock = clock;
    this.machine = new ReplicaHealth(timeouts, clock.getAsLong());
    this.status = machine.status();
  }

  /** A monitor on the JVM's monotonic clock with {@link LifecycleTimeouts#DEFAULTS}. */
  public static ReplicaMonitor system() {
    return system(LifecycleTimeouts.DEFAULTS);
  }

  /** A monitor on the JVM's monotonic clock with {@code timeouts}. */
  public static ReplicaMonitor system(LifecycleTimeouts timeouts) {
    return new ReplicaMonitor(timeouts, ReplicaMonitor::monotonicMillis);
  }

  /** The node's lifecycle timeouts this monitor's machine runs with. */
  public LifecycleTimeouts timeouts() {
    return machine.timeouts();
  }

  static long monotonicMillis() {
    return System.nanoTime() / 1_000_000;
  }

  /**
   * The restart strategy of {@link ReplicaHealth} ("Restart policy"): exponential backoff, no Pekko
   * log line (the monitor logs one line per failure instead of a stack trace per restart).
   */
  public BackoffSupervisorStrategy backoff() {
    LifecycleTimeouts t = timeouts();
    return SupervisorStrategy.restartWithBackoff(
            Duration.ofMillis(t.minBackoffMillis()),
            Duration.ofMillis(t.maxBackoffMillis()),
            ReplicaHealth.RANDOM_FACTOR)
        .withResetBackoffAfter(Duration.ofMillis(t.resetBackoffAfterMillis()))
        .withLoggingEnabled(false);
  }

  /**
   * {@code behavior} restarted with backoff on any exception (Pekko logs each failure with its
   * stack trace: these are bugs, not journal failures). For the long-lived actors that hold no
   * durable state: the leader, its peer tracker, the replica endpoint. The delays are {@code
   * timeouts}' backoff bounds.
   */
  public static <T> Behavior<T> restarting(LifecycleTimeouts timeouts, Behavior<T> behavior) {
    return Behaviors.supervise(behavior)
        .onFailure(
            RuntimeException.class,
            SupervisorStrategy.restartWithBackoff(
                Duration.ofMillis(timeouts.minBackoffMillis()),
                Duration.ofMillis(timeouts.maxBackoffMillis()),
                ReplicaHealth.RANDOM_FACTOR));
  }

  /** Reports every later journal write to {@code meter} (replacing the one before). */
  public void meterJournal(JournalMeter meter) {
    this.meter = java.util.Objects.requireNonNull(meter, "meter");
  }

  /** The current status (any thread). */
  public ReplicaHealth.Status status() {
    return status;
  }

  /** True if the replica takes writes now (any thread). */
  public boolean healthy() {
    return status.healthy(clock.getAsLong());
  }

  /** Why the replica does not take writes now; empty if it does (any thread). */
  public String problem() {
    return status.problem(clock.getAsLong());
  }

  /** The journal failed: {@code what} (e.g. "journal write") because of {@code cause}. */
  synchronized void failed(String what, Throwable cause) {
    log(machine.failed(clock.getAsLong(), what, describe(cause)));
    status = machine.status();
  }

  /** The replica recovered from its journal. */
  synchronized void recovered() {
    log(machine.recovered(clock.getAsLong()));
    status = machine.status();
  }

  /** A journal write failed (or was rejected) because of {@code cause}. */
  void writeFailed(Throwable cause) {
    meter.failed();
    failed("journal write", cause);
  }

  /**
   * A journal write succeeded (cheap when no failure is open).
   *
   * @param nanos from the persist effect to its callback
   */
  void persisted(long nanos) {
    meter.written(nanos);
    if (status.state() == ReplicaHealth.State.RUNNING) {
      return;
    }
    synchronized (this) {
      log(machine.persisted(clock.getAsLong()));
      status = machine.status();
    }
  }

  private static void log(ReplicaHealth.Log line) {
    switch (line.level()) {
      case ERROR -> LOG.error(line.line());
      case WARN -> LOG.warn(line.line());
      case INFO -> LOG.info(line.line());
      default -> {}
    }
  }

  /**
   * One line of the distinct messages of {@code error} and its causes, outermost first, at most
   * {@value #MAX_REASON_CHARS} characters; the class name stands in for a missing message.
   */
  static String describe(Throwable error) {
    List<String> parts = new ArrayList<>();
    for (Throwable t = error; t != null && parts.size() < 6; t = t.getCause()) {
      String m =
          t.getMessage() == null || t.getMessage().isBlank()
              ? t.getClass().getSimpleName()
              : t.getMessage().strip().replaceAll("\\s+", " ");
      if (parts.stream().noneMatch(p -> p.contains(m))) {
        parts.add(m);
      }
      if (t.getCause() == t) {
        break;
      }
    }
    String text = String.join(": ", parts);
    return text.length() <= MAX_REASON_CHARS ? text : text.substring(0, MAX_REASON_CHARS) + "…";
  }
}
