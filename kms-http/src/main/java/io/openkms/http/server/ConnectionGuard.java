package io.openkms.http.server;

import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.Predicate;
import java.util.function.ToLongFunction;

/**
 * Decides which incoming TCP connections of the API port are served (issue 13, "connection
 * exhaustion without authentication"). Pure bookkeeping, no I/O and no clock: the caller reports
 * each connection's events and carries out the decisions.
 *
 * <ul>
 *   <li>A remote address holds at most {@code maxPerAddress} connections: a further one is refused
 *       ({@link Verdict#REFUSE_ADDRESS}) at once, so one host cannot fill the port.
 *   <li>At most {@code maxConnections} connections in all. When they are all taken, the <b>oldest
 *       connection that has not finished its TLS handshake although it was accepted at least the
 *       handshake grace ago</b> ({@code minkms.http.handshake-evict-grace}, 1 s: a real client's
 *       handshake takes milliseconds to a few hundred; a client that sends nothing is cheaper to
 *       drop than one that works) is evicted to make room; else the connection whose <b>request
 *       bytes have gone unanswered longest</b> (the client sent bytes of a request, the server sent
 *       nothing since, and no request of the connection is with the handler, for at least the stall
 *       grace, {@code minkms.http.request-stall-grace}: a client trickling a request head, one
 *       header line every few seconds, or an HTTP/2 client whose last frame needs no answer); else
 *       the connection that has been <b>idle longest</b> (no request pending, no byte either way
 *       for at least {@value #MIN_IDLE_MILLIS} ms: a client holding TLS connections open without
 *       using them, or a real client's keep-alive connection, which it opens again when it needs
 *       it); else the connection whose <b>last request is oldest</b> (no request at the handler, no
 *       client bytes pending, and its last request started or ended, or it was accepted if it sent
 *       none, at least {@code minkms.http.request-idle-evict} ago: an HTTP/2 client that sends a
 *       PING or SETTINGS frame every 500 ms and never a request is always answered and never idle);
 *       else, as the last resort, the <b>oldest connection that has not finished its TLS
 *       handshake</b>, however young. A connection with a request at the handler (a slow {@code
 *       CLUSTER:ADDNODE} takes 100 s) is never evicted, nor one that got bytes from the server
 *       within the grace and made a request within the request idle bound; only when every
 *       connection has finished its handshake and is busy or recently used is a new one refused
 *       ({@link Verdict#REFUSE_FULL}). Before, 1,024 connections that completed TLS and then sent
 *       nothing (from five addresses) locked every new client out for the 90 s idle timeout
 *       (operator trial); after that was fixed, 1,023 connections that sent {@code GET /version
 *       HTTP/1.1} and then one header line every 5 s (from eight addresses) locked out 5 of 9
 *       clients until the 120 s request header timeout (attack trial); and HTTP/2 connections that
 *       sent a PING every 300 ms and no request held every slot for good. Before the grace, any
 *       unfinished handshake went first: with 1,024 idle TLS connections holding the port and
 *       attackers opening and closing handshakes, a real client opening a connection per request
 *       was evicted mid-handshake in 28 of 90 requests (attack trial) while idle connections
 *       stayed.
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

  /** An open connection: its address, whether its handshake finished, its accept (nanoseconds). */
  private record Entry(Object address, boolean handshaken, long acceptedNanos) {}

  /**
   * What the shell knows of one connection's traffic after its handshake, in the caller's
   * nanoseconds.
   *
   * @param lastNanos the last byte either way (the accept if none yet)
   * @param pendingSince since when client bytes are unanswered (the first client byte after the
   *     server's last byte), or {@link #NOTHING_PENDING}
   * @param handling requests of the connection at the handler now (passed to it, not yet answered);
   *     HTTP/2 may have several
   * @param lastRequestNanos when the connection's last request reached the handler or was answered
   *     by it, whichever is later (the accept if it made none): frames that are not requests, such
   *     as HTTP/2 PING or SETTINGS, do not move it
   */
  public record Activity(long lastNanos, long pendingSince, int handling, long lastRequestNanos) {

    /** {@link #pendingSince} when every client byte has been answered. */
    public static final long NOTHING_PENDING = Long.MIN_VALUE;

    /** A connection never evicted: a request at the handler. */
    public static final Activity BUSY = new Activity(0, NOTHING_PENDING, 1, 0);
  }

  /** Least idle time of a connection that finished its handshake before it may be evicted. */
  public static final long MIN_IDLE_MILLIS = 1_000;

  /** The default {@code minkms.http.request-stall-grace}, in milliseconds. */
  public static final long DEFAULT_STALL_GRACE_MILLIS = 2_000;

  /** The default {@code minkms.http.request-idle-evict}, in milliseconds. */
  public static final long DEFAULT_REQUEST_IDLE_MILLIS = 10_000;

  /** The default {@code minkms.http.handshake-evict-grace}, in milliseconds. */
  public static final long DEFAULT_HANDSHAKE_GRACE_MILLIS = 1_000;

  /** Where {@link #open} learns what the open connections are doing (nanoseconds). */
  public interface IdleClock {
    /** Now. */
    long nowNanos();

    /** What connection {@code id} is doing; {@link Activity#BUSY} when unknown. */
    Activity activity(long id);
  }

  /** A clock under which every connection is busy (no eviction of handshaken connections). */
  public static final IdleClock NEVER_IDLE =
      new IdleClock() {
        @Override
        public long nowNanos() {
          return 0;
        }

        @Override
        public Activity activity(long id) {
          return Activity.BUSY;
        }
      };

  private final int maxConnections;
  private final int maxPerAddress;
  private final long stallGraceNanos;
  private final long requestIdleNanos;
  private final long handshakeGraceNanos;

  /** Open connections in arrival order (the eviction order). */
  private final LinkedHashMap<Long, Entry> open = new LinkedHashMap<>();

  private final Map<Object, Integer> perAddress = new HashMap<>();

  /**
   * With the default stall grace ({@value #DEFAULT_STALL_GRACE_MILLIS} ms).
   *
   * @param maxConnections at most this many connections in all (at least 1)
   * @param maxPerAddress at most this many from one remote address (at least 1)
   * @throws IllegalArgumentException for a bound below 1
   */
  public ConnectionGuard(int maxConnections, int maxPerAddress) {
    this(maxConnections, maxPerAddress, DEFAULT_STALL_GRACE_MILLIS);
  }

  /**
   * With the default request idle bound ({@value #DEFAULT_REQUEST_IDLE_MILLIS} ms).
   *
   * @param maxConnections at most this many connections in all (at least 1)
   * @param maxPerAddress at most this many from one remote address (at least 1)
   * @param stallGraceMillis how long a connection's request bytes may go unanswered, with no
   *     request at the handler, before it may be evicted for room (at least 1)
   * @throws IllegalArgumentException for a bound below 1
   */
  public ConnectionGuard(int maxConnections, int maxPerAddress, long stallGraceMillis) {
    this(maxConnections, maxPerAddress, stallGraceMillis, DEFAULT_REQUEST_IDLE_MILLIS);
  }

  /**
   * @param maxConnections at most this many connections in all (at least 1)
   * @param maxPerAddress at most this many from one remote address (at least 1)
   * @param stallGraceMillis how long a connection's request bytes may go unanswered, with no
   *     request at the handler, before it may be evicted for room (at least 1)
   * @param requestIdleMillis how long ago a connection's last request (or its accept) must be, with
   *     no request at the handler and no client bytes pending, before it may be evicted for room
   *     when no other connection may ({@code minkms.http.request-idle-evict}; at least 1)
   * @throws IllegalArgumentException for a bound below 1
   */
  public ConnectionGuard(
      int maxConnections, int maxPerAddress, long stallGraceMillis, long requestIdleMillis) {
    this(
        maxConnections,
        maxPerAddress,
        stallGraceMillis,
        requestIdleMillis,
        DEFAULT_HANDSHAKE_GRACE_MILLIS);
  }

  /**
   * @param maxConnections at most this many connections in all (at least 1)
   * @param maxPerAddress at most this many from one remote address (at least 1)
   * @param stallGraceMillis how long a connection's request bytes may go unanswered, with no
   *     request at the handler, before it may be evicted for room (at least 1)
   * @param requestIdleMillis how long ago a connection's last request (or its accept) must be, with
   *     no request at the handler and no client bytes pending, before it may be evicted for room
   *     when no other connection may ({@code minkms.http.request-idle-evict}; at least 1)
   * @param handshakeGraceMillis how long ago a connection without a finished TLS handshake must
   *     have been accepted to be evicted before any other ({@code
   *     minkms.http.handshake-evict-grace}; at least 1); a younger one is evicted only when no
   *     other rule finds a connection
   * @throws IllegalArgumentException for a bound below 1
   */
  public ConnectionGuard(
      int maxConnections,
      int maxPerAddress,
      long stallGraceMillis,
      long requestIdleMillis,
      long handshakeGraceMillis) {
    if (maxConnections < 1
        || maxPerAddress < 1
        || stallGraceMillis < 1
        || requestIdleMillis < 1
        || handshakeGraceMillis < 1) {
      throw new IllegalArgumentException(
          "connection limits must be at least 1, got "
              + maxConnections
              + ", "
              + maxPerAddress
              + ", "
              + stallGraceMillis
              + " ms and "
              + requestIdleMillis
              + " ms, "
              + handshakeGraceMillis
              + " ms");
    }
    this.maxConnections = maxConnections;
    this.maxPerAddress = maxPerAddress;
    this.stallGraceNanos = stallGraceMillis * 1_000_000;
    this.requestIdleNanos = requestIdleMillis * 1_000_000;
    this.handshakeGraceNanos = handshakeGraceMillis * 1_000_000;
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
   * As {@link #open(long, Object)}, with the accept time of the new connection ({@code
   * idle.nowNanos()}) kept. When all connections are taken, the oldest without a finished handshake
   * accepted at least the handshake grace ago makes room; else the one whose request bytes {@code
   * idle} says have gone unanswered longest (at least the stall grace, none of its requests at the
   * handler); else the one idle longest (at least {@value #MIN_IDLE_MILLIS} ms); else the one whose
   * last request is oldest (at least the request idle bound, none at the handler, no client bytes
   * pending); else the oldest without a finished handshake, however young.
   */
  public synchronized Decision open(long id, Object address, IdleClock idle) {
    if (perAddress.getOrDefault(address, 0) >= maxPerAddress) {
      return new Decision(Verdict.REFUSE_ADDRESS, -1);
    }
    long now = idle.nowNanos();
    long evict = -1;
    if (open.size() >= maxConnections) {
      evict = oldestUnhandshaken(now, handshakeGraceNanos);
      if (evict < 0) {
        evict = longestUnanswered(idle);
      }
      if (evict < 0) {
        evict = longestIdle(idle);
      }
      if (evict < 0) {
        evict = longestWithoutRequest(idle);
      }
      if (evict < 0) {
        evict = oldestUnhandshaken(now, 0);
      }
      if (evict < 0) {
        return new Decision(Verdict.REFUSE_FULL, -1);
      }
      remove(evict);
    }
    open.put(id, new Entry(address, false, now));
    perAddress.merge(address, 1, Integer::sum);
    return new Decision(Verdict.ADMIT, evict);
  }

  /**
   * Connection {@code id} finished its TLS handshake: from now on it is evicted for room only by
   * the rules on its traffic (unanswered, idle, no recent request).
   */
  public synchronized void handshaken(long id) {
    Entry e = open.get(id);
    if (e != null) {
      // replacing keeps the arrival order
      open.put(id, new Entry(e.address(), true, e.acceptedNanos()));
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

  /**
   * The open connection accepted first (arrival order) whose handshake has not finished, accepted
   * at least {@code graceNanos} before {@code now}; -1 if none.
   */
  private long oldestUnhandshaken(long now, long graceNanos) {
    for (Map.Entry<Long, Entry> e : open.entrySet()) {
      if (!e.getValue().handshaken() && now - e.getValue().acceptedNanos() >= graceNanos) {
        return e.getKey();
      }
    }
    return -1;
  }

  /**
   * The handshaken connection whose client bytes have been unanswered longest, for at least the
   * stall grace, with no request at the handler; -1 if none.
   */
  private long longestUnanswered(IdleClock idle) {
    return longest(
        idle,
        stallGraceNanos,
        a -> a.pendingSince() != Activity.NOTHING_PENDING,
        Activity::pendingSince);
  }

  /** The handshaken connection idle longest, for at least {@link #MIN_IDLE_MILLIS}; -1 if none. */
  private long longestIdle(IdleClock idle) {
    return longest(
        idle,
        MIN_IDLE_MILLIS * 1_000_000,
        a -> a.pendingSince() == Activity.NOTHING_PENDING,
        Activity::lastNanos);
  }

  /**
   * The handshaken connection whose last request (or accept) is oldest, at least the request idle
   * bound ago, with no request at the handler and no client bytes pending; -1 if none.
   */
  private long longestWithoutRequest(IdleClock idle) {
    return longest(
        idle,
        requestIdleNanos,
        a -> a.pendingSince() == Activity.NOTHING_PENDING,
        Activity::lastRequestNanos);
  }

  /**
   * The handshaken connection with no request at the handler that matches {@code eligible} and
   * whose {@code since} (System.nanoTime) is the oldest, at least {@code minAgeNanos} before the
   * clock's now; the first in arrival order on a tie; -1 if none. Called only when the table is
   * full.
   */
  private long longest(
      IdleClock idle,
      long minAgeNanos,
      Predicate<Activity> eligible,
      ToLongFunction<Activity> since) {
    long latest = idle.nowNanos() - minAgeNanos;
    long victim = -1;
    long oldest = Long.MAX_VALUE;
    for (Map.Entry<Long, Entry> e : open.entrySet()) {
      if (!e.getValue().handshaken()) {
        continue; // handshakes have their own rules, first and last
      }
      long candidate = e.getKey();
      Activity a = idle.activity(candidate);
      if (a.handling() != 0 || !eligible.test(a)) {
        continue;
      }
      long t = since.applyAsLong(a);
      if (t <= latest && t < oldest) {
        oldest = t;
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
