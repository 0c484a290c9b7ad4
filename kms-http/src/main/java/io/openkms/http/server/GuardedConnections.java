package io.openkms.http.server;

import com.typesafe.config.Config;
import io.openkms.http.observe.ConnectionEvents;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;
import org.apache.pekko.NotUsed;
import org.apache.pekko.actor.ActorSystem;
import org.apache.pekko.http.impl.engine.http2.TelemetrySpi;
import org.apache.pekko.http.javadsl.model.AttributeKeys;
import org.apache.pekko.http.scaladsl.model.HttpRequest;
import org.apache.pekko.http.scaladsl.model.HttpResponse;
import org.apache.pekko.japi.function.Function;
import org.apache.pekko.stream.javadsl.BidiFlow;
import org.apache.pekko.stream.javadsl.Flow;
import org.apache.pekko.stream.scaladsl.Tcp;
import org.apache.pekko.util.ByteString;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Guards the API port's TCP connections before TLS (issue 13, "connection exhaustion without
 * authentication"): per-address caps and room for new clients by evicting connections that never
 * finish their handshake ({@link ConnectionGuard}), and a deadline for the TLS handshake ({@link
 * HandshakeDeadline}) and, after it, for each request head ({@link RequestActivity}). Without it,
 * 1,024 idle TCP connections that send no byte held every one of Pekko HTTP's {@code
 * max-connections} slots until the idle timeout.
 *
 * <p>It plugs into Pekko HTTP's server binding through the connection hook that Pekko HTTP offers
 * to instrumentation ({@code TelemetrySpi}, marked {@code @InternalStableApi}), named by {@code
 * pekko.http.http2-telemetry-class} in {@code minkms-http.conf}; Pekko creates one per actor system
 * with the system as argument. It applies to servers bound with {@code enable-http2 = on} (the
 * minkms default). Bounds ({@link Limits#of(Config)}): {@code minkms.http.max-connections}, {@code
 * minkms.http.max-connections-per-address}, {@code minkms.http.tls-handshake-timeout}, {@code
 * minkms.http.request-header-timeout}, {@code minkms.http.request-stall-grace}, {@code
 * minkms.http.request-idle-evict}, {@code minkms.http.handshake-evict-grace}. The requests of each
 * connection that are at the handler are counted, and the time of its last request kept, through
 * {@link #tracking}, which the server's handler is wrapped in.
 *
 * <p>Metrics: {@link #report(ActorSystem, ConnectionEvents)}; counters: {@link #of(ActorSystem)}.
 */
public final class GuardedConnections implements TelemetrySpi {

  private static final Logger LOG = LoggerFactory.getLogger(GuardedConnections.class);

  private static final Map<ActorSystem, GuardedConnections> BY_SYSTEM = new ConcurrentHashMap<>();

  private static final Map<ActorSystem, ConnectionEvents> EVENTS = new ConcurrentHashMap<>();

  /**
   * The connection bounds of the API port.
   *
   * @param maxConnections {@code minkms.http.max-connections}: connections in all
   * @param maxPerAddress {@code minkms.http.max-connections-per-address}: from one IP address
   * @param handshakeTimeout {@code minkms.http.tls-handshake-timeout}: from accept to the client's
   *     first encrypted record
   * @param headerTimeout {@code minkms.http.request-header-timeout}: how long a request may be
   *     pending after the handshake, until the server sends anything ({@link RequestActivity})
   * @param stallGrace {@code minkms.http.request-stall-grace}: when all {@code maxConnections} are
   *     taken, a connection whose request bytes got no answer for this long, with none of its
   *     requests at the handler, may be evicted for a new one ({@link ConnectionGuard})
   * @param requestIdleEvict {@code minkms.http.request-idle-evict}: when all {@code maxConnections}
   *     are taken and none may be evicted otherwise, a connection whose last request (or accept) is
   *     this old, with none at the handler, may be evicted for a new one (an HTTP/2 client that
   *     only sends PING frames; {@link ConnectionGuard})
   * @param handshakeEvictGrace {@code minkms.http.handshake-evict-grace}: when all {@code
   *     maxConnections} are taken, a connection accepted this long ago without a finished TLS
   *     handshake is evicted before any other; a younger one (a real client mid-handshake) only
   *     when no other may be ({@link ConnectionGuard})
   */
  public record Limits(
      int maxConnections,
      int maxPerAddress,
      Duration handshakeTimeout,
      Duration headerTimeout,
      Duration stallGrace,
      Duration requestIdleEvict,
      Duration handshakeEvictGrace) {

    /**
     * Reads the bounds from {@code config} (defaults in {@code minkms-http.conf}).
     *
     * @throws com.typesafe.config.ConfigException when a key is missing or not of its type
     */
    public static Limits of(Config config) {
      return new Limits(
          config.getInt("minkms.http.max-connections"),
          config.getInt("minkms.http.max-connections-per-address"),
          config.getDuration("minkms.http.tls-handshake-timeout"),
          config.getDuration("minkms.http.request-header-timeout"),
          config.getDuration("minkms.http.request-stall-grace"),
          config.getDuration("minkms.http.request-idle-evict"),
          config.getDuration("minkms.http.handshake-evict-grace"));
    }
  }

  private final ActorSystem system;
  private final Limits limits;
  private final ConnectionGuard guard;
  private final AtomicLong ids = new AtomicLong();

  /** An admitted connection: completing {@code eviction} closes it; its request activity. */
  private record Admitted(CompletableFuture<String> eviction, RequestActivity activity) {}

  private final Map<Long, Admitted> admitted = new ConcurrentHashMap<>();

  /** The request activity of each admitted connection by its remote socket address. */
  private final Map<InetSocketAddress, RequestActivity> byRemote = new ConcurrentHashMap<>();

  /** The idle times of the open connections, for {@link ConnectionGuard#open}. */
  private final ConnectionGuard.IdleClock idleClock =
      new ConnectionGuard.IdleClock() {
        @Override
        public long nowNanos() {
          return System.nanoTime();
        }

        @Override
        public ConnectionGuard.Activity activity(long id) {
          Admitted a = admitted.get(id);
          return a == null ? ConnectionGuard.Activity.BUSY : a.activity().activity();
        }
      };

  private final LongAdder accepted = new LongAdder();
  private final LongAdder refusedPerAddress = new LongAdder();
  private final LongAdder refusedFull = new LongAdder();
  private final LongAdder evicted = new LongAdder();
  private final LongAdder handshakeTimeouts = new LongAdder();
  private final LongAdder headerTimeouts = new LongAdder();
  private final LongAdder untracked = new LongAdder();

  /** Called by Pekko HTTP (once per actor system). */
  public GuardedConnections(ActorSystem system) {
    this.system = system;
    this.limits = Limits.of(system.settings().config());
    this.guard =
        new ConnectionGuard(
            limits.maxConnections(),
            limits.maxPerAddress(),
            Math.max(1, limits.stallGrace().toMillis()),
            Math.max(1, limits.requestIdleEvict().toMillis()),
            Math.max(1, limits.handshakeEvictGrace().toMillis()));
    BY_SYSTEM.put(system, this);
    system.registerOnTermination(() -> BY_SYSTEM.remove(system));
  }

  /**
   * Reports the connections of the API server in {@code system} to {@code events} (the node's
   * metrics): opened and closed for admitted connections, and one handshake outcome per admitted
   * connection: {@code handshake(true)} when the client reaches encrypted traffic (its first {@code
   * application_data} record), {@code handshake(false)} when the connection is closed first (the
   * handshake deadline, an eviction, a TLS alert such as no common cipher or a refused client key,
   * a client that hangs up). Seen from the record layer only: a TLS 1.3 client whose certificate
   * the server refuses after the client's encrypted Finished counts as {@code true} (the engine
   * that decides runs inside Pekko's TLS stage, which tells nothing to this guard). Call before
   * binding; forgotten when the system terminates.
   */
  public static void report(ActorSystem system, ConnectionEvents events) {
    EVENTS.put(system, events);
    system.registerOnTermination(() -> EVENTS.remove(system));
  }

  /** The guard of the API server in {@code system}, once its port is bound. */
  public static Optional<GuardedConnections> of(ActorSystem system) {
    return Optional.ofNullable(BY_SYSTEM.get(system));
  }

  /** The bounds in force. */
  public Limits limits() {
    return limits;
  }

  /** Connections open now. */
  public int openConnections() {
    return guard.openConnections();
  }

  /** Connections admitted since start. */
  public long accepted() {
    return accepted.sum();
  }

  /** Connections refused because their address held {@code max-connections-per-address}. */
  public long refusedPerAddress() {
    return refusedPerAddress.sum();
  }

  /** Connections refused because {@code max-connections} had all finished their handshake. */
  public long refusedFull() {
    return refusedFull.sum();
  }

  /** Connections closed to make room for a new one ({@link ConnectionGuard}'s rules). */
  public long evicted() {
    return evicted.sum();
  }

  /** Connections closed because their handshake took longer than the timeout. */
  public long handshakeTimeouts() {
    return handshakeTimeouts.sum();
  }

  /** Connections closed because a request was pending longer than its timeout. */
  public long headerTimeouts() {
    return headerTimeouts.sum();
  }

  /**
   * Requests {@link #tracking} could not tie to an open connection (no remote address on the
   * request, or its connection already closed): they do not protect their connection from eviction.
   */
  public long untracked() {
    return untracked.sum();
  }

  /**
   * {@code handler} with the requests it serves counted on their connections, so that {@link
   * ConnectionGuard} never evicts a connection whose request is at the handler (a slow {@code
   * CLUSTER:ADDNODE} takes 100 s) while it may evict one whose client trickles a request head that
   * never reaches it. A request is tied to its connection by its remote socket address (address and
   * port), which Pekko HTTP puts on HTTP/1.1 and HTTP/2 requests alike when {@code
   * remote-address-attribute} is on ({@link KmsHttpServer} turns it on). Responses and failures
   * pass unchanged.
   *
   * @param system the actor system whose API server calls the handler (its guard is looked up per
   *     request: the server is bound after this is called)
   */
  public static Function<
          org.apache.pekko.http.javadsl.model.HttpRequest,
          CompletionStage<org.apache.pekko.http.javadsl.model.HttpResponse>>
      tracking(
          ActorSystem system,
          Function<
                  org.apache.pekko.http.javadsl.model.HttpRequest,
                  CompletionStage<org.apache.pekko.http.javadsl.model.HttpResponse>>
              handler) {
    return request -> {
      GuardedConnections guard = BY_SYSTEM.get(system);
      RequestActivity activity = guard == null ? null : guard.activityOf(request);
      if (activity == null) {
        if (guard != null) {
          guard.untracked.increment();
        }
        return handler.apply(request);
      }
      activity.requestStarted(System.nanoTime());
      CompletionStage<org.apache.pekko.http.javadsl.model.HttpResponse> response;
      try {
        response = handler.apply(request);
      } catch (Exception | Error e) {
        activity.requestEnded(System.nanoTime());
        throw e;
      }
      return response.whenComplete((r, e) -> activity.requestEnded(System.nanoTime()));
    };
  }

  /** The activity of the open connection {@code request} came on, or null. */
  private RequestActivity activityOf(org.apache.pekko.http.javadsl.model.HttpRequest request) {
    return remoteOf(request).map(byRemote::get).orElse(null);
  }

  /**
   * The remote socket address (address and port) of the connection {@code request} came on: the key
   * of its connection, the same for every request of one HTTP/1.1 or HTTP/2 connection (Pekko
   * HTTP's {@code remote-address-attribute}, which {@link KmsHttpServer} turns on); empty when the
   * request carries none.
   */
  static Optional<InetSocketAddress> remoteOf(
      org.apache.pekko.http.javadsl.model.HttpRequest request) {
    Optional<org.apache.pekko.http.javadsl.model.RemoteAddress> remote =
        request.getAttribute(AttributeKeys.remoteAddress);
    if (remote.isEmpty() || remote.get().getAddress().isEmpty()) {
      return Optional.empty();
    }
    return Optional.of(
        new InetSocketAddress(remote.get().getAddress().get(), remote.get().getPort()));
  }

  @Override
  public org.apache.pekko.stream.scaladsl.Flow<
          Tcp.IncomingConnection, Tcp.IncomingConnection, NotUsed>
      serverBinding() {
    return Flow.<Tcp.IncomingConnection>create().map(this::guard).asScala();
  }

  private Tcp.IncomingConnection guard(Tcp.IncomingConnection incoming) {
    long id = ids.incrementAndGet();
    InetAddress address = incoming.remoteAddress().getAddress();
    ConnectionGuard.Decision decision = guard.open(id, address, idleClock);
    if (decision.verdict() != ConnectionGuard.Verdict.ADMIT) {
      (decision.verdict() == ConnectionGuard.Verdict.REFUSE_ADDRESS
              ? refusedPerAddress
              : refusedFull)
          .increment();
      LOG.debug("refused connection from {}: {}", incoming.remoteAddress(), decision.verdict());
      // The TCP flow must be part of what Pekko runs, or the socket stays open until Pekko's
      // registration timeout: nothing is written (its input completes: the socket is closed)
      // and nothing is read.
      return new Tcp.IncomingConnection(
          incoming.localAddress(),
          incoming.remoteAddress(),
          Flow.<ByteString>create().take(0).via(incoming.flow()).take(0).asScala());
    }
    accepted.increment();
    ConnectionEvents events = EVENTS.getOrDefault(system, ConnectionEvents.NONE);
    events.connectionOpened();
    if (decision.evict() >= 0) {
      Admitted victim = admitted.get(decision.evict());
      if (victim != null) {
        evicted.increment();
        victim
            .eviction()
            .complete(
                "evicted for a new connection: "
                    + limits.maxConnections()
                    + " connections open (minkms.http.max-connections)");
      }
    }
    CompletableFuture<String> eviction = new CompletableFuture<>();
    AtomicBoolean outcome = new AtomicBoolean(); // set once this connection's handshake is told
    RequestActivity activity = new RequestActivity(System.nanoTime());
    admitted.put(id, new Admitted(eviction, activity));
    InetSocketAddress remote = incoming.remoteAddress();
    byRemote.put(remote, activity);
    HandshakeDeadline deadline =
        new HandshakeDeadline(
            limits,
            eviction,
            activity,
            () -> {
              guard.handshaken(id);
              if (outcome.compareAndSet(false, true)) {
                events.handshake(true);
              }
            },
            handshakeTimeouts::increment,
            headerTimeouts::increment);
    Flow<ByteString, ByteString, NotUsed> flow =
        Flow.<ByteString>create()
            .map(
                bytes -> {
                  activity.serverBytes(System.nanoTime());
                  return bytes;
                })
            .via(Flow.fromGraph(incoming.flow()))
            .via(deadline)
            .watchTermination(
                (notUsed, done) -> {
                  done.whenComplete(
                      (d, e) -> {
                        guard.closed(id);
                        admitted.remove(id);
                        byRemote.remove(remote, activity);
                        if (outcome.compareAndSet(false, true)) {
                          events.handshake(
                              false); // closed before encrypted traffic: timeout, alert, eviction
                        }
                        events.connectionClosed();
                      });
                  return notUsed;
                });
    return new Tcp.IncomingConnection(
        incoming.localAddress(),
        incoming.remoteAddress(),
        flow.addAttributes(QUIET_FAILURES).asScala());
  }

  /**
   * No {@code Error in stage} record (with its stack trace) when a stage of the connection fails:
   * Pekko HTTP gives the attributes of the flow returned here to the whole connection it runs, and
   * its stages inherit them. Pekko HTTP 1.3 fails an HTTP/2 connection's header stage on any
   * request head that does not parse (a bad {@code :path} escape, an oversized header), which a
   * client can send at any rate; its error handling still logs one line for each failed connection
   * ({@link HttpServerLog}).
   */
  static final org.apache.pekko.stream.Attributes QUIET_FAILURES =
      org.apache.pekko.stream.Attributes.createLogLevels(
          org.apache.pekko.stream.Attributes.logLevelOff(),
          org.apache.pekko.stream.Attributes.logLevelDebug(),
          org.apache.pekko.stream.Attributes.logLevelOff());

  @Override
  public org.apache.pekko.stream.scaladsl.BidiFlow<
          HttpRequest, HttpRequest, HttpResponse, HttpResponse, NotUsed>
      client() {
    return BidiFlow.<HttpRequest, HttpResponse>identity().asScala();
  }

  @Override
  public org.apache.pekko.stream.scaladsl.BidiFlow<
          HttpResponse, HttpResponse, HttpRequest, HttpRequest, NotUsed>
      serverConnection() {
    return BidiFlow.<HttpResponse, HttpRequest>identity().asScala();
  }
}
