package io.openkms.http.server;

import io.openkms.http.proto.VersionResponse;
import io.openkms.http.wire.Frame;
import io.openkms.http.wire.FrameException;
import io.openkms.http.wire.Frames;
import io.openkms.kms.actors.KmsNode;
import io.openkms.kms.crypto.Identity;
import io.openkms.kms.domain.Command;
import io.openkms.kms.domain.KmsException;
import io.openkms.kms.domain.Names;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import org.apache.pekko.http.javadsl.model.ContentTypes;
import org.apache.pekko.http.javadsl.model.HttpEntities;
import org.apache.pekko.http.javadsl.model.HttpEntity;
import org.apache.pekko.http.javadsl.model.HttpMethods;
import org.apache.pekko.http.javadsl.model.HttpRequest;
import org.apache.pekko.http.javadsl.model.HttpResponse;
import org.apache.pekko.http.scaladsl.model.EntityStreamSizeException;
import org.apache.pekko.japi.function.Function;
import org.apache.pekko.stream.Materializer;
import org.apache.pekko.util.ByteString;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The node's HTTPS API (docs/PROTOCOL.md §3): {@code GET /version}, {@code /v1/health/live},
 * {@code /v1/health/ready[?write]} and the command endpoint {@code POST /v1/kms[/enclave][/]};
 * {@code /v1/db} and {@code /v1/debug/*} go to {@link OpsApi}, {@code /v1/rpc/*} to
 * {@link InternodeApi}.
 *
 * <p>{@code /version} and the health endpoints answer any client; every other {@code /v1/kms}
 * and {@code /v1/rpc} request on a connection without a TLS client certificate gets 401
 * {@value #NO_CLIENT_CERTIFICATE} before anything else is looked at.
 *
 * <p>Every command request goes through one wrapper, in this order: body size (at most
 * {@link #MAX_BODY_BYTES}, else 413; the whole body within {@link #BODY_TIMEOUT_MILLIS}, else
 * 408) → framing (§4.1, else 400) → command ids known, and either
 * one write frame or read frames of one command (else 400) → caller identity → per frame:
 * decode, authorize, handle ({@link CommandTable}). One failing frame fails the request with
 * its status and message (§6).
 */
public final class KmsApi implements Function<HttpRequest, CompletionStage<HttpResponse>> {

  /** Largest accepted request body: 1 MiB. */
  public static final int MAX_BODY_BYTES = 1 << 20;

  /**
   * Bodies up to this size are read to the end even past {@link #MAX_BODY_BYTES} (and dropped),
   * so that the 413 reaches the client: over HTTP/2 a response sent while the request stream is
   * still open is followed by {@code RST_STREAM CANCEL}, which clients report as a transport
   * error (and the Go client retries on another node, docs/PROTOCOL.md §7). 16 MiB; larger bodies
   * are cut off with the 413 at once.
   */
  static final long DRAIN_LIMIT_BYTES = 16L << 20;

  /**
   * The 401 message for a request to {@code /v1/kms} or {@code /v1/rpc} on a connection without
   * a TLS client certificate (docs/PROTOCOL.md §2.4: only {@code /version} and the health
   * endpoints answer without one).
   */
  public static final String NO_CLIENT_CERTIFICATE =
      "not authenticated: no TLS client certificate";

  /** How long the server waits for a request body, in ms. */
  static final long BODY_TIMEOUT_MILLIS = 10_000;

  private static final Logger LOG = LoggerFactory.getLogger(KmsApi.class);

  private final ApiContext api;
  private final Materializer materializer;
  private final Edge edge;

  /**
   * @param api the node, server facts and root identities the handlers use
   * @param materializer runs the request entity streams
   */
  public KmsApi(ApiContext api, Materializer materializer) {
    this.api = api;
    this.materializer = materializer;
    this.edge = new Edge(api, materializer);
  }

  /** Every request goes through the {@link Edge}: access rules, metrics, audit. */
  @Override
  public CompletionStage<HttpResponse> apply(HttpRequest request) {
    List<String> segments = new ArrayList<>();
    request.getUri().pathSegments().forEach(segments::add);
    while (!segments.isEmpty() && segments.get(segments.size() - 1).isEmpty()) {
      segments.remove(segments.size() - 1); // "/v1/kms/" and "/v1/kms/e/"
    }
    Exchange x = new Exchange(Edge.Route.of(segments));
    return edge.around(request, segments, x, () -> {
      try {
        return route(request, segments, x).exceptionally(e -> failure(request, e));
      } catch (RuntimeException e) {
        request.discardEntityBytes(materializer);
        return CompletableFuture.completedFuture(failure(request, e));
      }
    });
  }

  private CompletionStage<HttpResponse> route(HttpRequest request, List<String> segments,
      Exchange x) {
    String path = String.join("/", segments);
    boolean get = request.method().equals(HttpMethods.GET);
    boolean privileged = segments.size() >= 2 && segments.get(0).equals("v1")
        && (segments.get(1).equals("kms") || segments.get(1).equals("rpc"));
    if (privileged && CallerIdentity.of(request).isEmpty()) {
      return done(request, Responses.error(request, 401, NO_CLIENT_CERTIFICATE));
    }
    if (segments.size() >= 2 && segments.get(0).equals("v1") && segments.get(1).equals("kms")) {
      if (!request.method().equals(HttpMethods.POST)) {
        return done(request, Responses.error(request, 405, "method not allowed: use POST"));
      }
      if (segments.size() > 3) {
        return done(request, Responses.error(request, 400,
            "invalid path '" + request.getUri().path() + "': expected /v1/kms/<enclave>"));
      }
      String enclave = segments.size() == 3 ? segments.get(2) : "";
      return commands(request, enclave, x);
    }
    if (segments.size() >= 2 && segments.get(0).equals("v1") && segments.get(1).equals("rpc")) {
      return InternodeApi.handle(api, request, segments, materializer);
    }
    if (OpsApi.serves(path)) {
      return OpsApi.handle(api, request, path, materializer);
    }
    HttpResponse response = switch (path) {
      case "version" -> get ? version(request) : methodNotAllowed(request);
      case "v1/health/live" -> get ? Responses.ok(new byte[0]) : methodNotAllowed(request);
      case "v1/health/ready" -> get ? ready(request) : methodNotAllowed(request);
      case "v1/health/metrics" -> get ? metrics(request) : methodNotAllowed(request);
      default -> Responses.error(request, 404, "not found: " + request.getUri().path());
    };
    return done(request, response);
  }

  private CompletionStage<HttpResponse> done(HttpRequest request, HttpResponse response) {
    request.discardEntityBytes(materializer);
    return CompletableFuture.completedFuture(response);
  }

  private static HttpResponse methodNotAllowed(HttpRequest request) {
    return Responses.error(request, 405, "method not allowed: use GET");
  }

  private HttpResponse version(HttpRequest request) {
    VersionResponse v = VersionResponse.newBuilder()
        .setVersion(api.info().version())
        .setCommit(api.info().commit())
        .setAPIVersion(api.info().apiVersion())
        .setHost(api.info().host())
        .setFIPS140(false)
        .build();
    boolean protobuf = request.getHeader("Accept")
        .map(h -> h.value().trim().equals("application/octet-stream")).orElse(false);
    return protobuf ? Responses.ok(v.toByteArray()) : Responses.okJson(Responses.json(v));
  }

  private HttpResponse ready(HttpRequest request) {
    boolean write = request.getUri().query().get("write").isPresent(); // bare "?write" too
    if (write && !api.node().writable()) {
      String problem = api.node().replicaProblem();
      return Responses.error(request, 503, "not ready: this node cannot commit writes"
          + (problem.isEmpty() ? "" : ": " + problem));
    }
    return Responses.ok(new byte[0]);
  }

  /**
   * {@code GET /v1/health/metrics}: Prometheus text 0.0.4, or OpenMetrics 1.0 when the Accept
   * header asks for {@code application/openmetrics-text} (docs/REFERENCE.md §8). Who may read it
   * is the edge's rule ({@link Edge.Route#METRICS}).
   */
  private HttpResponse metrics(HttpRequest request) {
    var scrape = api.observability().metrics()
        .scrape(request.getHeader("Accept").map(h -> h.value()).orElse(""));
    return HttpResponse.create().withStatus(200).withEntity(HttpEntities.create(
        ContentTypes.parse(scrape.contentType()),
        scrape.text().getBytes(java.nio.charset.StandardCharsets.UTF_8)));
  }

  private CompletionStage<HttpResponse> commands(HttpRequest request, String enclave,
      Exchange x) {
    // A body that arrived whole (HTTP/1.1, or HTTP/2 up to KmsHttpServer.STRICT_BODY_BYTES) is
    // used as is: a stream would cost one more actor per request. Larger bodies are read to
    // the end (up to DRAIN_LIMIT_BYTES) so that a 413 reaches HTTP/2 clients as an answer, not
    // as a reset stream. Stages.sameThread: Pekko's stage would continue on a new thread.
    HttpEntity entity = request.entity();
    CompletionStage<Body> body =
        entity instanceof HttpEntity.Strict strict && strict.getData().size() <= MAX_BODY_BYTES
            ? CompletableFuture.completedFuture(new Body(strict.getData(), strict.getData().size()))
            : Stages.sameThread(entity.withSizeLimit(DRAIN_LIMIT_BYTES).getDataBytes()
                .completionTimeout(java.time.Duration.ofMillis(BODY_TIMEOUT_MILLIS))
                .runFold(Body.EMPTY, Body::append, materializer));
    return body
        .thenCompose(b -> b.totalBytes() > MAX_BODY_BYTES
            ? CompletableFuture.completedFuture(tooLarge(request))
            : execute(request, enclave, b.data().toArray(), x));
  }

  /**
   * A request body being read: the bytes kept (at most {@link #MAX_BODY_BYTES}) and the number
   * of bytes received. Bytes past the limit are counted and dropped.
   */
  private record Body(ByteString data, long totalBytes) {
    static final Body EMPTY = new Body(ByteString.emptyByteString(), 0);

    Body append(ByteString chunk) {
      long total = totalBytes + chunk.size();
      return new Body(total > MAX_BODY_BYTES ? data : data.concat(chunk), total);
    }
  }

  private static HttpResponse tooLarge(HttpRequest request) {
    return Responses.error(request, 413,
        "request body too large: at most " + MAX_BODY_BYTES + " bytes");
  }

  private CompletionStage<HttpResponse> execute(HttpRequest request, String enclave,
      byte[] body, Exchange x) {
    List<Frame> frames = Frames.decode(body);
    Command first = null;
    for (Frame f : frames) {
      Command c = Command.byId(f.commandId()).orElse(null);
      if (c == null || !CommandTable.supports(c)) {
        throw new KmsException(400, "unknown command id " + f.commandId());
      }
      if (first == null) {
        first = c;
      } else if (c.isWrite() || first.isWrite()) {
        throw new KmsException(400, first.isWrite() && c.isWrite()
            ? "a request may carry only one write command"
            : "a request must not mix read and write commands");
      } else if (c != first) {
        // Every frame is run by the first frame's handler: another command would be parsed as
        // the wrong message (docs/PROTOCOL.md §4.1: a batch carries one command).
        throw new KmsException(400, "a request must not mix different commands");
      }
    }
    x.command = first;
    x.frames = frames.size();
    x.firstPayload = frames.isEmpty() ? null : frames.get(0).payload();
    if (!enclave.isEmpty()) {
      Names.check("enclave", enclave);
    }
    x.enclave = enclave;
    Identity caller = CallerIdentity.of(request)
        .orElseThrow(() -> new KmsException(401, NO_CLIENT_CERTIFICATE));
    x.caller = caller;
    Call call = new Call(api, caller, enclave, api.node().state());
    if (first.isWrite()) {
      Frame f = frames.get(0);
      if (first == Command.CLUSTER_ADD_NODE) {
        // installing a large state on the new node takes longer than the server's 30 s bound
        request.getHeader(org.apache.pekko.http.javadsl.model.headers.TimeoutAccess.class)
            .ifPresent(t -> t.timeoutAccess().updateTimeout(
                io.openkms.kms.cluster.ClusterNode.ADD_REQUEST_TIMEOUT));
      }
      return Stages.sameThread(CommandTable.write(first, call, f.payload()))
          .thenApply(payload -> Responses.ok(Frames.encode(List.of(new Frame(f.commandId(),
              payload)))));
    }
    if (first.isList() && frames.size() > 1) {
      throw new KmsException(400, first.text() + " takes exactly one frame per request");
    }
    List<Frame> out = new ArrayList<>(frames.size());
    if (first == Command.CLUSTER_STATUS) {
      return Stages.sameThread(CommandTable.clusterStatus(call)).thenApply(payload -> {
        List<Frame> all = new ArrayList<>();
        for (Frame f : frames) {
          all.add(new Frame(f.commandId(), payload));
        }
        return Responses.ok(Frames.encodePadded(all));
      });
    }
    Command command = first;
    if (HeavyReads.isHeavy(command, frames)) { // decrypt batches: off the dispatcher (issue 13)
      return HeavyReads.run(() -> readAll(command, call, frames, out));
    }
    return CompletableFuture.completedFuture(readAll(command, call, frames, out));
  }

  private static HttpResponse readAll(Command first, Call call, List<Frame> frames,
      List<Frame> out) {
    for (Frame f : frames) {
      out.add(new Frame(f.commandId(), CommandTable.read(first, call, f.payload())));
    }
    byte[] encoded = first.isList() ? Frames.encode(out) : Frames.encodePadded(out);
    return Responses.ok(encoded);
  }

  private HttpResponse failure(HttpRequest request, Throwable e) {
    Throwable cause = e;
    while ((cause instanceof CompletionException
        || cause instanceof java.util.concurrent.ExecutionException)
        && cause.getCause() != null) {
      cause = cause.getCause();
    }
    if (cause instanceof KmsException k) {
      return Responses.error(request, k.status(), k.message());
    }
    if (cause instanceof FrameException f) {
      return Responses.error(request, 400, f.getMessage());
    }
    if (cause instanceof EntityStreamSizeException) {
      return tooLarge(request);
    }
    if (cause instanceof java.util.concurrent.TimeoutException) {
      return Responses.error(request, 408, "request body not received in time");
    }
    String origin = cause.getClass().getName();
    if (origin.startsWith("org.apache.pekko.stream.") || origin.startsWith("org.apache.pekko.http.")) {
      // The connection or stream failed while the body was read: the client went away (reset,
      // closed, RST_STREAM). Nothing to answer and nothing for the operator to act on.
      LOG.debug("request body not read on {} {}: {}", request.method().value(),
          request.getUri().path(), cause.toString());
      api.observability().metrics().http().canceled();
      return Responses.error(request, 400, "request body could not be read");
    }
    LOG.error("internal error on {} {}", request.method().value(), request.getUri().path(),
        cause);
    return Responses.error(request, 500, "internal error");
  }
}
