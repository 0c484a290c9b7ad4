package io.openkms.http.server;

import com.typesafe.config.Config;
import io.openkms.kms.domain.ApiError;
import java.lang.ref.Cleaner;
import java.util.Iterator;
import java.util.Map;
import java.util.NoSuchElementException;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.pekko.actor.ActorSystem;
import org.apache.pekko.http.javadsl.model.HttpEntities;
import org.apache.pekko.http.javadsl.model.HttpEntity;
import org.apache.pekko.http.javadsl.model.HttpMethods;
import org.apache.pekko.http.javadsl.model.HttpRequest;
import org.apache.pekko.http.javadsl.model.HttpResponse;
import org.apache.pekko.stream.javadsl.Source;
import org.apache.pekko.util.ByteString;

/**
 * The edge's side of the {@link ResponseBudget}: every response body over {@link
 * #STREAM_THRESHOLD_BYTES} reserves its size on its connection before it is returned to Pekko HTTP,
 * and is sent as a stream of chunks of at most {@link #CHUNK_BYTES} with its known length ({@code
 * HttpEntity.Default}: HTTP/1.1 keeps its Content-Length, the bytes on the wire are unchanged). The
 * reservation is released when that stream ends: sent to the end, failed, or cancelled (the stream
 * reset, the connection closed); a response Pekko HTTP drops without ever running its stream (a
 * stream reset before the answer) is released when its body is garbage collected.
 *
 * <p>Why the reservation is still held while the client does not read: Pekko HTTP's HTTP/2 server
 * pulls a response stream only while that stream's own buffer holds less than two frames (32 KiB),
 * whatever the flow-control window (pekko-http 1.3 {@code Http2StreamHandling.OutStreamImpl}); a
 * client that opens no window leaves the rest in the stream, so the stream does not end and the
 * reservation stays. HTTP/1.1: the stream is pulled as the socket takes bytes.
 *
 * <p>Smaller responses (every single-frame command, a 100-frame batch of 32-byte keys) stay strict
 * and are not counted: no stream, no lock on the hot path.
 *
 * <p>Not counted either: what Pekko has pulled of an answer once its stream has ended (the last
 * chunk taken releases the reservation, not the client's read). Pekko pulls while a stream buffers
 * less than two of the client's frames; the client's frame size is clamped to 16 KiB ({@link
 * Http2HeaderBlockScanner}; a client announcing 16 MiB frames had whole answers pulled and released
 * unsent), so less than 48 KiB per stream, at most {@code minkms.http.max-streams-per-connection}
 * (128) streams per connection ({@link KmsHttpServer#streams}): under 6 MiB per connection, 6 GiB
 * for 1,024 connections (a gap left open, docs/SECURITY.md). A lower threshold would not narrow it:
 * an answer under two frames is pulled whole at once and released.
 */
final class BudgetedResponses {

  /** Responses of more bytes than this are counted and streamed: 16 KiB. */
  static final int STREAM_THRESHOLD_BYTES = 16 * 1024;

  /** The largest chunk of a streamed response: 16 KiB (one HTTP/2 frame). */
  static final int CHUNK_BYTES = 16 * 1024;

  /** The connection key of requests without a remote address (never in the API server). */
  private static final Object UNKNOWN_CONNECTION = "unknown connection";

  private static final Cleaner CLEANER =
      Cleaner.create(
          r -> {
            Thread t = new Thread(r, "minkms-response-budget");
            t.setDaemon(true);
            return t;
          });

  private static final Map<ActorSystem, ResponseBudget> BY_SYSTEM = new ConcurrentHashMap<>();

  private final ResponseBudget budget;

  /**
   * @param budget the bounds ({@link #budget(Config)})
   */
  BudgetedResponses(ResponseBudget budget) {
    this.budget = budget;
  }

