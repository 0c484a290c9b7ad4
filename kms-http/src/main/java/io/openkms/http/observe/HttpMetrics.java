package io.openkms.http.observe;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.DistributionSummary;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReferenceArray;

/**
 * The request meters, under the reference's documented names (docs/REFERENCE.md §8, "Client API"
 * and "Internode RPC"; the public monitoring page of the MinIO KMS documentation):
 *
 * <ul>
 *   <li>{@code http} (counter, Prometheus {@code http_total}) by {@code command} and {@code
 *       status}: every request; errors are the rows with {@code status} ≥ 400;
 *   <li>{@code http_request} (counter of bytes, {@code http_request_bytes_total}) by {@code
 *       direction} {@code received} / {@code sent};
 *   <li>{@code http_request_inflight} (gauge): requests being handled now;
 *   <li>{@code http_request_duration} (histogram, seconds) by {@code command};
 *   <li>{@code http_request_size}, {@code http_response_size} (histograms, bytes) by {@code
 *       command};
 *   <li>{@code http_request_canceled} (the client went away before its body arrived) and {@code
 *       http_request_timeout} (408: the body did not arrive in time, or a 503 write timeout)
 *       counters;
 *   <li>{@code rpc_http*}: the same for the internode endpoints {@code /v1/rpc/*}, by {@code path}.
 * </ul>
 *
 * <p>Hot path: every meter a request touches is created once and cached ({@link Family} per command
 * or endpoint, one counter per status code in an array), so recording a request is a few atomic
 * adds and no tag building or map lookup.
 */
public final class HttpMetrics {

  /** Histogram bucket bounds of the durations: 0.5 ms to 10 s. */
  static final Duration[] DURATION_BUCKETS = {
    Duration.ofMillis(1).dividedBy(2),
    Duration.ofMillis(1),
    Duration.ofMillis(5).dividedBy(2),
    Duration.ofMillis(5),
    Duration.ofMillis(10),
    Duration.ofMillis(25),
    Duration.ofMillis(50),
    Duration.ofMillis(100),
    Duration.ofMillis(250),
    Duration.ofMillis(500),
    Duration.ofSeconds(1),
    Duration.ofMillis(2500),
    Duration.ofSeconds(5),
    Duration.ofSeconds(10)
  };

  /** Histogram bucket bounds of request and response sizes: 64 B to 1 MiB. */
  static final double[] SIZE_BUCKETS = {64, 256, 1024, 4096, 16384, 65536, 262144, 1048576};

  private final MeterRegistry registry;
  private final AtomicInteger inflight = new AtomicInteger();
  private final AtomicInteger rpcInflight = new AtomicInteger();
  private final Counter received;
  private final Counter sent;
  private final Counter canceled;
  private final Counter timeouts;
  private final Counter rpcReceived;
  private final Counter rpcSent;

  /** Registers the request meters in {@code registry}. */
  public HttpMetrics(MeterRegistry registry) {
    this.registry = registry;
    Gauge.builder("http_request_inflight", inflight, AtomicInteger::get)
        .description("API requests being handled")
        .register(registry);
    Gauge.builder("rpc_http_request_inflight", rpcInflight, AtomicInteger::get)
        .description("internode requests being handled")
        .register(registry);
    received = bytes("http_request", "received", "API request bytes");
    sent = bytes("http_request", "sent", "API response bytes");
    rpcReceived = bytes("rpc_http_request", "received", "internode request bytes");
    rpcSent = bytes("rpc_http_request", "sent", "internode response bytes");
    canceled =
        Counter.builder("http_request_canceled")
            .description("API requests whose client went away before the body arrived")
            .register(registry);
    timeouts =
        Counter.builder("http_request_timeout")
            .description(
                "API requests that timed out: body not received (408) or write not "
                    + "committed in time (503)")
            .register(registry);
  }

