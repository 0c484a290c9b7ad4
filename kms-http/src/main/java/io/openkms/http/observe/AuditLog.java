package io.openkms.http.observe;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.openkms.kms.domain.ApiError;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The audit log's queue: requests hand their line to {@link #offer} and go on; one daemon thread
 * ({@code minkms-audit}) takes the lines and writes them to the {@link Sink} (logback's audit
 * appenders). A slow or stuck sink therefore never slows a request: when the queue (at most {@code
 * capacity} lines) is full the line is dropped and counted in {@code minkms_audit_dropped_total},
 * or, with {@code failClosed}, the request is refused instead (503 {@code audit log unavailable:
 * the audit queue is full}, see {@link #failClosed()}).
 *
 * <p>Meters: {@code minkms_audit_lines_total} (written), {@code minkms_audit_dropped_total}
 * (dropped because the queue was full), {@code minkms_audit_sink_failures_total} (the sink threw),
 * {@code minkms_audit_queue_lines} (lines waiting).
 */
public final class AuditLog implements AutoCloseable {

  /** Where the lines go; may block (the writer thread waits, requests do not). */
  @FunctionalInterface
  public interface Sink {
    /**
     * Writes one or more lines: several are joined by line breaks (the writer hands over what
     * queued up meanwhile, at most {@link #BATCH_LINES}, so that a busy log costs one write per
     * batch, not per line); no line break at the end.
     */
    void write(String lines) throws Exception;
  }

  /** Most lines handed to the sink at once. */
  public static final int BATCH_LINES = 256;

  /** Message of the 503 of a fail-closed node whose audit queue is full. */
  public static final String UNAVAILABLE = ApiError.AUDIT_UNAVAILABLE.message();

  /** The default queue bound, in lines. */
  public static final int DEFAULT_CAPACITY = 10_000;

  private static final Logger LOG = LoggerFactory.getLogger(AuditLog.class);

  /** An audit log that records nothing. */
  public static final AuditLog OFF = new AuditLog();

  private final BlockingQueue<String> queue;
  private final Sink sink;
  private final boolean failClosed;
  private final Thread writer;
  private final Counter written;
  private final Counter dropped;
  private final Counter failures;
  private volatile boolean closed;

  private AuditLog() {
    this.queue = null;
    this.sink = null;
    this.failClosed = false;
    this.writer = null;
    this.written = null;
    this.dropped = null;
    this.failures = null;
  }

  /**
   * Starts the writer thread.
   *
   * @param sink where the lines go
   * @param capacity the queue bound, in lines (≥ 1)
   * @param failClosed refuse requests (503) when a line cannot be queued, instead of dropping it
   * @param registry where the audit meters go
   */
  public AuditLog(Sink sink, int capacity, boolean failClosed, MeterRegistry registry) {
    if (capacity < 1) {
      throw new IllegalArgumentException("audit queue capacity must be at least 1");
    }
    this.queue = new ArrayBlockingQueue<>(capacity);
    this.sink = sink;
    this.failClosed = failClosed;
    this.written =
        Counter.builder("minkms_audit_lines").description("audit lines written").register(registry);
    this.dropped =
        Counter.builder("minkms_audit_dropped")
            .description("audit lines dropped because the audit queue was full")
            .register(registry);
    this.failures =
        Counter.builder("minkms_audit_sink_failures")
            .description("audit lines the sink failed to write")
            .register(registry);
    Gauge.builder("minkms_audit_queue_lines", queue, BlockingQueue::size)
        .description("audit lines waiting to be written")
        .register(registry);
    this.writer = new Thread(this::drain, "minkms-audit");
    writer.setDaemon(true);
    writer.start();
  }

  /** True when requests are audited. */
  public boolean enabled() {
    return queue != null;
  }

  /** True when a request whose line cannot be queued is refused (503) instead. */
  public boolean failClosed() {
    return failClosed;
  }

  /** True when the queue has room for a line now (always for a disabled log). */
  public boolean hasRoom() {
    return queue == null || queue.remainingCapacity() > 0;
  }

  /**
   * Queues {@code line} without waiting.
   *
   * @return false when the queue is full: the line is dropped (and counted)
   */
  public boolean offer(String line) {
    if (queue == null) {
      return true;
    }
    if (queue.offer(line)) {
      return true;
    }
    dropped.increment();
    return false;
  }

  /** Lines dropped so far. */
  public long dropped() {
    return dropped == null ? 0 : (long) dropped.count();
  }

  /** Lines waiting to be written. */
  public int queued() {
    return queue == null ? 0 : queue.size();
  }

  private void drain() {
    java.util.List<String> batch = new java.util.ArrayList<>(BATCH_LINES);
    while (!closed || !queue.isEmpty()) {
      String line;
      try {
        line = queue.poll(200, TimeUnit.MILLISECONDS);
      } catch (InterruptedException e) {
        if (closed) {
          return;
        }
        continue;
      }
      if (line == null) {
        continue;
      }
      batch.clear();
      batch.add(line);
      queue.drainTo(batch, BATCH_LINES - 1);
      try {
        sink.write(batch.size() == 1 ? line : String.join("\n", batch));
        written.increment(batch.size());
      } catch (Exception | LinkageError e) {
        failures.increment(batch.size());
        LOG.warn("cannot write {} audit line(s): {}", batch.size(), e.toString());
      }
    }
  }

  /** Writes what is queued (waits at most 2 s) and stops the writer thread. */
  @Override
  public void close() {
    if (writer == null) {
      return;
    }
    closed = true;
    try {
      writer.join(2_000);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    writer.interrupt();
  }
}
