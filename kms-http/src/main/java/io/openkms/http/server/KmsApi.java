package io.openkms.http.server;

import io.openkms.http.proto.VersionResponse;
import io.openkms.http.wire.Frame;
import io.openkms.http.wire.Frames;
import io.openkms.kms.domain.ApiError;
import io.openkms.kms.domain.Command;
import io.openkms.kms.domain.Names;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import org.apache.pekko.http.javadsl.model.ContentTypes;
import org.apache.pekko.http.javadsl.model.HttpEntities;
import org.apache.pekko.http.javadsl.model.HttpRequest;
import org.apache.pekko.http.javadsl.model.HttpResponse;
import org.apache.pekko.japi.function.Function;
import org.apache.pekko.stream.Materializer;

/**
 * The node's HTTPS API (docs/PROTOCOL.md §3): {@code GET /version}, {@code /v1/health/live}, {@code
 * /v1/health/ready[?write]}, {@code /v1/health/metrics} and the command endpoint {@code POST
 * /v1/kms[/enclave][/]}; {@code /v1/db} and {@code /v1/debug/*} are {@link OpsApi}'s, {@code
 * /v1/rpc/*} {@link InternodeApi}'s. Every request goes through the {@link Edge}, which applies the
 * edge table (who may call, methods, body limits, metrics, audit, errors).
 *
 * <p>A command request, once the edge let it through (a caller with no privilege in the URL's
 * enclave is refused with 403 before its body is read): path (at most one enclave, else 400) → body
 * (at most {@link #MAX_BODY_BYTES}, else 413; the whole body within {@link #BODY_TIMEOUT_MILLIS},
 * else 408) → framing (§4.1, else 400) → command ids known, and either one write frame or read
 * frames of one command (else 400) → per frame: decode, authorize, handle ({@link CommandTable}).
 * One failing frame fails the request with its status and message (§6).
 */
public final class KmsApi implements Function<HttpRequest, CompletionStage<HttpResponse>> {

  /** Largest accepted request body: 1 MiB (the largest of the {@link CommandTable}'s limits). */
  public static final int MAX_BODY_BYTES = 1 << 20;

  /**
   * The 401 message for a request to {@code /v1/kms} or {@code /v1/rpc} on a connection without a
   * TLS client certificate (docs/PROTOCOL.md §2.4: only {@code /version} and the health endpoints
   * answer without one).
   */
  public static final String NO_CLIENT_CERTIFICATE = ApiError.NO_CERTIFICATE.message();

  /** How long the server waits for a request body, in ms. */
  static final long BODY_TIMEOUT_MILLIS = 10_000;

  private final ApiContext api;
  private final Materializer materializer;
  private final Edge edge;
  private final long drainLimitBytes;

  /**
   * @param api the node, server facts and root identities the handlers use
   * @param materializer runs the request entity streams; its system's configuration gives the
   *     edge's bounds ({@code minkms.http.*}: request timeout, drain limit, response budget)
   * @throws IllegalArgumentException if {@code minkms.http.max-response-bytes-in-flight} or {@code
   *     minkms.http.max-response-bytes-per-connection} is below 1 byte
   */
  public KmsApi(ApiContext api, Materializer materializer) {
    this.api = api;
    this.materializer = materializer;
    this.drainLimitBytes =
        materializer.system().settings().config().getBytes("minkms.http.max-drain-bytes");
    ResponseBudget budget = BudgetedResponses.budget(materializer.system().settings().config());
    BudgetedResponses.register(materializer.system(), budget);
    this.edge =
        new Edge(
            api,
            materializer.system().settings().config().getDuration("minkms.http.request-timeout"),
            org.apache.pekko.http.javadsl.settings.ServerSettings.create(materializer.system())
                .getParserSettings()
                .getMaxUriLength(),
            new BudgetedResponses(budget));
  }

  /** Every request goes through the {@link Edge}. */
  @Override
  public CompletionStage<HttpResponse> apply(HttpRequest request) {
    List<String> segments = new ArrayList<>();
    request.getUri().pathSegments().forEach(segments::add);
    while (!segments.isEmpty() && segments.get(segments.size() - 1).isEmpty()) {
      segments.remove(segments.size() - 1); // "/v1/kms/" and "/v1/kms/e/"
    }
    Exchange x = new Exchange(Edge.Route.of(segments));
    return edge.around(new Incoming(api, request, segments, x, materializer, drainLimitBytes));
  }

  /** {@code GET /version}. */
  static CompletionStage<HttpResponse> version(Incoming in) {
    ApiContext.ServerInfo info = in.api().info();
    VersionResponse v =
        VersionResponse.newBuilder()
            .setVersion(info.version())
            .setCommit(info.commit())
            .setAPIVersion(info.apiVersion())
            .setHost(info.host())
            .setFIPS140(false)
            .build();
    boolean protobuf =
        in.request()
            .getHeader("Accept")
            .map(h -> h.value().trim().equals("application/octet-stream"))
            .orElse(false);
    return done(protobuf ? Responses.ok(v.toByteArray()) : Responses.okJson(Responses.json(v)));
  }

  /** {@code GET /v1/health/live}: 200, empty. */
  static CompletionStage<HttpResponse> live(Incoming in) {
    return done(Responses.ok(new byte[0]));
  }

