package io.openkms.http.server;

import java.util.concurrent.CompletionStage;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLEngine;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.http.javadsl.ConnectionContext;
import org.apache.pekko.http.javadsl.Http;
import org.apache.pekko.http.javadsl.ServerBinding;
import org.apache.pekko.http.javadsl.settings.Http2ServerSettings;
import org.apache.pekko.http.javadsl.settings.ServerSettings;
import org.apache.pekko.stream.Materializer;

/**
 * Binds the API on HTTPS with mutual TLS: the server asks every client for a certificate (without
 * requiring one: {@code /version} and the health endpoints answer without) and accepts any
 * (self-signed) one with a strong enough key, because the identity is the hash of its public key,
 * not a CA signature (docs/PROTOCOL.md §2.4). TLS 1.2 and 1.3; HTTP/1.1 and HTTP/2 by ALPN (needs
 * {@code pekko.http.server.enable-http2 = on}, set in {@code conf/application.conf}).
 */
public final class KmsHttpServer {

  private KmsHttpServer() {}

  /**
   * The HTTP defaults of the API server ({@code minkms-http.conf}: HTTP/2, the SSL session on each
   * request, body limits), to be layered between the operator's {@code application.conf} and the
   * libraries' {@code reference.conf}.
   */
  public static com.typesafe.config.Config defaults() {
    return com.typesafe.config.ConfigFactory.parseResources(
        KmsHttpServer.class.getClassLoader(), "minkms-http.conf");
  }

  /**
   * Binds {@code api} on {@code iface:port}.
   *
   * @param sslContext the server's context (its key manager holds the server certificate; its trust
   *     manager accepts any client certificate)
   * @return completes with the binding, or fails with a {@link java.net.BindException} when the
   *     port is in use
   * @throws IllegalArgumentException if {@code minkms.http.max-header-block} is below 1 byte or
   *     {@value #MAX_STREAMS_KEY} below 1
   */
  public static CompletionStage<ServerBinding> bind(
      ActorSystem<?> system, String iface, int port, SSLContext sslContext, ApiContext context) {
    return bind(system, iface, port, sslContext, context, ConnectionGate.of(context));
  }

  /**
   * As {@link #bind(ActorSystem, String, int, SSLContext, ApiContext)}, with the gate that closes
   * client connections ({@link ConnectionGate#of} of the context there; tests pass their own).
   */
  static CompletionStage<ServerBinding> bind(
      ActorSystem<?> system,
      String iface,
      int port,
      SSLContext sslContext,
      ApiContext context,
      ConnectionGate gate) {
    Materializer materializer = Materializer.matFromSystem(system);
    KmsApi api = new KmsApi(context, materializer);
    GuardedConnections.report(system.classicSystem(), context.observability().metrics());
    long maxHeaderBlock = system.settings().config().getBytes(HeaderBlockLimitEngine.CONFIG_KEY);
    if (maxHeaderBlock < 1) {
      throw new IllegalArgumentException(
          HeaderBlockLimitEngine.CONFIG_KEY + " must be at least 1 byte: " + maxHeaderBlock);
    }
    // one line per kind of refused connection per 10 s: clients without a certificate set the rate
    LogRateLimiter refusals =
        new LogRateLimiter(LogRateLimiter.DEFAULT_INTERVAL_MILLIS, System::nanoTime);
    return Http.get(system)
        .newServerAt(iface, port)
        .enableHttps(
            ConnectionContext.httpsServer(() -> engine(sslContext, maxHeaderBlock, refusals, gate)))
        .logTo(new HttpServerLog(refusals))
        .adaptSettings(
            settings ->
                slots(
                        strictBodies(streams(settings, system.settings().config())),
                        GuardedConnections.Limits.of(system.settings().config()))
                    // ties each request to its connection (GuardedConnections.tracking)
                    .withRemoteAddressAttribute(true))
        .bind(GuardedConnections.tracking(system.classicSystem(), api));
  }

  /** The HTTP/2 streams one connection may have open at once. */
  static final String MAX_STREAMS_KEY = "minkms.http.max-streams-per-connection";

