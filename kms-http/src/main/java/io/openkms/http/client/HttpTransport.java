package io.openkms.http.client;

import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpConnectTimeoutException;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Flow;
import java.util.function.Function;
import javax.net.ssl.SSLException;

/**
 * One HTTP exchange with one host, and the load-balanced retry loop of docs/PROTOCOL.md §7 over
 * several hosts. Package-private: {@link KmsClient} is the public face.
 */
final class HttpTransport {

  /** Largest successful response body read: 64 MiB. */
  static final int MAX_RESPONSE_BYTES = 64 << 20;

  /** A 200 answer: the host that gave it, its Content-Type and its body. */
  record Answer(String host, String contentType, byte[] body) {}

  /**
   * What to send in one exchange. {@code write}: a command that changes state (docs/PROTOCOL.md
   * §4.2), whose failures after the request was sent are in doubt ({@link
   * KmsRequestException#inDoubt()}). {@code repeatable}: whether another host may be tried after an
   * attempt that sent the request and lost the answer (false only where doing it twice does harm
   * that an error answer would not show, {@link KmsClient#deleteKey}).
   */
  record Call(
      String method,
      String pathAndQuery,
      byte[] body,
      String accept,
      boolean needContentLength,
      boolean write,
      boolean repeatable) {

    /** A call that is not a write. */
    Call(
        String method, String pathAndQuery, byte[] body, String accept, boolean needContentLength) {
      this(method, pathAndQuery, body, accept, needContentLength, false, true);
    }
  }

  private final HttpClient http;
  private final Duration requestTimeout;
  private final LoadBalancer loadBalancer;
  private volatile boolean closed;

  HttpTransport(HttpClient http, Duration requestTimeout, LoadBalancer loadBalancer) {
    this.http = http;
    this.requestTimeout = requestTimeout;
    this.loadBalancer = loadBalancer;
  }

  /**
   * Runs {@code attempt} against the hosts as §7 says: start host from the load balancer; on a
   * retryable {@link KmsTransportException} mark the host failed and go on with the other hosts in
   * list order (skipping those failed in the last 30 s), at most n − 1 more tries. Any other
   * outcome ends the loop, and so does an attempt that lost its answer after sending a call that is
   * not {@link Call#repeatable()}.
   *
   * <p>The exception that ends the loop carries the earlier failed attempts, the skipped hosts and
   * whether the call was a write ({@link KmsRequestException#earlierAttempts()}, {@link
   * KmsRequestException#skippedHosts()}, {@link KmsRequestException#inDoubt()}).
   *
   * @throws KmsTransportException the last transport error, earlier ones attached (flat) as
   *     suppressed
   * @throws KmsRequestException any other error of an attempt, earlier transport errors attached
   */
  <T> T balanced(List<String> hosts, Call call, Function<String, T> attempt) {
    int start = loadBalancer.start(hosts);
    int[] retries = loadBalancer.retryOrder(hosts.size(), start);
    List<KmsTransportException> failed = new ArrayList<>(0);
    List<KmsRequestException.SkippedHost> skipped = new ArrayList<>(0);
    for (int i = -1; i < retries.length; i++) {
      String host = hosts.get(i < 0 ? start : retries[i]);
      if (i >= 0 && loadBalancer.recentlyFailed(host)) {
        skipped.add(
            new KmsRequestException.SkippedHost(
                host,
                Duration.ofNanos(loadBalancer.failedAgoNanos(host)),
                Duration.ofNanos(loadBalancer.memoryNanos())));
        continue;
      }
      try {
        return attempt.apply(host);
      } catch (KmsTransportException e) {
        if (e.retryable()) {
          loadBalancer.markFailed(host);
        }
        if (!e.retryable() || (e.answerLost() && !call.repeatable())) {
          e.attempts(failed, skipped, call.write());
          throw e;
        }
        failed.add(e);
      } catch (KmsRequestException e) {
        e.attempts(failed, skipped, call.write());
        throw e;
      }
    }
    KmsTransportException last = failed.remove(failed.size() - 1);
    last.attempts(failed, skipped, call.write());
    throw last;
  }

