package io.openkms.http.server;

import java.util.HashMap;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Decides which incoming TCP connections of the API port are served (issue 13, "connection
 * exhaustion without authentication"). Pure bookkeeping, no I/O and no clock: the caller reports
 * each connection's events and carries out the decisions.
 *
 * <ul>
 *   <li>A remote address holds at most {@code maxPerAddress} connections: a further one is refused
 *       ({@link Verdict#REFUSE_ADDRESS}) at once, so one host cannot fill the port.
 *   <li>At most {@code maxConnections} connections in all. When they are all taken, the <b>oldest
 *       connection that has not finished its TLS handshake</b> is evicted to make room (a client
 *       that sends nothing is cheaper to drop than one that works); else the connection that has
 *       been <b>idle longest</b> (no request pending, no byte either way for at least {@value
 *       #MIN_IDLE_MILLIS} ms: a client holding TLS connections open without using them, or a real
 *       client's keep-alive connection, which it opens again when it needs it); only when every
 *       connection has finished its handshake and is busy or recently used is a new one refused
 *       ({@link Verdict#REFUSE_FULL}). Before, 1,024 connections that completed TLS and then sent
 *       nothing (from five addresses) locked every new client out for the 90 s idle timeout
 *       (operator trial).
 * </ul>
 *
 * Thread-safe (every method is synchronized; each call is a few map operations).
 */
public final class ConnectionGuard {

  /** What to do with a new connection. */
  public enum Verdict {
    /** Serve it. */
    ADMIT,
    /** Close it: its address holds {@code maxPerAddress} connections already. */
    REFUSE_ADDRESS,
    /** Close it: {@code maxConnections} connections have all finished their handshakes. */
    REFUSE_FULL
  }

  /**
   * The decision on a new connection.
   *
   * @param evict the id of a connection to close to make room, or -1
   */
  public record Decision(Verdict verdict, long evict) {}

  private record Entry(Object address, boolean handshaken) {}

  /** {@link IdleClock#idleSince} of a connection with a request pending. */
  public static final long BUSY = Long.MIN_VALUE;

  /** Least idle time of a connection that finished its handshake before it may be evicted. */
  public static final long MIN_IDLE_MILLIS = 1_000;

  /** Where {@link #open} learns how long connections have been idle (nanoseconds). */
  public interface IdleClock {
    /** Now. */
    long nowNanos();

    /** Since when connection {@code id} is idle, or {@link #BUSY}. */
    long idleSince(long id);
  }

  /** A clock under which no connection is ever idle (no eviction of handshaken connections). */
  public static final IdleClock NEVER_IDLE =
      new IdleClock() {
        @Override
        public long nowNanos() {
          return 0;
        }

        @Override
        public long idleSince(long id) {
          return BUSY;
        }
      };

  private final int maxConnections;
  private final int maxPerAddress;

  /** Open connections in arrival order (the eviction order). */
  private final LinkedHashMap<Long, Entry> open = new LinkedHashMap<>();

  private final Map<Object, Integer> perAddress = new HashMap<>();

  /**
   * @param maxConnections at most this many connections in all (at least 1)
   * @param maxPerAddress at most this many from one remote address (at least 1)
   * @throws IllegalArgumentException for a bound below 1
   */
  public ConnectionGuard(int maxConnections, int maxPerAddress) {
    if (maxConnections < 1 || maxPerAddress < 1) {
      throw new IllegalArgumentException(
          "connection limits must be at least 1, got " + maxConnections + " and " + maxPerAddress);
    }
    this.maxConnections = maxConnections;
    this.maxPerAddress = maxPerAddress;
  }

  /**
   * A new connection {@code id} from {@code address} (any value with equals, e.g. an {@link
   * java.net.InetAddress}). An admitted connection counts until {@link #closed}; an evicted one
   * stops counting at once.
   */
  public Decision open(long id, Object address) {
    return open(id, address, NEVER_IDLE);
  }

  /**
   * As {@link #open(long, Object)}; when every connection finished its handshake, the one {@code
   * idle} says has been idle longest (at least {@value #MIN_IDLE_MILLIS} ms) makes room.
   */
  public synchronized Decision open(long id, Object address, IdleClock idle) {
    if (perAddress.getOrDefault(address, 0) >= maxPerAddress) {
      return new Decision(Verdict.REFUSE_ADDRESS, -1);
    }
    long evict = -1;
    if (open.size() >= maxConnections) {
      for (Iterator<Map.Entry<Long, Entry>> it = open.entrySet().iterator(); it.hasNext(); ) {
        Map.Entry<Long, Entry> e = it.next();
        if (!e.getValue().handshaken()) {
          evict = e.getKey();
          break;
        }
      }
      if (evict < 0) {
        evict = longestIdle(idle);
      }
      if (evict < 0) {
        return new Decision(Verdict.REFUSE_FULL, -1);
      }
      remove(evict);
    }
    open.put(id, new Entry(address, false));
    perAddress.merge(address, 1, Integer::sum);
    return new Decision(Verdict.ADMIT, evict);
  }

  /** Connection {@code id} finished its TLS handshake: it is no longer evicted for room. */
  public synchronized void handshaken(long id) {
    Entry e = open.get(id);
    if (e != null) {
      open.put(id, new Entry(e.address(), true)); // replacing keeps the arrival order
    }
  }

  /** Connection {@code id} is closed (a no-op for an unknown or evicted id). */
  public synchronized void closed(long id) {
    remove(id);
  }

  /** Connections open now. */
  public synchronized int openConnections() {
    return open.size();
  }

  /** Connections open now from {@code address}. */
  public synchronized int openConnections(Object address) {
    return perAddress.getOrDefault(address, 0);
  }

  /** The open connection idle longest, for at least {@link #MIN_IDLE_MILLIS}; -1 if none. */
  private long longestIdle(IdleClock idle) {
    long latest = idle.nowNanos() - MIN_IDLE_MILLIS * 1_000_000;
    long victim = -1;
    long oldest = Long.MAX_VALUE;
    for (long candidate : open.keySet()) {
      long since = idle.idleSince(candidate);
      if (since != BUSY && since <= latest && since < oldest) {
        oldest = since;
        victim = candidate;
      }
    }
    return victim;
  }

  private void remove(long id) {
    Entry e = open.remove(id);
    if (e != null) {
      perAddress.computeIfPresent(e.address(), (a, n) -> n > 1 ? n - 1 : null);
    }
  }
}