  /**
   * Pekko HTTP's {@code http2.max-concurrent-streams} (default 256) set to {@value
   * #MAX_STREAMS_KEY} (default 128, {@code minkms-http.conf}): the server announces it in its
   * SETTINGS (SETTINGS_MAX_CONCURRENT_STREAMS) and refuses a stream past it with RST_STREAM
   * REFUSED_STREAM; Go's HTTP/2 client (MinIO) opens another connection instead (the JDK's fails
   * the request, so not below RFC 9113's recommended 100). It bounds the answers one connection can
   * leave unread, and so the response bytes that {@link BudgetedResponses} does not count: less
   * than this x 48 KiB per connection (6 MiB by default; see {@link BudgetedResponses}).
   *
   * @throws com.typesafe.config.ConfigException if the key is missing or not a number
   * @throws IllegalArgumentException if the key is below 1
   */
  static ServerSettings streams(ServerSettings settings, com.typesafe.config.Config config) {
    int streams = config.getInt(MAX_STREAMS_KEY);
    if (streams < 1) {
      throw new IllegalArgumentException(MAX_STREAMS_KEY + " must be at least 1: " + streams);
    }
    return settings.withHttp2Settings(
        settings.getHttp2Settings().withMaxConcurrentStreams(streams));
  }

  /** Pekko HTTP's own slots beyond {@code minkms.http.max-connections}. */
  static final int SLOT_HEADROOM = 64;

  /**
   * Pekko HTTP's {@code max-connections} (the connections it serves at once; a further one waits,
   * unaccepted, in the backlog) set to twice {@code minkms.http.max-connections} plus {@value
   * #SLOT_HEADROOM}, so that {@link GuardedConnections} decides: connections it refuses or evicts
   * hold a slot only while they close, and a real client is never left waiting unaccepted behind
   * idle ones.
   */
  static ServerSettings slots(ServerSettings settings, GuardedConnections.Limits limits) {
    int wanted = 2 * limits.maxConnections() + SLOT_HEADROOM;
    return settings.getMaxConnections() >= wanted ? settings : settings.withMaxConnections(wanted);
  }

  /** Largest HTTP/2 request body collected whole before the request is handled: 32 KiB. */
  static final int STRICT_BODY_BYTES = 32 * 1024;

  /**
   * HTTP/2 settings that deliver request bodies of up to {@link #STRICT_BODY_BYTES} as strict
   * entities ({@code min-collect-strict-entity-size}; Pekko's default 0 streams every body, and
   * reading a stream materializes a stream stage, i.e. an actor, per request). Every KMS request
   * but large batches fits: a 100-frame GenerateKey batch is 8.5 KB. The value is capped as Pekko
   * requires, to avoid flow-control dead locks: at most {@code incoming-stream-level-buffer-size}
   * and {@code incoming-connection-level-buffer-size / max-concurrent-streams} (when that is 0,
   * bodies stay streamed). A value configured above 0 is kept.
   */
  static ServerSettings strictBodies(ServerSettings settings) {
    Http2ServerSettings h2 = settings.getHttp2Settings();
    if (h2.minCollectStrictEntitySize() > 0) {
      return settings;
    }
    int cap =
        Math.min(
            h2.getIncomingStreamLevelBufferSize(),
            h2.getIncomingConnectionLevelBufferSize() / Math.max(1, h2.getMaxConcurrentStreams()));
    if (cap < 1) {
      return settings; // buffers too small to collect anything: keep streaming
    }
    return settings.withHttp2Settings(
        h2.withMinCollectStrictEntitySize(Math.min(STRICT_BODY_BYTES, cap)));
  }

  /**
   * A server-side engine that asks for a client certificate; TLS 1.3 and 1.2 only; HTTP/2 header
   * blocks bounded to {@code maxHeaderBlock} bytes ({@code minkms.http.max-header-block}, {@link
   * HeaderBlockLimitEngine}), its refusals logged at the rate of {@code refusals}; client
   * connections closed while {@code gate} is ({@link ConnectionGate}).
   */
  static SSLEngine engine(
      SSLContext sslContext, long maxHeaderBlock, LogRateLimiter refusals, ConnectionGate gate) {
    return new HeaderBlockLimitEngine(
        io.openkms.http.tls.ServerTls.newEngine(sslContext), maxHeaderBlock, refusals, gate);
  }
}
