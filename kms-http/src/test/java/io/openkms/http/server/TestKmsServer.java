package io.openkms.http.server;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import io.openkms.http.client.KmsClient;
import io.openkms.http.testing.FreePorts;
import io.openkms.http.tls.ClientCertificate;
import io.openkms.http.tls.ClientTls;
import io.openkms.http.tls.Identities;
import io.openkms.http.tls.SelfSigned;
import io.openkms.http.tls.ServerTls;
import io.openkms.kms.actors.LocalNode;
import io.openkms.kms.crypto.ApiKey;
import io.openkms.kms.crypto.Identity;
import io.openkms.persistence.Hsm;
import io.openkms.persistence.HsmKey;
import io.openkms.persistence.NodeVolume;
import io.openkms.persistence.Schema;
import io.openkms.persistence.Sealing;
import io.openkms.persistence.SoftHsm;
import io.openkms.persistence.StoreConfig;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.attribute.BasicFileAttributes;
import java.security.KeyPair;
import java.security.KeyStore;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.TrustManagerFactory;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.http.javadsl.ServerBinding;

/**
 * A real single-node minkms server in this JVM, assembled as {@code NodeMain} does: a temporary
 * volume directory ({@link NodeVolume}, sealed REK under a random HSM key), the H2 journal store
 * ({@link StoreConfig#h2} + {@link Schema#apply}), an actor system on the node's Pekko config,
 * {@link Sealing} installed, {@link LocalNode#start} and {@link KmsHttpServer#bind} on {@code
 * 127.0.0.1} and a free port, with a self-signed ECDSA P-256 server certificate for {@code
 * 127.0.0.1}. The root API key is derived from the HSM key as the node does ({@link
 * Hsm#ROOT_API_KEY_LABEL}), so its identity is the only configured SysAdmin.
 *
 * <p>Clients: {@link #client(ApiKey)} (the Java {@link KmsClient}, trusting only the server
 * certificate) and {@link #raw(ApiKey, HttpClient.Version, String)} (a JDK {@link HttpClient}
 * presenting the API key's client certificate, for byte-exact requests). One server per test class;
 * {@link #close()} stops it within 30 s and deletes the directory.
 */
final class TestKmsServer implements AutoCloseable {

  /** Release reported by {@code /version}. */
  static final String VERSION = "2025-01-02T03-04-05Z";

  /** Commit reported by {@code /version}. */
  static final String COMMIT = "0123456789abcdef";

  /** Bound on start and on each write, as NodeMain. */
  private static final Duration START_TIMEOUT = Duration.ofSeconds(60);

  private final Path dir;
  private final ActorSystem<Void> system;
  private final LocalNode node;
  private final ServerBinding binding;
  private final ApiKey rootKey;
  private final String host;
  private final KeyStore trustStore;

  private TestKmsServer(
      Path dir,
      ActorSystem<Void> system,
      LocalNode node,
      ServerBinding binding,
      ApiKey rootKey,
      String host,
      KeyStore trustStore) {
    this.dir = dir;
    this.system = system;
    this.node = node;
    this.binding = binding;
    this.rootKey = rootKey;
    this.host = host;
    this.trustStore = trustStore;
  }

  /**
   * Starts a node and returns once it serves HTTPS.
   *
   * @throws Exception when any step fails (the partial node is stopped)
   */
  static TestKmsServer start() throws Exception {
    return start(io.openkms.http.observe.Observability.defaults());
  }

  /**
   * Starts a node that counts and audits its requests into {@code observability}.
   *
   * @throws Exception when any step fails (the partial node is stopped)
   */
  static TestKmsServer start(io.openkms.http.observe.Observability observability) throws Exception {
    return start(observability, hsm -> NodeOps.NONE);
  }

  /**
   * Starts a node whose operations side is {@code ops} of its HSM, and returns once it serves
   * HTTPS.
   */
  static TestKmsServer start(java.util.function.Function<Hsm, NodeOps> ops) throws Exception {
    return start(io.openkms.http.observe.Observability.defaults(), ops);
  }

  /** Starts a node whose Pekko config has {@code overrides} (e.g. {@code minkms.http} bounds). */
  static TestKmsServer start(Config overrides) throws Exception {
    return start(io.openkms.http.observe.Observability.defaults(), hsm -> NodeOps.NONE, overrides);
  }

  /**
   * Starts a node whose API port closes client connections by {@code gate} (given the root identity
   * of the node's HSM key), instead of by {@link ConnectionGate#of} its context.
   */
  static TestKmsServer startGated(java.util.function.Function<Identity, ConnectionGate> gate)
      throws Exception {
    return start(
        io.openkms.http.observe.Observability.defaults(),
        hsm -> NodeOps.NONE,
        ConfigFactory.empty(),
        gate);
  }

  private static TestKmsServer start(
      io.openkms.http.observe.Observability observability,
      java.util.function.Function<Hsm, NodeOps> ops)
      throws Exception {
    return start(observability, ops, ConfigFactory.empty());
  }

