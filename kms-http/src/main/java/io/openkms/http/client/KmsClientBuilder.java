package io.openkms.http.client;

import io.openkms.http.tls.ClientCertificate;
import io.openkms.http.tls.ClientTls;
import io.openkms.http.tls.Identities;
import java.net.http.HttpClient;
import java.security.KeyPair;
import java.security.KeyStore;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.ThreadLocalRandom;
import java.util.function.IntUnaryOperator;
import java.util.function.LongSupplier;
import javax.net.ssl.SSLContext;

/** Builds a {@link KmsClient}. Not thread-safe; each {@link #build()} makes a new client. */
public final class KmsClientBuilder {

  /** Default bound on TCP connect plus TLS handshake, per attempt: 5 s. */
  public static final Duration DEFAULT_CONNECT_TIMEOUT = Duration.ofSeconds(5);

  private List<String> endpoints = List.of();
  private KeyPair keyPair;
  private X509Certificate certificate;
  private KeyStore trustAnchors;
  private boolean insecure;
  private Duration connectTimeout = DEFAULT_CONNECT_TIMEOUT;
  private Duration requestTimeout = Duration.ofSeconds(60);
  private HttpClient.Version httpVersion = HttpClient.Version.HTTP_2;
  private Duration failedHostMemory = Duration.ofNanos(LoadBalancer.FAILURE_MEMORY_NANOS);
  private LongSupplier nanoClock = System::nanoTime;
  private IntUnaryOperator randomIndex = bound -> ThreadLocalRandom.current().nextInt(bound);

  KmsClientBuilder() {}

  /**
   * Server endpoints: {@code host}, {@code host:port} or {@code https://host:port}; the scheme is
   * dropped, port 7373 is the default; none → {@code 127.0.0.1:7373}.
   */
  public KmsClientBuilder endpoints(List<String> endpoints) {
    this.endpoints = List.copyOf(endpoints);
    return this;
  }

  /** {@link #endpoints(List)} from varargs. */
  public KmsClientBuilder endpoints(String... endpoints) {
    return endpoints(List.of(endpoints));
  }

  /**
   * The API key (Ed25519 for {@code k1:}, EC for {@code k2:}); the client certificate is made from
   * it once, at {@link #build()}, as the Go client does (§2.3, CN = identity).
   */
  public KmsClientBuilder apiKey(KeyPair apiKey) {
    this.keyPair = Objects.requireNonNull(apiKey, "apiKey");
    this.certificate = null;
    return this;
  }

  /** Instead of an API key: a given key pair and certificate (e.g. CA-issued). */
  public KmsClientBuilder clientCertificate(KeyPair keyPair, X509Certificate certificate) {
    this.keyPair = Objects.requireNonNull(keyPair, "keyPair");
    this.certificate = Objects.requireNonNull(certificate, "certificate");
    return this;
  }

  /** CA certificates to check servers against; null (default) = the JDK's cacerts. */
  public KmsClientBuilder trustAnchors(KeyStore trustAnchors) {
    this.trustAnchors = trustAnchors;
    return this;
  }

  /** Accept any server certificate and skip the host name check (default false). */
  public KmsClientBuilder insecure(boolean insecure) {
    this.insecure = insecure;
    return this;
  }

  /**
   * Time to establish a connection, per attempt: TCP connect and TLS handshake together (JDK 17's
   * {@link HttpClient} bounds both with its connect timeout: {@code HttpConnectTimeoutException
   * HTTP connect timed out} after this long against a socket that accepts TCP but never answers
   * TLS, with HTTP/1.1 and HTTP/2). Default {@link #DEFAULT_CONNECT_TIMEOUT} (5 s): a paused
   * (SIGSTOP) or hung server still completes the TCP connect in its kernel, so only this bound
   * makes the client go on to the next server (it was 30 s, the Go client's dial timeout; the Go
   * client bounds the handshake at 10 s). It is a transport error whose request was never sent
   * (retried on another host, §7). {@link #requestTimeout} still bounds the whole attempt, for slow
   * answers of a live server.
   */
  public KmsClientBuilder connectTimeout(Duration connectTimeout) {
    this.connectTimeout = Objects.requireNonNull(connectTimeout, "connectTimeout");
    return this;
  }

  /**
   * Time from sending a request until the response headers arrive, per attempt (default 60 s); null
   * or zero = no limit. A timeout is a transport error (retried on another host, §7).
   */
  public KmsClientBuilder requestTimeout(Duration requestTimeout) {
    this.requestTimeout = requestTimeout == null || requestTimeout.isZero() ? null : requestTimeout;
    return this;
  }

  /** HTTP version to prefer (default HTTP/2 via ALPN, falling back to HTTP/1.1). */
  public KmsClientBuilder httpVersion(HttpClient.Version version) {
    this.httpVersion = Objects.requireNonNull(version, "version");
    return this;
  }

  /**
   * How long a host that had a transport error is skipped when choosing and retrying hosts (default
   * 30 s, the Go client's; docs/PROTOCOL.md §7). Must be positive.
   *
   * @throws IllegalArgumentException for zero or a negative duration
   */
  public KmsClientBuilder failedHostMemory(Duration memory) {
    if (memory.isZero() || memory.isNegative()) {
      throw new IllegalArgumentException("failedHostMemory must be positive: " + memory);
    }
    this.failedHostMemory = memory;
    return this;
  }

  /** For tests: monotonic nanosecond clock of the load balancer. */
  KmsClientBuilder nanoClock(LongSupplier nanoClock) {
    this.nanoClock = nanoClock;
    return this;
  }

  /** For tests: the random start index of the load balancer (bound → index). */
  KmsClientBuilder randomIndex(IntUnaryOperator randomIndex) {
    this.randomIndex = randomIndex;
    return this;
  }

  /**
   * @throws IllegalStateException without an API key or client certificate
   * @throws IllegalArgumentException for a malformed endpoint
   */
  public KmsClient build() {
    if (keyPair == null) {
      throw new IllegalStateException("an API key or a client certificate is required");
    }
    List<String> hosts = Endpoints.normalizeAll(endpoints);
    X509Certificate cert =
        certificate != null
            ? certificate
            : ClientCertificate.of(keyPair, Identities.of(keyPair.getPublic()));
    SSLContext context = ClientTls.sslContext(keyPair, cert, trustAnchors, insecure);
    HttpClient http =
        HttpClient.newBuilder()
            .version(httpVersion)
            .sslContext(context)
            .sslParameters(ClientTls.sslParameters(context))
            .connectTimeout(connectTimeout)
            .followRedirects(HttpClient.Redirect.NEVER)
            .build();
    HttpTransport transport =
        new HttpTransport(
            http,
            requestTimeout,
            new LoadBalancer(nanoClock, randomIndex, failedHostMemory.toNanos()));
    return new KmsClient(transport, hosts, cert);
  }
}
