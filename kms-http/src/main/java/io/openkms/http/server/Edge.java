package io.openkms.http.server;

import io.openkms.http.observe.AuditLog;
import io.openkms.http.observe.AuditRecord;
import io.openkms.http.observe.HttpMetrics;
import io.openkms.http.observe.Observability;
import io.openkms.http.wire.FrameException;
import io.openkms.kms.cluster.ClusterNode;
import io.openkms.kms.cluster.InternodeService;
import io.openkms.kms.crypto.Identity;
import io.openkms.kms.domain.ApiError;
import io.openkms.kms.domain.Authorizer;
import io.openkms.kms.domain.Command;
import io.openkms.kms.domain.KmsException;
import io.openkms.kms.domain.Privilege;
import io.openkms.kms.util.Stages;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.LongFunction;
import java.util.function.ToLongFunction;
import org.apache.pekko.http.javadsl.model.HttpRequest;
import org.apache.pekko.http.javadsl.model.HttpResponse;
import org.apache.pekko.http.scaladsl.model.EntityStreamSizeException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The one wrapper around every request of the API port, applying the edge table: the routes ({@link
 * Route}: path, who may call it, methods, body limit, audit, handler) and, on {@code /v1/kms}, the
 * commands ({@link CommandTable}). No handler checks rights or reads a body by itself. For each
 * request, in this order:
 *
 * <ol>
 *   <li>a request target (path and query) longer than {@code
 *       pekko.http.server.parsing.max-uri-length}: 414 ({@link ApiError#uriTooLong}; HTTP/2 only in
 *       effect: Pekko HTTP's HTTP/1.1 parser answers its own 414 before the edge);
 *   <li>for an audited route of a fail-closed node whose audit queue is full: 503 {@code audit log
 *       unavailable: the audit queue is full}, before anything is done;
 *   <li>a route open only to some callers answers 401 {@code not authenticated: no TLS client
 *       certificate} without one;
 *   <li>the route's {@link Access}: {@link Access#SYSADMIN} routes answer 403 {@code access denied:
 *       insufficient permissions} to anyone but a SysAdmin, unless the configuration opens them
 *       ({@code api: {/v1/health/metrics: {skip_auth: true}}}); {@link Access#INTERNODE} routes 404
 *       on a node outside a cluster and 403 to anyone but the other nodes; {@link Access#COMMAND}
 *       routes answer 403 {@code access denied: insufficient permissions} to a caller without any
 *       privilege in the URL's enclave (a SysAdmin, or an identity of the enclave) before the body
 *       is read, so that a stranger learns nothing from body errors (400, 413); the others are
 *       authorized per command by the {@link CommandTable} once the frames are read;
 *   <li>the method: 405 {@code method not allowed: use …};
 *   <li>the handler, which reads the body through {@link Incoming#body()} only: at most the route's
 *       limit (413), within its time (408); a route without a body has it read and dropped, up to
 *       {@code minkms.http.max-drain-bytes} (beyond, the request stream is cut: HTTP/2 resets it,
 *       HTTP/1.1 closes the connection, once the answer is sent);
 *   <li>errors, thrown or completed exceptionally, become error responses ({@link #failure}): every
 *       status and message comes from the catalogue ({@link ApiError}), every body from {@link
 *       Responses#error};
 *   <li>a response body over 16 KiB (but the backup, {@code GET /v1/db}) reserves its size in the
 *       response budget ({@link BudgetedResponses}, {@link ResponseBudget}) until it is sent;
 *       beyond {@code minkms.http.max-response-bytes-in-flight} (all connections) or {@code
 *       minkms.http.max-response-bytes-per-connection}: 503 {@code server busy: responses not yet
 *       read by clients exceed <key> (<limit> bytes); try again} instead;
 *   <li>the request meters ({@link HttpMetrics}: by command or endpoint, and status) and, for an
 *       audited route, one audit line ({@link AuditRecord}); a fail-closed node whose line cannot
 *       be queued answers 503 {@code audit log unavailable: …} instead of the handler's response.
 * </ol>
 */
final class Edge {

  private static final Logger LOG = LoggerFactory.getLogger(Edge.class);

  /** The methods a route answers, and how its 405 names them. */
  record Methods(String hint, Set<String> names) {
    static final Methods ANY = new Methods("", Set.of());
    static final Methods GET = new Methods("GET", Set.of("GET"));
    static final Methods POST = new Methods("POST", Set.of("POST"));

    /** {@code /v1/db}: PUT restores, and so does POST (older clients). */
    static final Methods GET_PUT = new Methods("GET or PUT", Set.of("GET", "PUT", "POST"));

    static final Methods PROFILE =
        new Methods("POST, GET or DELETE", Set.of("POST", "GET", "DELETE"));

    boolean allows(String method) {
      return names.isEmpty() || names.contains(method);
    }
  }

  /**
   * The body a route takes.
   *
   * @param max its largest size in bytes, from the node's configuration
   * @param timeoutMillis how long it may take to arrive (408 after)
   * @param tooLarge the 413 naming the limit
   */
  record Body(
      ToLongFunction<ApiContext> max, long timeoutMillis, LongFunction<KmsException> tooLarge) {

    /** At most {@code max} bytes within {@link KmsApi#BODY_TIMEOUT_MILLIS}. */
    static Body upTo(long max) {
      return new Body(api -> max, KmsApi.BODY_TIMEOUT_MILLIS, ApiError::bodyTooLarge);
    }
  }

  /** The handling of a route. */
  interface Handler {
    CompletionStage<HttpResponse> handle(Incoming in);
  }

  /**
   * The edge table: the endpoints of the API port (docs/PROTOCOL.md §3, docs/REFERENCE.md §7.1).
   * Columns: path (also the name it is counted and audited under), who may call it (every route but
   * the {@link Access#ANYONE} ones answers 401 without a client certificate), the methods, the body
   * (null: none is read), whether it is audited, the handler.
   */
  enum Route {
    VERSION("/version", Access.ANYONE, Methods.GET, null, false, KmsApi::version),
    LIVE("/v1/health/live", Access.ANYONE, Methods.GET, null, false, KmsApi::live),
    READY("/v1/health/ready", Access.ANYONE, Methods.GET, null, false, KmsApi::ready),
    METRICS("/v1/health/metrics", Access.SYSADMIN, Methods.GET, null, false, KmsApi::metrics),
    /** {@code /v1/kms[/enclave]}: counted per command. */
    KMS(
        "/v1/kms",
        Access.COMMAND,
        Methods.POST,
        Body.upTo(KmsApi.MAX_BODY_BYTES),
        true,
        KmsApi::commands),
    DB(
        "/v1/db",
        Access.SYSADMIN,
        Methods.GET_PUT,
        new Body(
            api -> api.ops().maxBackupBytes(),
            OpsApi.UPLOAD_TIMEOUT_MILLIS,
            ApiError::backupTooLarge),
        true,
        OpsApi::db),
    DEBUG_LOG(
        "/v1/debug/log",
        Access.SYSADMIN,
        Methods.POST,
        Body.upTo(OpsApi.MAX_SMALL_BODY_BYTES),
        true,
        OpsApi::log),
    DEBUG_PPROF("/v1/debug/pprof", Access.SYSADMIN, Methods.PROFILE, null, true, OpsApi::pprof),
    DEBUG_RESTART("/v1/debug/restart", Access.SYSADMIN, Methods.POST, null, true, OpsApi::restart),
    /** Internode (all {@code /v1/rpc/*} counted as {@code rpc_http*} per path). */
    RPC_STATUS("/v1/rpc/status", Access.INTERNODE, Methods.GET, null, false, InternodeApi::status),
    RPC_JOIN(
        "/v1/rpc/join",
        Access.INTERNODE,
        Methods.POST,
        Body.upTo(InternodeApi.MAX_BODY_BYTES),
        false,
        InternodeApi::join),
    RPC_RESTART(
        "/v1/rpc/restart", Access.INTERNODE, Methods.POST, null, false, InternodeApi::restart),
    /** Any other {@code /v1/rpc/} path (404 to the other nodes). */
    RPC("/v1/rpc", Access.INTERNODE, Methods.ANY, null, false, KmsApi::notFound),
    /** Any other path (404). */
    OTHER("other", Access.ANYONE, Methods.ANY, null, false, KmsApi::notFound);

    final String path;
    final Access access;
    final Methods methods;
    final Body body;
    final boolean audited;
    final Handler handler;

    Route(
        String path, Access access, Methods methods, Body body, boolean audited, Handler handler) {
      this.path = path;
      this.access = access;
      this.methods = methods;
      this.body = body;
      this.audited = audited;
      this.handler = handler;
    }

    private static final Map<String, Route> BY_PATH = new HashMap<>();

    static {
      for (Route r : values()) {
        if (r != KMS && r != RPC && r != OTHER) {
          BY_PATH.put(r.path.substring(1), r);
        }
      }
    }

    /** The route of a path given as its segments (no empty trailing segment). */
    static Route of(List<String> segments) {
      if (segments.size() >= 2 && segments.get(0).equals("v1")) {
        if (segments.get(1).equals("kms")) {
          return KMS;
        }
        if (segments.get(1).equals("rpc")) {
          return BY_PATH.getOrDefault(String.join("/", segments), RPC);
        }
      }
      return BY_PATH.getOrDefault(String.join("/", segments), OTHER);
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
  private final int maxUriLength;

  /** The thread that answers requests past their bound (daemon; cancelled timers are removed). */
  private static final ScheduledThreadPoolExecutor DEADLINES = deadlines();

  private final long requestTimeoutNanos;

  /** Reserves the bytes of large responses until they are sent (503 beyond the budget). */
  private final BudgetedResponses responses;

  /**
   * @param api the node, its configuration and its observability
   * @param requestTimeout {@code minkms.http.request-timeout}: the bound on one request, from its
   *     arrival to its answer (AddNode: {@link ClusterNode#ADD_REQUEST_TIMEOUT})
   * @param maxUriLength the longest request target in characters ({@code
   *     pekko.http.server.parsing.max-uri-length}), 414 beyond
   * @param responses the response budget ({@code minkms.http.max-response-bytes-in-flight}, {@code
   *     minkms.http.max-response-bytes-per-connection}): 503 naming the key beyond
   */
  Edge(ApiContext api, Duration requestTimeout, int maxUriLength, BudgetedResponses responses) {
    this.api = api;
    this.responses = responses;
    this.requestTimeoutNanos = requestTimeout.toNanos();
    this.maxUriLength = maxUriLength;
    this.obs = api.observability();
    this.audit = obs.audit();
    this.http = obs.metrics().http();
    Command[] all = Command.values();
    commands = new HttpMetrics.Family[all.length];
    for (Command c : all) {
      if (CommandTable.row(c) != null) {
        commands[c.ordinal()] = http.family(c.text());
      }
    }
    Route[] rs = Route.values();
    routes = new HttpMetrics.Family[rs.length];
    for (Route r : rs) {
      if (r.access != Access.INTERNODE) {
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
   * Runs the route's handler for {@code in} under the route's rules and records it.
   *
   * @return the response; never completes exceptionally (errors are responses)
   */
  CompletionStage<HttpResponse> around(Incoming in) {
    long start = System.nanoTime();
    Exchange x = in.exchange();
    List<String> segments = in.segments();
    Instant arrived = x.route.audited && audit.enabled() ? Instant.now() : null;
    HttpMetrics.Family rpcFamily =
        x.route.access == Access.INTERNODE
            ? rpc.getOrDefault(segments.size() == 3 ? segments.get(2) : "", rpcOther)
            : null;
    http.started(rpcFamily != null);
    CompletionStage<HttpResponse> response;
    try {
      refuse(in);
      if (x.route.body == null) {
        in.discardBody();
      }
      response = x.route.handler.handle(in).exceptionally(e -> failure(in, e));
    } catch (RuntimeException e) {
      response = CompletableFuture.completedFuture(failure(in, e));
    }
    HttpRequest request = in.request();
    return bounded(in, response, start)
        .thenApply(
            r -> {
              in.discardBody();
              // GET /v1/db (SysAdmin): the backup of the whole state (limits: state_size, up to
              // a quarter of the heap), one answer larger than any bound; not counted
              BudgetedResponses.Budgeted b =
                  x.route == Route.DB
                      ? new BudgetedResponses.Budgeted(r, null)
                      : responses.apply(request, r);
              HttpResponse out = finish(request, x, start, arrived, rpcFamily, b.response());
              if (out != b.response()) {
                b.dropped(); // replaced (audit unavailable): never sent
              }
              return out;
            });
  }

  /**
   * {@code response}, or 503 {@code request not answered within <ms> ms
   * (minkms.http.request-timeout)} if it is not complete at the request's bound. Pekko HTTP bounds
   * only HTTP/1.1 requests ({@code pekko.http.server.request-timeout}; its HTTP/2 server has no
   * request timeout, akka/akka-http#3626), so the edge bounds both. A response complete at once
   * (every read but heavy decrypts) costs no timer.
   */
  private CompletionStage<HttpResponse> bounded(
      Incoming in, CompletionStage<HttpResponse> response, long start) {
    if (response instanceof CompletableFuture<HttpResponse> f && f.isDone()) {
      return response;
    }
    CompletableFuture<HttpResponse> out = new CompletableFuture<>();
    Runnable expire =
        new Runnable() {
          @Override
          public void run() {
            boolean add = in.exchange().command == Command.CLUSTER_ADD_NODE;
            long bound = add ? ClusterNode.ADD_REQUEST_TIMEOUT.toNanos() : requestTimeoutNanos;
            long left = start + bound - System.nanoTime();
            if (out.isDone()) {
              return;
            }
            if (left > 0) {
              DEADLINES.schedule(this, left, TimeUnit.NANOSECONDS);
              return;
            }
            String key = add ? "CLUSTER:ADDNODE" : "minkms.http.request-timeout";
            out.complete(failure(in, ApiError.requestTimeout(bound / 1_000_000, key)));
          }
        };
    ScheduledFuture<?> timer =
        DEADLINES.schedule(expire, requestTimeoutNanos, TimeUnit.NANOSECONDS);
    response.whenComplete(
        (r, e) -> {
          timer.cancel(false);
          out.complete(r != null ? r : failure(in, e));
        });
    return out;
  }

  private static ScheduledThreadPoolExecutor deadlines() {
    ScheduledThreadPoolExecutor e =
        new ScheduledThreadPoolExecutor(
            1,
            r -> {
              Thread t = new Thread(r, "minkms-request-deadline");
              t.setDaemon(true);
              return t;
            });
    e.setRemoveOnCancelPolicy(true);
    return e;
  }

  /**
   * Returns if the route's rules let the request through.
   *
   * @throws KmsException 503 (audit), 401, 404 / 403 (access), 405 (method)
   */
  private void refuse(Incoming in) {
    Exchange x = in.exchange();
    Route route = x.route;
    if (targetLength(in) > maxUriLength) {
      throw ApiError.uriTooLong(maxUriLength);
    }
    if (route.audited && audit.failClosed() && !audit.hasRoom()) {
      throw ApiError.AUDIT_UNAVAILABLE.exception();
    }
    boolean open = route == Route.METRICS && obs.metricsSkipAuth();
    Optional<Identity> caller = CallerIdentity.of(in.request());
    if (route.access != Access.ANYONE && !open && caller.isEmpty()) {
      throw ApiError.NO_CERTIFICATE.exception();
    }
    caller.ifPresent(c -> x.caller = c);
    switch (route.access) {
      case SYSADMIN -> {
        if (!open && !(caller.isPresent() && isSysAdmin(caller.get()))) {
          throw ApiError.PERMISSION_DENIED.exception();
        }
      }
      case INTERNODE -> {
        if (!(api.node() instanceof InternodeService service) || in.segments().size() != 3) {
          throw notFound(in.request());
        }
        if (caller.isEmpty() || !caller.get().equals(service.internodeIdentity())) {
          throw ApiError.PERMISSION_DENIED.exception();
        }
      }
      case COMMAND -> requirePrivilege(in, caller.get());
      default -> {} // ANYONE
    }
    if (!route.methods.allows(in.request().method().value())) {
      throw ApiError.methodNotAllowed(route.methods.hint());
    }
  }

  /**
   * Returns if {@code caller} holds a privilege in the enclave of the URL ({@code
   * /v1/kms/<enclave>}; none for {@code /v1/kms}): it is a SysAdmin or an identity of that enclave
   * ({@link Authorizer#effective}). Each command is then authorized by its row of the {@link
   * CommandTable}; a caller without any privilege is refused here, before its body is read, as the
   * {@link Authorizer} would refuse every command it could send.
   *
   * @throws KmsException 403 {@code access denied: insufficient permissions}
   */
  private void requirePrivilege(Incoming in, Identity caller) {
    List<String> segments = in.segments();
    String enclave = segments.size() == 3 ? segments.get(2) : "";
    boolean privileged;
    try {
      privileged =
          Authorizer.effective(api.node().state(), caller, api.roots(), enclave).isPresent();
    } catch (RuntimeException e) {
      // no state to read (a node removed from its cluster, joining, or not admitted): a root gets
      // the node's own error (or, not admitted, its status: CLUSTER:STATUS); any other caller
      // gets 503 from a node that is joining or refuses clients (KmsNode.refusal: a reset node its
      // cluster does not admit), not 403, so that it tries another server
      privileged = api.roots().contains(caller);
      if (!privileged) {
        api.node()
            .refusal()
            .ifPresent(
                r -> {
                  throw r;
                });
        if (e instanceof KmsException k && ApiError.JOINING.message().equals(k.getMessage())) {
          throw k;
        }
      }
    }
    if (!privileged) {
      throw ApiError.PERMISSION_DENIED.exception();
    }
  }

  /**
   * The length of the request target as the HTTP parser counts it, from the parsed URI: {@code /}
   * and each path segment (decoded: at most the sent length), {@code ?} and the raw query.
   */
  private static long targetLength(Incoming in) {
    long n = 1;
    for (String segment : in.segments()) {
      n += segment.length() + 1;
    }
    java.util.Optional<String> query = in.request().getUri().rawQueryString();
    return query.isPresent() ? n + 1 + query.get().length() : n;
  }

  /** True if {@code caller} is a SysAdmin; on a node removed from its cluster: a root only. */
  private boolean isSysAdmin(Identity caller) {
    try {
      return Authorizer.effective(api.node().state(), caller, api.roots(), "")
          .map(e -> e.privilege() == Privilege.SYS_ADMIN)
          .orElse(false);
    } catch (RuntimeException e) {
      return api.roots().contains(caller); // a removed node: roots only
    }
  }

  /** 404 {@code not found: <path>}. */
  static KmsException notFound(HttpRequest request) {
    return ApiError.notFound(request.getUri().path());
  }

  /**
   * The error response of a failed request: a {@link KmsException} as it is; {@link FrameException}
   * 400; a body over the route's limit 413; a body not received in time 408 {@code request body not
   * received in time}; a connection or stream that failed while the body was read (the client went
   * away) 400 {@code request body could not be read}, counted as canceled; anything else 500 {@code
   * internal error}, logged.
   */
  private HttpResponse failure(Incoming in, Throwable e) {
    HttpRequest request = in.request();
    Throwable cause = Stages.cause(e);
    KmsException error;
    if (cause instanceof KmsException k) {
      error = k;
    } else if (cause instanceof FrameException f) {
      error = ApiError.badFrames(f.getMessage());
    } else if (cause instanceof EntityStreamSizeException && in.exchange().route.body != null) {
      error = in.tooLarge();
    } else if (cause instanceof java.util.concurrent.TimeoutException) {
      error = ApiError.BODY_TIMEOUT.exception();
    } else if (cause.getClass().getName().startsWith("org.apache.pekko.stream.")
        || cause.getClass().getName().startsWith("org.apache.pekko.http.")) {
      // The connection or stream failed while the body was read: the client went away (reset,
      // closed, RST_STREAM). Nothing to answer and nothing for the operator to act on.
      LOG.debug(
          "request body not read on {} {}: {}",
          request.method().value(),
          request.getUri().path(),
          cause.toString());
      http.canceled();
      error = ApiError.BODY_NOT_READ.exception();
    } else {
      LOG.error(
          "internal error on {} {}", request.method().value(), request.getUri().path(), cause);
      error = ApiError.INTERNAL.exception();
    }
    return Responses.error(request, error);
  }

  private HttpResponse finish(
      HttpRequest request,
      Exchange x,
      long start,
      Instant arrived,
      HttpMetrics.Family rpcFamily,
      HttpResponse response) {
    long nanos = System.nanoTime() - start;
    int status = response.status().intValue();
    HttpMetrics.Family family = rpcFamily;
    if (family == null) {
      family =
          x.route == Route.KMS && x.command != null
              ? commands[x.command.ordinal()]
              : routes[x.route.ordinal()];
    }
    family.finished(
        status,
        nanos,
        length(request.entity().getContentLengthOption()),
        length(response.entity().getContentLengthOption()));
    if (arrived == null) {
      return response;
    }
    String line =
        record(request, x, arrived, status, nanos, status >= 400 ? errorMessage(response) : "")
            .toJson();
    if (!audit.offer(line) && audit.failClosed()) {
      return Responses.error(request, ApiError.AUDIT_UNAVAILABLE.exception());
    }
    return response;
  }

  private static long length(java.util.OptionalLong length) {
    return length.isPresent() ? length.getAsLong() : -1;
  }

  /** The audit record of a finished request. */
  AuditRecord record(
      HttpRequest request, Exchange x, Instant arrived, int status, long nanos, String error) {
    String command =
        x.command != null ? x.command.text() : request.method().value() + " " + x.route.path;
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
    return new AuditRecord(
        arrived,
        api.info().host(),
        requestIdPrefix + hex8((int) requestIds.incrementAndGet()),
        caller == null ? "" : caller.toString(),
        x.enclave,
        command,
        name,
        policy,
        Math.max(1, x.frames),
        status,
        nanos / 1_000,
        error);
  }

  /** The message of an error response built by {@link Responses#error} ({@code ""} if none). */
  static String errorMessage(HttpResponse response) {
    if (!(response.entity()
        instanceof org.apache.pekko.http.javadsl.model.HttpEntity.Strict strict)) {
      return "";
    }
    byte[] body = strict.getData().toArray();
    try {
      if (strict.getContentType().equals(Responses.OCTET_STREAM)) {
        return io.openkms.http.proto.ErrResponse.parseFrom(body).getMessage();
      }
      io.openkms.http.proto.ErrResponse.Builder b = io.openkms.http.proto.ErrResponse.newBuilder();
      com.google.protobuf.util.JsonFormat.parser()
          .ignoringUnknownFields()
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