  /**
   * One exchange with one host.
   *
   * @return the 200 answer
   * @throws KmsClientException for any other status, message per §6.1
   * @throws KmsTransportException when no answer came (retryable) or reading the body failed (not
   *     retryable)
   * @throws KmsProtocolException {@code request content length is negative} when a needed
   *     Content-Length is missing, or {@code response body too large} past 64 MiB
   */
  Answer exchange(String host, Call call) {
    HttpResponse<InputStream> response = send(host, call);
    String contentType = response.headers().firstValue("content-type").orElse(null);
    try (InputStream in = response.body()) {
      if (response.statusCode() != 200) {
        throw refusal(host, response.statusCode(), contentType, in);
      }
      if (call.needContentLength()
          && response.headers().firstValueAsLong("content-length").isEmpty()) {
        throw new KmsProtocolException("request content length is negative", host);
      }
      byte[] body = in.readNBytes(MAX_RESPONSE_BYTES + 1);
      if (body.length > MAX_RESPONSE_BYTES) {
        throw new KmsProtocolException(
            "response body too large: more than " + MAX_RESPONSE_BYTES + " bytes", host);
      }
      return new Answer(host, contentType, body);
    } catch (IOException e) {
      throw new KmsTransportException(host, "reading response failed: " + describe(e), e, false);
    }
  }

  /** A 200 answer whose body is read by the caller: the host, its Content-Type, the body. */
  record Streamed(String host, String contentType, InputStream body) {}

  /**
   * One exchange with one host whose 200 body is left open for the caller (log streams), with no
   * request timeout once the answer's headers arrived.
   *
   * @throws KmsClientException for any status but 200, message per §6.1
   * @throws KmsTransportException when no answer came
   */
  Streamed open(String host, Call call) {
    HttpResponse<InputStream> response = send(host, call);
    String contentType = response.headers().firstValue("content-type").orElse(null);
    if (response.statusCode() != 200) {
      try (InputStream in = response.body()) {
        throw refusal(host, response.statusCode(), contentType, in);
      } catch (IOException e) {
        throw new KmsTransportException(host, "reading response failed: " + describe(e), e, false);
      }
    }
    return new Streamed(host, contentType, response.body());
  }

  /**
   * Sends {@code call} to {@code host} (Content-Type {@code application/octet-stream} when it has a
   * body) and returns the answer with its body unread.
   *
   * @throws KmsTransportException when no answer came (retryable; {@link
   *     KmsTransportException#answerLost()} when the request had been sent: the JDK client had
   *     subscribed to its body, which it does once the connection and TLS handshake are done), the
   *     thread was interrupted or the transport is closed ({@value #CLOSED}; both not retryable)
   */
  private HttpResponse<InputStream> send(String host, Call call) {
    if (closed) {
      // JDK 17's client, its selector thread ended, would wait for an answer forever
      throw new KmsTransportException(host, CLOSED, null, false);
    }
    HttpRequest.Builder request =
        HttpRequest.newBuilder(URI.create("https://" + host + call.pathAndQuery()))
            .header("Accept", call.accept());
    if (requestTimeout != null) {
      request.timeout(requestTimeout);
    }
    SentBody body;
    if (call.body() != null) {
      request.header("Content-Type", "application/octet-stream");
      body = new SentBody(HttpRequest.BodyPublishers.ofByteArray(call.body()));
    } else {
      body = new SentBody(HttpRequest.BodyPublishers.noBody());
    }
    request.method(call.method(), body);
    try {
      return http.send(request.build(), HttpResponse.BodyHandlers.ofInputStream());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new KmsTransportException(host, "interrupted", e, false, body.sent);
    } catch (IOException e) {
      throw new KmsTransportException(host, describe(e), e, true, body.sent);
    }
  }

  /**
   * A request body that notes when the JDK client subscribes to it: it does so after the connection
   * is established and the TLS handshake done, when it writes the request (HTTP/1.1: on the
   * headers; HTTP/2: on the stream's headers). From then on the server may act on the request.
   */
  private static final class SentBody implements HttpRequest.BodyPublisher {
    private final HttpRequest.BodyPublisher body;
    private volatile boolean sent;

    SentBody(HttpRequest.BodyPublisher body) {
      this.body = body;
    }

