package io.openkms.http.server;

import java.time.Duration;
import java.util.concurrent.CompletionStage;
import org.apache.pekko.stream.Attributes;
import org.apache.pekko.stream.FlowShape;
import org.apache.pekko.stream.Inlet;
import org.apache.pekko.stream.Outlet;
import org.apache.pekko.stream.stage.AbstractInHandler;
import org.apache.pekko.stream.stage.AbstractOutHandler;
import org.apache.pekko.stream.stage.AsyncCallback;
import org.apache.pekko.stream.stage.GraphStage;
import org.apache.pekko.stream.stage.GraphStageLogic;
import org.apache.pekko.stream.stage.TimerGraphStageLogic;
import org.apache.pekko.util.ByteString;

/**
 * A stage on the bytes a client sends (TCP to TLS) that fails the connection when the client has
 * not reached encrypted traffic ({@link TlsRecordScanner}) within {@code
 * minkms.http.tls-handshake-timeout} of the accept, when the connection is evicted ({@code
 * eviction} completes with the reason), or, after the handshake, when a request is pending longer
 * than {@code minkms.http.request-header-timeout} ({@link RequestActivity}, checked every quarter
 * of that timeout: a slow head is cut within 1.25 times it). Bytes pass unchanged. Failing the
 * stage cancels the TCP read side and fails the TLS stage, which closes the socket.
 */
final class HandshakeDeadline extends GraphStage<FlowShape<ByteString, ByteString>> {

  /** The failure of a connection closed by this stage (nothing is logged for it). */
  static final class Closed extends RuntimeException {
    Closed(String message) {
      super(message, null, false, false);
    }
  }

  private final Inlet<ByteString> in = Inlet.create("HandshakeDeadline.in");
  private final Outlet<ByteString> out = Outlet.create("HandshakeDeadline.out");
  private final FlowShape<ByteString, ByteString> shape = FlowShape.of(in, out);
  private final Duration timeout;
  private final Duration headerTimeout;
  private final CompletionStage<String> eviction;
  private final RequestActivity activity;
  private final Runnable onHandshake;
  private final Runnable onTimeout;
  private final Runnable onHeaderTimeout;

  /**
   * @param limits the handshake timeout (from materialization, the accept, to the client's first
   *     {@code application_data} record) and the request header timeout
   * @param eviction completes with a reason when the connection must be closed
   * @param activity the connection's requests, told of every byte the client sends after the
   *     handshake
   * @param onHandshake run once when the client reaches encrypted traffic
   * @param onTimeout run once when the handshake deadline closes the connection
   * @param onHeaderTimeout run once when the request header deadline closes the connection
   */
  HandshakeDeadline(
      GuardedConnections.Limits limits,
      CompletionStage<String> eviction,
      RequestActivity activity,
      Runnable onHandshake,
      Runnable onTimeout,
      Runnable onHeaderTimeout) {
    this.timeout = limits.handshakeTimeout();
    this.headerTimeout = limits.headerTimeout();
    this.eviction = eviction;
    this.activity = activity;
    this.onHandshake = onHandshake;
    this.onTimeout = onTimeout;
    this.onHeaderTimeout = onHeaderTimeout;
  }

  @Override
  public FlowShape<ByteString, ByteString> shape() {
    return shape;
  }

  @Override
  public GraphStageLogic createLogic(Attributes inheritedAttributes) {
    return new TimerGraphStageLogic(shape) {
      private final TlsRecordScanner scanner = new TlsRecordScanner();
      private boolean handshaken;

      {
        setHandler(
            in,
            new AbstractInHandler() {
              @Override
              public void onPush() {
                ByteString bytes = grab(in);
                if (handshaken) {
                  activity.clientBytes(System.nanoTime());
                } else if (scanner.feed(bytes.asByteBuffer())) {
                  handshaken = true;
                  cancelTimer("handshake");
                  Duration check = headerTimeout.dividedBy(4);
                  scheduleWithFixedDelay("header", check, check);
                  onHandshake.run();
                }
                push(out, bytes);
              }
            });
        setHandler(
            out,
            new AbstractOutHandler() {
              @Override
              public void onPull() {
                pull(in);
              }
            });
      }

      @Override
      public void preStart() {
        scheduleOnce("handshake", timeout);
        AsyncCallback<String> evict =
            createAsyncCallback(
                reason -> {
                  handshaken = true;
                  failStage(new Closed(reason)); // before or after the handshake (idle)
                });
        eviction.thenAccept(evict::invoke);
      }

      @Override
      public void onTimer(Object key) {
        if ("header".equals(key)) {
          if (activity.overdue(System.nanoTime(), headerTimeout.toNanos())) {
            onHeaderTimeout.run();
            failStage(
                new Closed(
                    "request not received within "
                        + headerTimeout.toMillis()
                        + " ms (minkms.http.request-header-timeout)"));
          }
          return;
        }
        if (!handshaken) {
          onTimeout.run();
          failStage(
              new Closed(
                  "TLS handshake not done within "
                      + timeout.toMillis()
                      + " ms (minkms.http.tls-handshake-timeout)"));
        }
      }
    };
  }
}
