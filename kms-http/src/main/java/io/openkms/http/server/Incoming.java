package io.openkms.http.server;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import org.apache.pekko.http.javadsl.model.HttpEntity;
import org.apache.pekko.http.javadsl.model.HttpRequest;
import org.apache.pekko.stream.Materializer;
import org.apache.pekko.util.ByteString;

/**
 * One request as a route's handler sees it ({@link Edge.Handler}): the node, the HTTP request, its
 * path segments, what the edge learns about it ({@link Exchange}) and its body, which only {@link
 * #body()} reads, under the route's limit ({@link Edge.Body}).
 */
final class Incoming {

  private final ApiContext api;
  private final HttpRequest request;
  private final List<String> segments;
  private final Exchange exchange;
  private final Materializer materializer;
  private final long drainLimitBytes;

  /** Set once the entity is read or discarded: it can be consumed only once. */
  private boolean consumed;

  /**
   * @param segments the path's segments, without an empty trailing segment
   * @param materializer reads and discards request entities
   * @param drainLimitBytes {@code minkms.http.max-drain-bytes}: the most bytes of a body read to be
   *     dropped (past a route's limit, or on a route without a body)
   */
  Incoming(
      ApiContext api,
      HttpRequest request,
      List<String> segments,
      Exchange exchange,
      Materializer materializer,
      long drainLimitBytes) {
    this.api = api;
    this.drainLimitBytes = drainLimitBytes;
    this.request = request;
    this.segments = segments;
    this.exchange = exchange;
    this.materializer = materializer;
  }

  ApiContext api() {
    return api;
  }

  HttpRequest request() {
    return request;
  }

  List<String> segments() {
    return segments;
  }

  Exchange exchange() {
    return exchange;
  }

  /** The dispatcher the request's stages run on (its materializer's). */
  java.util.concurrent.Executor dispatcher() {
    return materializer.executionContext();
  }

  /**
   * The request body, at most the route's limit. A body that arrived whole (HTTP/1.1, or HTTP/2 up
   * to {@link KmsHttpServer#STRICT_BODY_BYTES}) is used as is: a stream would cost one more actor
   * per request. Larger bodies are read to the end (up to {@code minkms.http.max-drain-bytes}) so
   * that a 413 reaches HTTP/2 clients as an answer, not as a reset stream. {@link
   * Stages#sameThread}: Pekko's stage would continue on a new thread.
   *
   * @return completes with the body, or exceptionally with the route's 413 beyond its limit, or
   *     with a {@link java.util.concurrent.TimeoutException} when it did not arrive within the
   *     route's time (408)
   */
  CompletionStage<byte[]> body() {
    Edge.Body spec = exchange.route.body;
    long max = spec.max().applyAsLong(api);
    consumed = true;
    HttpEntity entity = request.entity();
    if (entity instanceof HttpEntity.Strict strict && strict.getData().size() <= max) {
      return CompletableFuture.completedFuture(strict.getData().toArray());
    }
    return Stages.sameThread(
            entity
                .withSizeLimit(Math.max(max, drainLimitBytes))
                .getDataBytes()
                .completionTimeout(Duration.ofMillis(spec.timeoutMillis()))
                .runFold(Chunks.EMPTY, (chunks, chunk) -> chunks.append(chunk, max), materializer))
        .thenApply(
            chunks -> {
              if (chunks.totalBytes() > max) {
                throw spec.tooLarge().apply(max);
              }
              return chunks.data().toArray();
            });
  }

  /** The route's 413. */
  io.openkms.kms.domain.KmsException tooLarge() {
    Edge.Body spec = exchange.route.body;
    return spec.tooLarge().apply(spec.max().applyAsLong(api));
  }

  /**
   * Discards the body unless it was read: at most {@code minkms.http.max-drain-bytes} are read and
   * dropped; a longer body fails its stream (HTTP/2: the request stream is reset; HTTP/1.1: the
   * connection is closed), so that a client cannot keep a connection busy with an endless body on a
   * route that takes none.
   */
  void discardBody() {
    if (!consumed) {
      consumed = true;
      request.entity().withSizeLimit(drainLimitBytes).discardBytes(materializer);
    }
  }

  /**
   * A body being read: the bytes kept (at most the limit) and the number of bytes received. Bytes
   * past the limit are counted and dropped.
   */
  private record Chunks(ByteString data, long totalBytes) {
    static final Chunks EMPTY = new Chunks(ByteString.emptyByteString(), 0);

    Chunks append(ByteString chunk, long max) {
      long total = totalBytes + chunk.size();
      return new Chunks(total > max ? data : data.concat(chunk), total);
    }
  }
}
