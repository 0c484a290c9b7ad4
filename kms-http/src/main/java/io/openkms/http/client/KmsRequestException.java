package io.openkms.http.client;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * Base of every error {@link KmsClient} raises for a request: {@link KmsClientException} (the
 * server answered with a non-200 status), {@link KmsTransportException} (no answer: network or TLS)
 * and {@link KmsProtocolException} (an answer the client cannot use). No stack trace is recorded.
 *
 * <p>An exception of a load-balanced request (docs/PROTOCOL.md §7) also tells what happened before
 * it: {@link #earlierAttempts()} (the hosts tried first, which gave no answer; also attached as
 * suppressed exceptions), {@link #skippedHosts()} (hosts not tried because they failed recently),
 * and {@link #inDoubt()}: the request was a write and some attempt sent it but lost the connection
 * before an answer came, so the write may have been applied although this exception says otherwise
 * (e.g. a retry answered 409 {@code key already exists} because the first attempt created the key).
 */
public abstract sealed class KmsRequestException extends RuntimeException
    permits KmsClientException, KmsTransportException, KmsProtocolException {

  private static final long serialVersionUID = 1L;

  private final String host;
  private List<KmsTransportException> earlier = List.of();
  private List<SkippedHost> skipped = List.of();
  private boolean write;

  /**
   * A host of the endpoint list that a load-balanced request did not try: it had failed {@code
   * failedAgo} before, less than the client's {@code failedHostMemory} ({@code memory}, 30 s by
   * default).
   */
  public record SkippedHost(String host, Duration failedAgo, Duration memory) {}

  KmsRequestException(String message, String host, Throwable cause) {
    super(message, cause, true, false);
    this.host = host;
  }

  /** The {@code host:port} the request went to. */
  public String host() {
    return host;
  }

  /**
   * The attempts of the same request that came before this one, on other hosts, in order: each got
   * no answer (its {@link KmsTransportException#answerLost()} says whether the request had been
   * sent). Empty when this was the first attempt, or the request was not load balanced.
   */
  public List<KmsTransportException> earlierAttempts() {
    return earlier;
  }

  /** Hosts the request was not sent to because they failed recently; see {@link SkippedHost}. */
  public List<SkippedHost> skippedHosts() {
    return skipped;
  }

  /**
   * The hosts, in order, where an attempt sent the request and then lost its connection (or timed
   * out) before the answer: the request may have been carried out there. Includes this exception's
   * host when it is such a {@link KmsTransportException}.
   */
  public List<String> answerLostAt() {
    List<String> hosts = new ArrayList<>();
    for (KmsTransportException e : earlier) {
      if (e.answerLost() && !hosts.contains(e.host())) {
        hosts.add(e.host());
      }
    }
    if (this instanceof KmsTransportException t && t.answerLost() && !hosts.contains(host)) {
      hosts.add(host);
    }
    return hosts;
  }

  /**
   * True when the request was a write (docs/PROTOCOL.md §4.2, column "write") and {@link
   * #answerLostAt()} is not empty: whatever this exception says, the write may have been applied.
   */
  public boolean inDoubt() {
    return write && !answerLostAt().isEmpty();
  }

  /**
   * Records what the load balancer did before this outcome (attached once, by the client): the
   * earlier failed attempts (also added as suppressed), the skipped hosts, and whether the request
   * was a write.
   */
  void attempts(List<KmsTransportException> earlier, List<SkippedHost> skipped, boolean write) {
    this.earlier = List.copyOf(earlier);
    this.skipped = List.copyOf(skipped);
    this.write = write;
    for (KmsTransportException e : earlier) {
      addSuppressed(e);
    }
  }

  /** The Go client's {@code HostError} text: {@code "host:port": message}. */
  public String hostMessage() {
    return "\"" + host + "\": " + getMessage();
  }
}
