package io.openkms.http.server;

import io.openkms.http.observe.AuditLog;
import io.openkms.http.observe.AuditRecord;
import io.openkms.http.observe.HttpMetrics;
import io.openkms.http.observe.Observability;
import io.openkms.kms.crypto.Identity;
import io.openkms.kms.domain.Authorizer;
import io.openkms.kms.domain.Command;
import io.openkms.kms.domain.Privilege;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Supplier;
import org.apache.pekko.http.javadsl.model.HttpRequest;
import org.apache.pekko.http.javadsl.model.HttpResponse;

/**
 * The one wrapper around every request of the API port: the edge table ({@link Route}: which
 * endpoint, who may call it, whether it is audited and under which meters it is counted) applied
 * in one place. For each request, in this order:
 *
 * <ol>
 *   <li>the route's access rule: {@link Access#SYSADMIN} endpoints answer 401
 *       {@value #NO_CERTIFICATE} without a client certificate and 403
 *       {@code access denied: insufficient permissions} to anyone but a SysAdmin, unless the
 *       configuration opens them ({@code api: {/v1/health/metrics: {skip_auth: true}}});
 *       {@link Access#HANDLER} routes are authorized by their handlers (per command);
 *   <li>for an audited route of a fail-closed node whose audit queue is full: 503
 *       {@value AuditLog#UNAVAILABLE}, before anything is done;
 *   <li>the handler;
 *   <li>the request meters ({@link HttpMetrics}: by command or endpoint, and status) and, for an
 *       audited route, one audit line ({@link AuditRecord}); a fail-closed node whose line
 *       cannot be queued answers 503 {@value AuditLog#UNAVAILABLE} instead of the handler's
 *       response.
 * </ol>
 */
final class Edge {

  /** Message of the 401 of a SysAdmin endpoint called without a client certificate. */
  static final String NO_CERTIFICATE = "not authenticated: no TLS client certificate";

  /** Who may call a route. */
  enum Access {
    /** Anyone (docs/PROTOCOL.md §2.4 point 4: "unprivileged by default"). */
    ANYONE,
    /** SysAdmins only, unless the configuration opens the route. */
    SYSADMIN,
    /** The handler authorizes (per command, or the internode identity). */
    HANDLER
  }

  /** The edge table: the endpoints of the API port. */
  enum Route {
    VERSION("/version", Access.ANYONE, false),
    LIVE("/v1/health/live", Access.ANYONE, false),
    READY("/v1/health/ready", Access.ANYONE, false),
    METRICS("/v1/health/metrics", Access.SYSADMIN, false),
    /** {@code /v1/kms[/enclave]}: counted per command. */
    KMS("/v1/kms", Access.HANDLER, true),
    /** {@code /v1/rpc/*}: internode, counted as {@code rpc_http*} per path. */
    RPC("/v1/rpc", Access.HANDLER, false),
    DB("/v1/db", Access.HANDLER, true),
    DEBUG_LOG("/v1/debug/log", Access.HANDLER, true),
    DEBUG_PPROF("/v1/debug/pprof", Access.HANDLER, true),
    DEBUG_RESTART("/v1/debug/restart", Access.HANDLER, true),
    /** Any other path (404). */
    OTHER("other", Access.HANDLER, false);

    final String path;
    final Access access;
    final boolean audited;

    Route(String path, Access access, boolean audited) {
      this.path = path;
      this.access = access;
      this.audited = audited;
    }

    private static final Map<String, Route> BY_PATH = new HashMap<>();

    static {
      for (Route r : values()) {
        BY_PATH.put(r.path.substring(1), r);
      }
    }

    /** The route of a path given as its segments (no empty trailing segment). */
    static Route of(List<String> segments) {
      if (segments.size() >= 2 && segments.get(0).equals("v1")) {
        if (segments.get(1).equals("kms")) {
          return KMS;
        }
        if (segments.get(1).equals("rpc")) {
          return RPC;
        }
      }
      Route r = BY_PATH.get(String.join("/", segments));
      return r == null || r == KMS || r == RPC ? OTHER : r;
    }
  }

  /** Internode paths counted under their own name; others are {@code /v1/rpc/other}. */
  private static final List<String> RPC_PATHS =
      List.of("status", "join", "replicate", "forward", "vote", "restart");

  private final ApiContext api;
  private final Observability obs;
  private final AuditLog audit;
  private final HttpMetrics.Family[] commands;
  private final HttpMetrics.Family[] routes;
  private final Map<String, HttpMetrics.Family> rpc = new HashMap<>();
  private final HttpMetrics.Family rpcOther;
  private final HttpMetrics http;
  private final String requestIdPrefix;
  private final AtomicLong requestIds = new AtomicLong();

  private final org.apache.pekko.stream.Materializer materializer;

  /**
   * @param api the node, its configuration and its observability
   * @param materializer discards the bodies of refused requests
   */
  Edge(ApiContext api, org.apache.pekko.stream.Materializer materializer) {
    this.api = api;
    this.materializer = materializer;
    this.obs = api.observability();
    this.audit = obs.audit();
    this.http = obs.metrics().http();
    Command[] all = Command.values();
    commands = new HttpMetrics.Family[all.length];
    for (Command c : all) {
      if (CommandTable.supports(c)) {
        commands[c.ordinal()] = http.family(c.text());
      }
    }
    Route[] rs = Route.values();
    routes = new HttpMetrics.Family[rs.length];
    for (Route r : rs) {
      if (r != Route.RPC) {
        routes[r.ordinal()] = http.family(r.path);
      }
    }
    for (String p : RPC_PATHS) {
      rpc.put(p, http.rpcFamily("/v1/rpc/" + p));
    }
    rpcOther = http.rpcFamily("/v1/rpc/other");
    requestIdPrefix = hex8(ThreadLocalRandom.current().nextInt());
  }