  private Counter bytes(String name, String direction, String description) {
    return Counter.builder(name)
        .baseUnit("bytes")
        .tag("direction", direction)
        .description(description)
        .register(registry);
  }

  /**
   * The meters of one command ({@code KEY:GENERATE}) or endpoint ({@code /version}) of the API.
   * Create each once (the registry would return the same meters for the same name anyway).
   */
  public Family family(String command) {
    return new Family("http", "command", command, false);
  }

  /** The meters of one internode endpoint ({@code /v1/rpc/status}). */
  public Family rpcFamily(String path) {
    return new Family("rpc_http", "path", path, true);
  }

  /**
   * The meters of one command or endpoint: request counter by status, duration and size histograms.
   */
  public final class Family {
    private final String prefix;
    private final String tagKey;
    private final String tagValue;
    private final boolean rpc;
    private final Timer duration;
    private final DistributionSummary requestSize;
    private final DistributionSummary responseSize;
    private final AtomicReferenceArray<Counter> byStatus = new AtomicReferenceArray<>(600);

    private Family(String prefix, String tagKey, String tagValue, boolean rpc) {
      this.prefix = prefix;
      this.tagKey = tagKey;
      this.tagValue = tagValue;
      this.rpc = rpc;
      this.duration =
          Timer.builder(prefix + "_request_duration")
              .tag(tagKey, tagValue)
              .description("request duration, from the request head to the response")
              .serviceLevelObjectives(DURATION_BUCKETS)
              .register(registry);
      this.requestSize =
          DistributionSummary.builder(prefix + "_request_size")
              .baseUnit("bytes")
              .tag(tagKey, tagValue)
              .description("request body size")
              .serviceLevelObjectives(SIZE_BUCKETS)
              .register(registry);
      this.responseSize =
          DistributionSummary.builder(prefix + "_response_size")
              .baseUnit("bytes")
              .tag(tagKey, tagValue)
              .description("response body size")
              .serviceLevelObjectives(SIZE_BUCKETS)
              .register(registry);
    }

    /**
     * Records a finished request (and {@code *_request_inflight} − 1).
     *
     * @param status the HTTP status sent (100–599)
     * @param nanos time from the request head to the response, ns
     * @param requestBytes request body bytes, negative when unknown
     * @param responseBytes response body bytes, negative when unknown
     */
    public void finished(int status, long nanos, long requestBytes, long responseBytes) {
      (rpc ? rpcInflight : inflight).decrementAndGet();
      statusCounter(status).increment();
      duration.record(nanos, TimeUnit.NANOSECONDS);
      if (requestBytes >= 0) {
        requestSize.record(requestBytes);
        (rpc ? rpcReceived : received).increment(requestBytes);
      }
      if (responseBytes >= 0) {
        responseSize.record(responseBytes);
        (rpc ? rpcSent : sent).increment(responseBytes);
      }
      if (!rpc && (status == 408 || status == 503 && nanos > TIMEOUT_NANOS)) {
        timeouts.increment();
      }
    }

    private Counter statusCounter(int status) {
      int i = status < 100 || status > 599 ? 0 : status;
      Counter c = byStatus.get(i);
      if (c == null) {
        c =
            Counter.builder(prefix)
                .tag(tagKey, tagValue)
                .tag("status", Integer.toString(i))
                .description("requests by status")
                .register(registry);
        byStatus.set(i, c);
      }
      return c;
    }
  }

  /** A 503 slower than this is a write that timed out (the write bound is 10 s). */
  static final long TIMEOUT_NANOS = TimeUnit.SECONDS.toNanos(5);

  /**
   * Counts a request that started: {@code http_request_inflight} (or, for {@code rpc}, {@code
   * rpc_http_request_inflight}) + 1; its family's {@link Family#finished} takes it back.
   */
  public void started(boolean rpc) {
    (rpc ? rpcInflight : inflight).incrementAndGet();
  }

  /** Counts a request whose client went away while its body was read. */
  public void canceled() {
    canceled.increment();
  }
}