  /**
   * The budget of {@code config}: {@value ResponseBudget#TOTAL_KEY} and {@value
   * ResponseBudget#PER_CONNECTION_KEY} (defaults in {@code minkms-http.conf}).
   *
   * @throws com.typesafe.config.ConfigException if a key is missing or not a size
   * @throws IllegalArgumentException if a bound is below 1 byte
   */
  static ResponseBudget budget(Config config) {
    return new ResponseBudget(
        config.getBytes(ResponseBudget.TOTAL_KEY),
        config.getBytes(ResponseBudget.PER_CONNECTION_KEY));
  }

  /** Makes {@code budget} the one {@link #of} finds for {@code system}, until it terminates. */
  static void register(ActorSystem system, ResponseBudget budget) {
    BY_SYSTEM.put(system, budget);
    system.registerOnTermination(() -> BY_SYSTEM.remove(system, budget));
  }

  /** The response budget of the API server in {@code system}, once its handler exists. */
  static Optional<ResponseBudget> of(ActorSystem system) {
    return Optional.ofNullable(BY_SYSTEM.get(system));
  }

  /** The budget in force. */
  ResponseBudget budget() {
    return budget;
  }

  /**
   * A response as the edge returns it, and its reservation (null when nothing is held).
   *
   * @param response the response to send
   * @param reservation its bytes, released when its stream ends
   */
  record Budgeted(HttpResponse response, ResponseBudget.Reservation reservation) {

    /** Gives the bytes back at once: the response is replaced and will never be sent. */
    void dropped() {
      if (reservation != null) {
        reservation.release();
      }
    }
  }

  /**
   * {@code response} with its size reserved on the connection of {@code request}, or, if the budget
   * refuses it, 503 {@code server busy: responses not yet read by clients exceed <key> (<limit>
   * bytes); try again} ({@link ApiError#responsesUnread}). Responses of at most {@link
   * #STREAM_THRESHOLD_BYTES}, streamed ones and answers to HEAD are returned as they are.
   */
  Budgeted apply(HttpRequest request, HttpResponse response) {
    if (!(response.entity() instanceof HttpEntity.Strict strict)
        || strict.getData().size() <= STREAM_THRESHOLD_BYTES
        || request.method().equals(HttpMethods.HEAD)) {
      return new Budgeted(response, null);
    }
    ByteString data = strict.getData();
    int size = data.size();
    Object connection =
        GuardedConnections.remoteOf(request).<Object>map(a -> a).orElse(UNKNOWN_CONNECTION);
    ResponseBudget.Reservation r = budget.reserve(connection, size);
    if (!r.granted()) {
      return new Budgeted(
          Responses.error(request, ApiError.responsesUnread(r.refusedBy().key(), r.limit())), null);
    }
    // Unsent and unreachable (dropped by Pekko without running the stream): released by the GC.
    CLEANER.register(data, r::release);
    Source<ByteString, ?> chunks =
        Source.from(() -> new Chunks(data))
            .watchTermination(
                (mat, done) -> {
                  done.whenComplete((d, e) -> r.release());
                  return mat;
                });
    return new Budgeted(
        response.withEntity(HttpEntities.create(strict.getContentType(), size, chunks)), r);
  }

  /**
   * The chunks of {@code data}, each a copy of at most {@link #CHUNK_BYTES}, so that a chunk still
   * buffered by Pekko after the stream ended keeps no more than itself in memory.
   */
  private static final class Chunks implements Iterator<ByteString> {
    private final ByteString data;
    private int pos;

    Chunks(ByteString data) {
      this.data = data;
    }

    @Override
    public boolean hasNext() {
      return pos < data.size();
    }

    @Override
    public ByteString next() {
      if (!hasNext()) {
        throw new NoSuchElementException();
      }
      int end = Math.min(data.size(), pos + CHUNK_BYTES);
      ByteString chunk = ByteString.fromArrayUnsafe(data.slice(pos, end).toArray()); // a copy
      pos = end;
      return chunk;
    }
  }
}