  /**
   * Runs {@code handler} for {@code request} under the route's rules and records it.
   *
   * @param segments the path's segments, without an empty trailing segment
   * @param handler the request's handling; it fills in {@code x} as it learns the command,
   *     caller and so on, and never completes exceptionally (errors are responses)
   */
  CompletionStage<HttpResponse> around(HttpRequest request, List<String> segments, Exchange x,
      Supplier<CompletionStage<HttpResponse>> handler) {
    long start = System.nanoTime();
    Instant arrived = x.route.audited && audit.enabled() ? Instant.now() : null;
    HttpMetrics.Family rpcFamily = x.route == Route.RPC
        ? rpc.getOrDefault(segments.size() == 3 ? segments.get(2) : "", rpcOther) : null;
    http.started(rpcFamily != null);
    CompletionStage<HttpResponse> response;
    HttpResponse refused = refuse(request, x);
    if (refused != null) {
      response = CompletableFuture.completedFuture(refused);
    } else {
      response = handler.get();
    }
    return response.thenApply(r -> finish(request, x, start, arrived, rpcFamily, r));
  }

  /** The response of a request the route's rules refuse, or null. */
  private HttpResponse refuse(HttpRequest request, Exchange x) {
    if (x.route.access == Access.SYSADMIN && !(x.route == Route.METRICS
        && obs.metricsSkipAuth())) {
      Optional<Identity> caller = CallerIdentity.of(request);
      if (caller.isEmpty()) {
        return error(request, x, 401, NO_CERTIFICATE);
      }
      x.caller = caller.get();
      boolean sysAdmin;
      try {
        sysAdmin = Authorizer.effective(api.node().state(), caller.get(), api.roots(), "")
            .map(e -> e.privilege() == Privilege.SYS_ADMIN).orElse(false);
      } catch (RuntimeException e) {
        sysAdmin = api.roots().contains(caller.get()); // a removed node: roots only
      }
      if (!sysAdmin) {
        return error(request, x, 403, "access denied: insufficient permissions");
      }
    }
    if (x.route.audited && audit.failClosed() && !audit.hasRoom()) {
      return error(request, x, 503, AuditLog.UNAVAILABLE);
    }
    return null;
  }

  private HttpResponse error(HttpRequest request, Exchange x, int status, String message) {
    request.discardEntityBytes(materializer);
    return Responses.error(request, status, message);
  }

  private HttpResponse finish(HttpRequest request, Exchange x, long start, Instant arrived,
      HttpMetrics.Family rpcFamily, HttpResponse response) {
    long nanos = System.nanoTime() - start;
    int status = response.status().intValue();
    HttpMetrics.Family family = rpcFamily;
    if (family == null) {
      family = x.route == Route.KMS && x.command != null ? commands[x.command.ordinal()]
          : routes[x.route.ordinal()];
    }
    family.finished(status, nanos, length(request.entity().getContentLengthOption()),
        length(response.entity().getContentLengthOption()));
    if (arrived == null) {
      return response;
    }
    String line = record(request, x, arrived, status, nanos,
        status >= 400 ? errorMessage(response) : "").toJson();
    if (!audit.offer(line) && audit.failClosed()) {
      return Responses.error(request, 503, AuditLog.UNAVAILABLE);
    }
    return response;
  }

  private static long length(java.util.OptionalLong length) {
    return length.isPresent() ? length.getAsLong() : -1;
  }

  /** The audit record of a finished request. */
  AuditRecord record(HttpRequest request, Exchange x, Instant arrived, int status, long nanos,
      String error) {
    String command = x.command != null ? x.command.text()
        : request.method().value() + " " + x.route.path;
    String name = "";
    String policy = "";
    if (x.firstPayload != null) {
      name = ProtoFields.string(x.firstPayload, 1);
      if (x.command == Command.POLICY_ASSIGN) {
        policy = ProtoFields.string(x.firstPayload, 2);
      }
    }
    Identity caller = x.caller;
    if (caller == null) {
      caller = CallerIdentity.of(request).orElse(null);
    }
    return new AuditRecord(arrived, api.info().host(), requestIdPrefix
        + hex8((int) requestIds.incrementAndGet()), caller == null ? "" : caller.toString(),
        x.enclave, command, name, policy, Math.max(1, x.frames), status, nanos / 1_000,
        error);
  }

  /** The message of an error response built by {@link Responses#error} ({@code ""} if none). */
  static String errorMessage(HttpResponse response) {
    if (!(response.entity() instanceof org.apache.pekko.http.javadsl.model.HttpEntity.Strict
        strict)) {
      return "";
    }
    byte[] body = strict.getData().toArray();
    try {
      if (strict.getContentType().equals(Responses.OCTET_STREAM)) {
        return io.openkms.http.proto.ErrResponse.parseFrom(body).getMessage();
      }
      io.openkms.http.proto.ErrResponse.Builder b = io.openkms.http.proto.ErrResponse.newBuilder();
      com.google.protobuf.util.JsonFormat.parser().ignoringUnknownFields()
          .merge(new String(body, java.nio.charset.StandardCharsets.UTF_8), b);
      return b.getMessage();
    } catch (com.google.protobuf.InvalidProtocolBufferException e) {
      return "";
    }
  }

  private static String hex8(int v) {
    String h = Integer.toHexString(v);
    return "00000000".substring(h.length()) + h;
  }
}