  /**
   * Starts a node with {@code observability}, operations {@code ops} and Pekko {@code overrides}.
   */
  static TestKmsServer start(
      io.openkms.http.observe.Observability observability,
      java.util.function.Function<Hsm, NodeOps> ops,
      Config overrides)
      throws Exception {
    return start(observability, ops, overrides, null);
  }

  private static TestKmsServer start(
      io.openkms.http.observe.Observability observability,
      java.util.function.Function<Hsm, NodeOps> ops,
      Config overrides,
      java.util.function.Function<Identity, ConnectionGate> gate)
      throws Exception {
    Path dir = Files.createTempDirectory("minkms-api-test");
    Hsm hsm = new SoftHsm(HsmKey.generate());
    NodeVolume volume = NodeVolume.open(dir, hsm);
    StoreConfig store = StoreConfig.h2(dir);
    Schema.apply(store);
    ApiKey rootKey = ApiKey.fromSeed(hsm.deriveSeed(Hsm.ROOT_API_KEY_LABEL));

    int port = FreePorts.single();
    String host = "127.0.0.1:" + port;
    KeyPair serverKey = io.openkms.http.tls.TestCa.generateEcKeyPair();
    X509Certificate serverCert =
        SelfSigned.serverCertificate(
            serverKey, List.of("127.0.0.1", "localhost"), Duration.ofDays(1));
    SSLContext sslContext = ServerTls.sslContext(serverKey, List.of(serverCert));
    KeyStore trust = KeyStore.getInstance("PKCS12");
    trust.load(null, null);
    trust.setCertificateEntry("server", serverCert);

    Config pekko =
        ConfigFactory.parseString(
                String.join(
                    "\n",
                    "pekko.loglevel = WARNING",
                    "pekko.coordinated-shutdown.exit-jvm = off",
                    "pekko.coordinated-shutdown.run-by-jvm-shutdown-hook = off",
                    "pekko.jvm-shutdown-hooks = off"))
            .withFallback(overrides)
            .withFallback(ConfigFactory.defaultOverrides())
            .withFallback(store.pekkoConfig())
            .withFallback(ConfigFactory.defaultApplication())
            .withFallback(KmsHttpServer.defaults())
            .withFallback(ConfigFactory.defaultReference())
            .resolve();
    ActorSystem<Void> system = ActorSystem.create(Behaviors.empty(), "minkms-test", pekko);
    try {
      Sealing.get(system).install(volume.rek());
      LocalNode node =
          LocalNode.start(system, host, Duration.ofSeconds(10))
              .toCompletableFuture()
              .get(START_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
      ApiContext api =
          new ApiContext(
              node,
              new ApiContext.ServerInfo(VERSION, COMMIT, "v1", host),
              Set.of(rootKey.identity()),
              Clock.systemUTC(),
              observability,
              ops.apply(hsm));
      ServerBinding binding =
          KmsHttpServer.bind(
                  system,
                  "127.0.0.1",
                  port,
                  sslContext,
                  api,
                  gate == null ? ConnectionGate.of(api) : gate.apply(rootKey.identity()))
              .toCompletableFuture()
              .get(START_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
      return new TestKmsServer(dir, system, node, binding, rootKey, host, trust);
    } catch (Exception | Error e) {
      stop(system);
      deleteTree(dir);
      throw e;
    }
  }

  /** {@code 127.0.0.1:<port>}. */
  String host() {
    return host;
  }

  /** The root API key (SysAdmin). */
  /** The node's actor system. */
  ActorSystem<Void> system() {
    return system;
  }

  ApiKey rootKey() {
    return rootKey;
  }

  /** The running node. */
  LocalNode node() {
    return node;
  }

  /** {@code https://127.0.0.1:<port><pathAndQuery>}. */
  URI uri(String pathAndQuery) {
    return URI.create("https://" + host + pathAndQuery);
  }

  /** A KmsClient of {@code key} for this server over HTTP/2 (ALPN, falls back to 1.1). */
  KmsClient client(ApiKey key) {
    return client(key, HttpClient.Version.HTTP_2);
  }

  /** A KmsClient of {@code key} for this server, preferring {@code version}. */
  KmsClient client(ApiKey key, HttpClient.Version version) {
    return KmsClient.builder()
        .endpoints(host)
        .apiKey(key.keyPair())
        .trustAnchors(trustStore)
        .httpVersion(version)
        .requestTimeout(Duration.ofSeconds(60))
        .build();
  }

  /** The root API key (derived from the HSM key). */
  ApiKey rootApiKey() {
    return rootKey;
  }

  /** The root client. */
  KmsClient root() {
    return client(rootKey);
  }

  /**
   * A JDK HttpClient that presents {@code key}'s client certificate (as the Go client makes it,
   * docs/PROTOCOL.md §2.3) and trusts only this server's certificate.
   *
   * @param key the API key, or null for a client without any certificate
   * @param version the HTTP version to prefer
   * @param tlsProtocol {@code TLSv1.2}, {@code TLSv1.3}, or null for both
   */
  HttpClient raw(ApiKey key, HttpClient.Version version, String tlsProtocol) throws Exception {
    SSLContext context = clientContext(key);
    SSLParameters params = context.getDefaultSSLParameters();
    params.setProtocols(
        tlsProtocol == null ? new String[] {"TLSv1.3", "TLSv1.2"} : new String[] {tlsProtocol});
    return HttpClient.newBuilder()
        .version(version)
        .sslContext(context)
        .sslParameters(params)
        .connectTimeout(Duration.ofSeconds(10))
        .build();
  }

  /**
   * A client TLS context that presents {@code key}'s client certificate (as the Go client makes it,
   * docs/PROTOCOL.md §2.3; none when {@code key} is null) and trusts only this server.
   */
  SSLContext clientContext(ApiKey key) throws Exception {
    if (key == null) {
      TrustManagerFactory tmf =
          TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
      tmf.init(trustStore);
      SSLContext context = SSLContext.getInstance("TLS");
      context.init(null, tmf.getTrustManagers(), null);
      return context;
    }
    X509Certificate cert = ClientCertificate.of(key.keyPair(), Identities.of(key.publicKey()));
    return ClientTls.sslContext(key.keyPair(), cert, trustStore, false);
  }

  /**
   * A client TLS context that presents {@code certificate} (any certificate: the server checks only
   * its public key) and trusts only this server.
   */
  SSLContext clientContext(KeyPair keyPair, X509Certificate certificate) {
    return ClientTls.sslContext(keyPair, certificate, trustStore, false);
  }

  /** A raw HTTP/1.1 client that presents {@code certificate}. */
  HttpClient raw(KeyPair keyPair, X509Certificate certificate) {
    return HttpClient.newBuilder()
        .version(HttpClient.Version.HTTP_1_1)
        .sslContext(clientContext(keyPair, certificate))
        .connectTimeout(Duration.ofSeconds(10))
        .build();
  }

  /** The API port. */
  int port() {
    return binding.localAddress().getPort();
  }

  /** A raw HTTP/1.1 client of the root key. */
  HttpClient rawRoot() throws Exception {
    return raw(rootKey, HttpClient.Version.HTTP_1_1, null);
  }

  /**
   * POSTs {@code body} to {@code path} with the given extra headers (name, value, …) and a 20 s
   * request timeout.
   */
  HttpResponse<byte[]> post(HttpClient http, String path, byte[] body, String... headers)
      throws IOException, InterruptedException {
    HttpRequest.Builder b =
        HttpRequest.newBuilder(uri(path))
            .timeout(Duration.ofSeconds(20))
            .POST(HttpRequest.BodyPublishers.ofByteArray(body))
            .header("Content-Type", "application/octet-stream");
    for (int i = 0; i < headers.length; i += 2) {
      b.setHeader(headers[i], headers[i + 1]);
    }
    return http.send(b.build(), HttpResponse.BodyHandlers.ofByteArray());
  }

  /** GETs {@code path} with the given extra headers and a 20 s request timeout. */
  HttpResponse<byte[]> get(HttpClient http, String path, String... headers)
      throws IOException, InterruptedException {
    HttpRequest.Builder b = HttpRequest.newBuilder(uri(path)).timeout(Duration.ofSeconds(20)).GET();
    for (int i = 0; i < headers.length; i += 2) {
      b.setHeader(headers[i], headers[i + 1]);
    }
    return http.send(b.build(), HttpResponse.BodyHandlers.ofByteArray());
  }

  /** Unbinds, terminates the actor system (at most 30 s) and deletes the volume directory. */
  @Override
  public void close() {
    try {
      binding.terminate(Duration.ofSeconds(5)).toCompletableFuture().get(10, TimeUnit.SECONDS);
    } catch (Exception ignored) {
      // the system's termination closes the binding anyway
    }
    stop(system);
    deleteTree(dir);
  }

  private static void stop(ActorSystem<Void> system) {
    system.terminate();
    try {
      system.getWhenTerminated().toCompletableFuture().get(30, TimeUnit.SECONDS);
    } catch (Exception e) {
      throw new IllegalStateException("test node did not stop within 30 s", e);
    }
  }

  private static void deleteTree(Path root) {
    try {
      Files.walkFileTree(
          root,
          new SimpleFileVisitor<>() {
            @Override
            public FileVisitResult visitFile(Path file, BasicFileAttributes attrs)
                throws IOException {
              Files.deleteIfExists(file);
              return FileVisitResult.CONTINUE;
            }

            @Override
            public FileVisitResult postVisitDirectory(Path d, IOException e) throws IOException {
              Files.deleteIfExists(d);
              return FileVisitResult.CONTINUE;
            }
          });
    } catch (IOException ignored) {
      // a leftover temp directory is harmless
    }
  }
}
