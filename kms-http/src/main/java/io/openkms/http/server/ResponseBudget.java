package io.openkms.http.server;

import java.util.HashMap;
import java.util.Map;

/**
 * The response bytes the API holds in memory that clients have not read yet, bounded in all and per
 * connection (attack trial B: one HTTP/2 connection with a zero flow-control window and 250 streams
 * of 1,000-frame GenerateKey requests made the node hold ~525 MB of answers and die of
 * OutOfMemoryError). Plain Java, thread-safe (one lock; only responses over {@link
 * BudgetedResponses#STREAM_THRESHOLD_BYTES} take it).
 *
 * <p>A response reserves its size before it is handed to Pekko HTTP ({@link #reserve}); the
 * reservation is released once the response is sent, failed or cancelled, or dropped unsent ({@link
 * Reservation#release}, idempotent). A reservation that would take the bytes held past either bound
 * is refused and names the bound (the edge answers 503 naming its key).
 *
 * <p>Bounds: {@value #TOTAL_KEY} (all connections) and {@value #PER_CONNECTION_KEY} (one
 * connection, keyed by its remote socket address, {@link GuardedConnections#remoteOf}); defaults in
 * {@code minkms-http.conf}.
 */
public final class ResponseBudget {

  /** The bound on all connections' held response bytes. */
  public static final String TOTAL_KEY = "minkms.http.max-response-bytes-in-flight";

  /** The bound on one connection's held response bytes. */
  public static final String PER_CONNECTION_KEY = "minkms.http.max-response-bytes-per-connection";

  /** Which bound refused a reservation. */
  public enum Bound {
    /** {@value ResponseBudget#TOTAL_KEY}. */
    TOTAL(TOTAL_KEY),
    /** {@value ResponseBudget#PER_CONNECTION_KEY}. */
    PER_CONNECTION(PER_CONNECTION_KEY);

    private final String key;

    Bound(String key) {
      this.key = key;
    }

    /** The configuration key of the bound. */
    public String key() {
      return key;
    }
  }

  /**
   * The outcome of {@link #reserve}: granted (release it once the response is done) or refused by
   * {@link #refusedBy()}, whose value in bytes is {@link #limit()}.
   */
  public final class Reservation {
    private final Object connection;
    private final long bytes;
    private final Bound refusedBy;
    private boolean released;

    private Reservation(Object connection, long bytes, Bound refusedBy) {
      this.connection = connection;
      this.bytes = bytes;
      this.refusedBy = refusedBy;
      this.released = refusedBy != null;
    }

    /** True if the bytes were reserved. */
    public boolean granted() {
      return refusedBy == null;
    }

    /** The bound that refused the reservation, or null if it was granted. */
    public Bound refusedBy() {
      return refusedBy;
    }

    /** The value in bytes of the refusing bound (of the total bound if granted). */
    public long limit() {
      return refusedBy == Bound.PER_CONNECTION ? maxPerConnection : maxTotal;
    }

    /** The bytes asked for. */
    public long bytes() {
      return bytes;
    }

    /**
     * Gives the bytes back; does nothing for a refused reservation or after the first call.
     *
     * @return true if this call released the bytes
     */
    public boolean release() {
      return ResponseBudget.this.release(this);
    }
  }

  private final long maxTotal;
  private final long maxPerConnection;
  private final Map<Object, Long> byConnection = new HashMap<>();
  private long held;
  private long peak;
  private long refused;

  /**
   * @param maxTotal {@value #TOTAL_KEY}: bytes held for all connections, at least 1
   * @param maxPerConnection {@value #PER_CONNECTION_KEY}: bytes held for one connection, at least 1
   * @throws IllegalArgumentException if a bound is below 1 byte (naming its key)
   */
  public ResponseBudget(long maxTotal, long maxPerConnection) {
    if (maxTotal < 1) {
      throw new IllegalArgumentException(TOTAL_KEY + " must be at least 1 byte: " + maxTotal);
    }
    if (maxPerConnection < 1) {
      throw new IllegalArgumentException(
          PER_CONNECTION_KEY + " must be at least 1 byte: " + maxPerConnection);
    }
    this.maxTotal = maxTotal;
    this.maxPerConnection = maxPerConnection;
  }

  /**
   * Reserves {@code bytes} for a response of {@code connection}: granted if the connection's held
   * bytes stay within {@value #PER_CONNECTION_KEY} and all held bytes within {@value #TOTAL_KEY}
   * (the per-connection bound is checked first); else refused, naming the bound, and nothing is
   * held. A response larger than a bound is always refused.
   *
   * @param connection the connection's key (equal keys: one connection); not null
   * @param bytes the response's size, at least 0
   */
  public synchronized Reservation reserve(Object connection, long bytes) {
    if (bytes < 0) {
      throw new IllegalArgumentException("negative size: " + bytes);
    }
    long mine = byConnection.getOrDefault(connection, 0L);
    if (mine + bytes > maxPerConnection) {
      refused++;
      return new Reservation(connection, bytes, Bound.PER_CONNECTION);
    }
    if (held + bytes > maxTotal) {
      refused++;
      return new Reservation(connection, bytes, Bound.TOTAL);
    }
    byConnection.put(connection, mine + bytes);
    held += bytes;
    peak = Math.max(peak, held);
    return new Reservation(connection, bytes, null);
  }

  /**
   * Releases {@code r} (same as {@link Reservation#release}).
   *
   * @return true if this call gave bytes back
   */
  public synchronized boolean release(Reservation r) {
    if (r.released) {
      return false;
    }
    r.released = true;
    held -= r.bytes;
    long left = byConnection.getOrDefault(r.connection, 0L) - r.bytes;
    if (left <= 0) {
      byConnection.remove(r.connection);
    } else {
      byConnection.put(r.connection, left);
    }
    return true;
  }

  /** Bytes held now, all connections. */
  public synchronized long heldBytes() {
    return held;
  }

  /** Bytes held now for {@code connection}. */
  public synchronized long heldBytes(Object connection) {
    return byConnection.getOrDefault(connection, 0L);
  }

  /** The most bytes held at once since start. */
  public synchronized long peakHeldBytes() {
    return peak;
  }

  /** Connections holding bytes now. */
  public synchronized int connections() {
    return byConnection.size();
  }

  /** Reservations refused since start. */
  public synchronized long refused() {
    return refused;
  }

  /** {@value #TOTAL_KEY} in bytes. */
  public long maxTotal() {
    return maxTotal;
  }

  /** {@value #PER_CONNECTION_KEY} in bytes. */
  public long maxPerConnection() {
    return maxPerConnection;
  }
}
