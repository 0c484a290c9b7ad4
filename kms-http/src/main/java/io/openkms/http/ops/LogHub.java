package io.openkms.http.ops;

import io.openkms.http.proto.LogRecord;
import io.openkms.http.proto.LogRequest;
import io.openkms.kms.domain.ApiError;
import io.openkms.kms.domain.KmsException;
import java.nio.ByteBuffer;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.pekko.NotUsed;
import org.apache.pekko.stream.BoundedSourceQueue;
import org.apache.pekko.stream.javadsl.Source;
import org.apache.pekko.util.ByteString;

/**
 * The node's error log as a stream ({@code POST /v1/debug/log}, {@code minkms logs};
 * docs/PROTOCOL.md §3 {@code Logs}, docs/REFERENCE.md §7.6): the log appender {@link #publish
 * publishes} every record here; the hub keeps the last {@code history} records (for {@code since})
 * and hands each reader its own bounded queue ({@code Source.queue}). A reader that does not keep
 * up loses records (they are dropped from its queue and counted in {@link #dropped()}); it never
 * slows the logging thread or the other readers. Thread-safe; publishing never blocks on a reader.
 */
public final class LogHub {

  /** Largest record on the wire, length prefix excluded (the Go client's 4 KiB buffer). */
  public static final int MAX_RECORD_BYTES = 4096;

  /** Go slog levels. */
  public static final int DEBUG = -4;

  /** Go slog level Info. */
  public static final int INFO = 0;

  /** Go slog level Warn. */
  public static final int WARN = 4;

  /** Go slog level Error. */
  public static final int ERROR = 8;

  /** The zero {@code time.Time} of Go (year 1) in Unix seconds: "no since". */
  static final long GO_ZERO_TIME_SECONDS = -62135596800L;

  private final int historySize;
  private final int bufferSize;
  private final int maxReaders;
  private final ArrayDeque<LogRecord> history = new ArrayDeque<>();
  private final Set<BoundedSourceQueue<LogRecord>> readers = ConcurrentHashMap.newKeySet();
  private final AtomicLong dropped = new AtomicLong();

  /**
   * @param historySize records kept for {@code since} ({@code minkms.ops.log-history})
   * @param bufferSize records queued per reader before its new records are dropped ({@code
   *     minkms.ops.log-buffer})
   * @param maxReaders concurrent streams ({@code minkms.ops.log-streams})
   */
  public LogHub(int historySize, int bufferSize, int maxReaders) {
    if (historySize < 0 || bufferSize < 1 || maxReaders < 1) {
      throw new IllegalArgumentException("invalid log hub bounds");
    }
    this.historySize = historySize;
    this.bufferSize = bufferSize;
    this.maxReaders = maxReaders;
  }

  /** Records dropped because a reader's queue was full. */
  public long dropped() {
    return dropped.get();
  }

  /** The number of open streams. */
  public int readers() {
    return readers.size();
  }

  /**
   * Adds a record: to the history and to every reader's queue (dropped for a full one). The record
   * is cut to {@link #MAX_RECORD_BYTES}: the trace first, then the message.
   */
  public void publish(LogRecord record) {
    LogRecord r = fit(record);
    synchronized (history) {
      if (historySize > 0) {
        if (history.size() == historySize) {
          history.removeFirst();
        }
        history.addLast(r);
      }
      for (BoundedSourceQueue<LogRecord> q : readers) {
        if (q.offer(r) != org.apache.pekko.stream.QueueOfferResult.enqueued()) {
          dropped.incrementAndGet();
        }
      }
    }
  }

  /**
   * A stream of the records {@code request} selects, framed for the wire (4-byte big-endian length,
   * then the {@code LogRecord}): first those of the history at or after {@code since} (none when
   * {@code since} is unset or Go's zero time), then every new one, until the reader goes away.
   * Level ≥ {@code level}; the message contains {@code message}; the stack trace is kept only when
   * level ≥ {@code trace_level}.
   *
   * @throws KmsException 429 {@code too many log streams: at most N (minkms.ops.log-streams)}
   */
  public Source<ByteString, NotUsed> stream(LogRequest request) {
    if (readers.size() >= maxReaders) {
      throw ApiError.tooManyLogStreams(maxReaders);
    }
    Instant since = since(request);
    return Source.<LogRecord>queue(historySize + bufferSize)
        .mapMaterializedValue(
            q -> {
              synchronized (history) {
                if (since != null) {
                  for (LogRecord r : history) {
                    if (!time(r).isBefore(since)) {
                      q.offer(r);
                    }
                  }
                }
                readers.add(q);
              }
              return q;
            })
        .watchTermination(
            (q, done) -> {
              done.whenComplete((d, e) -> readers.remove(q));
              return NotUsed.getInstance();
            })
        .filter(r -> selects(request, r))
        .map(
            r ->
                frame(
                    r.getLevel() >= request.getTraceLevel()
                        ? r
                        : r.toBuilder().clearTrace().build()));
  }

  /** True if {@code r} passes the level and message filters of {@code request}. */
  static boolean selects(LogRequest request, LogRecord r) {
    return r.getLevel() >= request.getLevel()
        && (request.getMessage().isEmpty() || r.getMessage().contains(request.getMessage()));
  }

  /** The {@code since} of a request; null for none (unset, Go's zero time, or 1970-01-01). */
  static Instant since(LogRequest request) {
    if (!request.hasSince()) {
      return null;
    }
    long seconds = request.getSince().getSeconds();
    if (seconds <= 0 && request.getSince().getNanos() == 0 || seconds == GO_ZERO_TIME_SECONDS) {
      return null;
    }
    return Instant.ofEpochSecond(seconds, request.getSince().getNanos());
  }

  private static Instant time(LogRecord r) {
    return Instant.ofEpochSecond(r.getTime().getSeconds(), r.getTime().getNanos());
  }

  /** 4-byte big-endian length, then the record. */
  static ByteString frame(LogRecord r) {
    byte[] body = r.toByteArray();
    return ByteString.fromByteBuffer(
        ByteBuffer.allocate(4 + body.length).putInt(body.length).put(body).flip());
  }

  /** {@code r}, cut to {@link #MAX_RECORD_BYTES}: trace frames dropped first, then the message. */
  static LogRecord fit(LogRecord r) {
    if (r.getSerializedSize() <= MAX_RECORD_BYTES) {
      return r;
    }
    LogRecord.Builder b = r.toBuilder();
    List<LogRecord.StackFrame> trace = r.getTraceList();
    int keep = trace.size();
    while (keep > 0 && b.build().getSerializedSize() > MAX_RECORD_BYTES) {
      keep = keep / 2;
      b.clearTrace().addAllTrace(trace.subList(0, keep));
    }
    String message = r.getMessage();
    while (b.build().getSerializedSize() > MAX_RECORD_BYTES && !message.isEmpty()) {
      message = message.substring(0, message.length() * 3 / 4) + "…";
      if (message.length() < 8) {
        message = "";
      }
      b.setMessage(message);
    }
    return b.build();
  }
}