  /**
   * {@code GET /v1/health/ready[?write]}: 200, or with {@code write} 503 {@code not ready: this
   * node cannot commit writes[: <problem>]}; with or without {@code write} 503 with the node's
   * {@link io.openkms.kms.actors.KmsNode#refusal()} while it refuses clients (a reset node its
   * cluster does not admit).
   */
  static CompletionStage<HttpResponse> ready(Incoming in) {
    boolean write = in.request().getUri().query().get("write").isPresent(); // bare "?write" too
    java.util.Optional<io.openkms.kms.domain.KmsException> refusal = in.api().node().refusal();
    if (refusal.isPresent()) {
      throw refusal.get();
    }
    if (write && !in.api().node().writable()) {
      throw ApiError.notReadyForWrites(in.api().node().replicaProblem());
    }
    return done(Responses.ok(new byte[0]));
  }

  /**
   * {@code GET /v1/health/metrics}: Prometheus text 0.0.4, or OpenMetrics 1.0 when the Accept
   * header asks for {@code application/openmetrics-text} (docs/REFERENCE.md §8). Who may read it is
   * the edge's rule ({@link Edge.Route#METRICS}).
   */
  static CompletionStage<HttpResponse> metrics(Incoming in) {
    var scrape =
        in.api()
            .observability()
            .metrics()
            .scrape(in.request().getHeader("Accept").map(h -> h.value()).orElse(""));
    return done(
        HttpResponse.create()
            .withStatus(200)
            .withEntity(
                HttpEntities.create(
                    ContentTypes.parse(scrape.contentType()),
                    scrape.text().getBytes(java.nio.charset.StandardCharsets.UTF_8))));
  }

  /** Any path the edge table does not name: 404 {@code not found: <path>}. */
  static CompletionStage<HttpResponse> notFound(Incoming in) {
    throw Edge.notFound(in.request());
  }

  /** {@code POST /v1/kms[/enclave]}: the frames of one request. */
  static CompletionStage<HttpResponse> commands(Incoming in) {
    List<String> segments = in.segments();
    if (segments.size() > 3) {
      throw ApiError.invalidCommandPath(in.request().getUri().path());
    }
    String enclave = segments.size() == 3 ? segments.get(2) : "";
    return in.body().thenCompose(body -> execute(in, enclave, body));
  }

  private static CompletionStage<HttpResponse> execute(Incoming in, String enclave, byte[] body) {
    Exchange x = in.exchange();
    List<Frame> frames = Frames.decode(body);
    Command first = null;
    for (Frame f : frames) {
      Command c = Command.byId(f.commandId()).orElse(null);
      if (c == null || CommandTable.row(c) == null) {
        throw ApiError.unknownCommandId(f.commandId());
      }
      if (first == null) {
        first = c;
      } else if (c.isWrite() || first.isWrite()) {
        throw (first.isWrite() && c.isWrite() ? ApiError.ONE_WRITE : ApiError.MIXED_READ_WRITE)
            .exception();
      } else if (c != first) {
        // Every frame is run by the first frame's handler: another command would be parsed as
        // the wrong message (docs/PROTOCOL.md §4.1: a batch carries one command).
        throw ApiError.MIXED_COMMANDS.exception();
      }
    }
    x.command = first;
    x.frames = frames.size();
    x.firstPayload = frames.isEmpty() ? null : frames.get(0).payload();
    if (!enclave.isEmpty()) {
      Names.check("enclave", enclave);
    }
    x.enclave = enclave;
    CommandTable.Row<?> row = CommandTable.row(first);
    if (body.length > row.maxBodyBytes()) {
      throw ApiError.bodyTooLarge(row.maxBodyBytes());
    }
    ApiContext api = in.api();
    // CLUSTER:STATUS also on a node that refuses clients: its status names why (KmsNode.refusal)
    Call call =
        new Call(
            api,
            x.caller,
            enclave,
            first == Command.CLUSTER_STATUS ? api.node().statusState() : api.node().state());
    if (first.isWrite()) {
      Frame f = frames.get(0);
      return Stages.sameThread(row.write(call, f.payload()))
          .thenApply(
              payload -> Responses.ok(Frames.encode(List.of(new Frame(f.commandId(), payload)))));
    }
    if (first.isList() && frames.size() > 1) {
      throw ApiError.oneFrameOnly(first.text());
    }
    if (row.once()) { // CLUSTER:STATUS: one answer for every frame
      return Stages.sameThread(row.write(call, frames.get(0).payload()))
          .thenApply(
              payload -> {
                List<Frame> all = new ArrayList<>();
                for (Frame f : frames) {
                  all.add(new Frame(f.commandId(), payload));
                }
                return Responses.ok(Frames.encodePadded(all));
              });
    }
    if (HeavyReads.isHeavy(first, frames)) { // decrypt batches: off the dispatcher (issue 13)
      return HeavyReads.run(
          () -> readAll(row, call, frames),
          call.api().node().quotas().decryptQueue(),
          in.dispatcher());
    }
    return CompletableFuture.completedFuture(readAll(row, call, frames));
  }

  private static HttpResponse readAll(CommandTable.Row<?> row, Call call, List<Frame> frames) {
    List<Frame> out = new ArrayList<>(frames.size());
    for (Frame f : frames) {
      out.add(new Frame(f.commandId(), row.read(call, f.payload())));
    }
    byte[] encoded = row.command().isList() ? Frames.encode(out) : Frames.encodePadded(out);
    return Responses.ok(encoded);
  }

  private static CompletionStage<HttpResponse> done(HttpResponse response) {
    return CompletableFuture.completedFuture(response);
  }
}