    @Override
    public long contentLength() {
      return body.contentLength();
    }

    @Override
    public void subscribe(Flow.Subscriber<? super ByteBuffer> subscriber) {
      sent = true;
      body.subscribe(subscriber);
    }
  }

  /**
   * The error of a non-200 answer, its message read from at most the first bytes of {@code body}
   * (§6.1).
   */
  private static KmsClientException refusal(
      String host, int status, String contentType, InputStream body) throws IOException {
    return new KmsClientException(
        status,
        ErrorBodies.message(contentType, body.readNBytes(ErrorBodies.MAX_ERROR_BYTES)),
        host);
  }

  /** The JDK HTTP client of this transport (for tests). */
  HttpClient http() {
    return http;
  }

  /** The reason of every exchange after {@link #close()}. */
  static final String CLOSED = "client closed";

  /** How long {@link #close()} waits for the selector thread to end: 1 s. */
  static final long CLOSE_WAIT_MILLIS = 1000;

  /**
   * Ends the HTTP client's selector thread ({@code HttpClient-<id>-SelectorManager}) and waits up
   * to {@link #CLOSE_WAIT_MILLIS} for it; its pooled connections are closed on the way out, and
   * every later exchange fails at once with a {@link KmsTransportException} that is not retryable
   * ({@value #CLOSED}). Idempotent.
   *
   * <p>Why: that thread waits for its sockets in {@code epoll_wait}, in native code, for up to 3 s
   * at a time, and a JVM that exits (System.exit or the end of main) while a thread runs native
   * code waits up to 300 ms (30 times 10 ms, HotSpot's {@code VM_Exit}) for it: that was about 0.3
   * s of every CLI command (docs/PERFORMANCE.md, "CLI start time"). JDK 17's {@link HttpClient} has
   * no close method (JDK 21's {@code shutdownNow} does the same); an interrupt ends the selector
   * loop (it checks {@code isInterrupted} on every turn, and the interrupt wakes its select). The
   * thread is found by the name the JDK gives it, from the id that {@code toString()} ends with
   * ({@code …HttpClientImpl@1a2b(3)}); when there is none (another JDK), nothing happens.
   */
  void close() {
    closed = true;
    Thread selector = selectorThread(http.toString());
    if (selector == null) {
      return;
    }
    selector.interrupt();
    try {
      selector.join(CLOSE_WAIT_MILLIS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  /**
   * The selector thread of the HTTP client whose {@code toString()} is {@code text}: the live
   * thread named {@code HttpClient-<id>-SelectorManager} where {@code <id>} is the number in
   * parentheses that ends {@code text}; null when there is none.
   */
  static Thread selectorThread(String text) {
    int open = text.lastIndexOf('(');
    if (open < 0 || !text.endsWith(")")) {
      return null;
    }
    String name = "HttpClient-" + text.substring(open + 1, text.length() - 1) + "-SelectorManager";
    ThreadGroup root = Thread.currentThread().getThreadGroup();
    while (root.getParent() != null) {
      root = root.getParent();
    }
    Thread[] threads = new Thread[root.activeCount() + 16];
    int count = root.enumerate(threads, true);
    for (int i = 0; i < count; i++) {
      if (name.equals(threads[i].getName())) {
        return threads[i];
      }
    }
    return null;
  }

  /** A one-line reason for an I/O failure, e.g. {@code connection failed: ConnectException}. */
  static String describe(IOException e) {
    String kind;
    if (e instanceof HttpConnectTimeoutException) {
      kind = "connect timed out";
    } else if (e instanceof HttpTimeoutException) {
      kind = "request timed out";
    } else if (e instanceof SSLException) {
      kind = "TLS failed";
    } else if (e instanceof java.net.ConnectException) {
      kind = "connection failed";
    } else {
      kind = "request failed";
    }
    Throwable root = e;
    while (root.getCause() != null && root.getCause() != root) {
      root = root.getCause();
    }
    String detail = root.getClass().getSimpleName();
    if (root.getMessage() != null && !root.getMessage().isBlank()) {
      detail += ": " + root.getMessage().replace('\n', ' ');
    }
    return kind + ": " + detail;
  }
}
