package io.openkms.http.client;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.openkms.http.tls.ClientCertificate;
import io.openkms.http.tls.ClientTls;
import io.openkms.http.tls.Identities;
import io.openkms.kms.cluster.InternodeException;
import io.openkms.kms.cluster.InternodeProbe;
import io.openkms.kms.cluster.JoinInstruction;
import io.openkms.kms.cluster.ProbeResult;
import io.openkms.kms.util.Stages;
import java.io.IOException;
import java.net.ConnectException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpConnectTimeoutException;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.security.KeyPair;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.Base64;
import java.util.concurrent.CompletionStage;
import javax.net.ssl.SSLException;

/**
 * The internode HTTPS client ({@link InternodeProbe}): calls another node's {@code /v1/rpc/*} with
 * the HSM-derived internode key as its TLS client certificate. The server's certificate is not
 * checked against a CA: the peer proves that it holds the same HSM key by the MAC in its answer
 * ({@link io.openkms.kms.cluster.InternodeProof}), and nothing secret is sent.
 *
 * <p>Failures ({@link InternodeException}): no connection, TLS failure or timeout → {@code
 * UNREACHABLE} with a short reason ({@code connection refused}, {@code timed out after <n> ms},
 * {@code TLS handshake failed: …}); 403 → {@code FORBIDDEN}; any other non-200 → {@code FAILED}
 * with the server's message.
 */
public final class InternodeClient implements InternodeProbe {

  private static final ObjectMapper JSON =
      new ObjectMapper().disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES);

  private final HttpClient http;
  private final Duration requestTimeout;

  /**
   * @param internodeKey the internode Ed25519 key pair
   * @param connectTimeout bound on connecting
   * @param requestTimeout bound on one exchange
   */
  public InternodeClient(KeyPair internodeKey, Duration connectTimeout, Duration requestTimeout) {
    X509Certificate cert =
        ClientCertificate.of(internodeKey, Identities.of(internodeKey.getPublic()));
    this.http =
        HttpClient.newBuilder()
            .sslContext(ClientTls.sslContext(internodeKey, cert, null, true))
            .connectTimeout(connectTimeout)
            .version(HttpClient.Version.HTTP_1_1)
            .build();
    this.requestTimeout = requestTimeout;
  }

  @Override
  public CompletionStage<ProbeResult> status(String host, byte[] nonce) {
    return status(host, nonce, "");
  }

  @Override
  public CompletionStage<ProbeResult> status(String host, byte[] nonce, String claimant) {
    HttpRequest request =
        HttpRequest.newBuilder(
                uri(
                    host,
                    "/v1/rpc/status?nonce="
                        + Base64.getUrlEncoder().withoutPadding().encodeToString(nonce)
                        + (claimant == null || claimant.isEmpty()
                            ? ""
                            : "&claim="
                                + java.net.URLEncoder.encode(
                                    claimant, java.nio.charset.StandardCharsets.UTF_8))))
            .timeout(requestTimeout)
            .header("Accept", "application/json")
            .GET()
            .build();
    return exchange(request)
        .thenApply(
            body -> {
              try {
                return JSON.readValue(body, ProbeResult.class);
              } catch (IOException e) {
                throw new InternodeException(
                    InternodeException.Kind.FAILED,
                    200,
                    "invalid status answer: " + e.getMessage());
              }
            });
  }

  @Override
  public CompletionStage<Void> join(String host, JoinInstruction instruction) {
    byte[] body;
    try {
      body = JSON.writeValueAsBytes(instruction);
    } catch (IOException e) {
      throw new IllegalStateException("cannot encode the join request", e);
    }
    HttpRequest request =
        HttpRequest.newBuilder(uri(host, "/v1/rpc/join"))
            .timeout(requestTimeout)
            .header("Content-Type", "application/json")
            .header("Accept", "application/json")
            .POST(HttpRequest.BodyPublishers.ofByteArray(body))
            .build();
    return exchange(request).thenApply(b -> null);
  }

  /**
   * {@code POST /v1/rpc/restart} of another node: it answers, then restarts (docs/REFERENCE.md
   * §2.3, the cluster-wide {@code minkms restart}).
   *
   * @return completes when the node confirmed; fails with {@link InternodeException}
   */
  public CompletionStage<Void> restart(String host) {
    HttpRequest request =
        HttpRequest.newBuilder(uri(host, "/v1/rpc/restart"))
            .timeout(requestTimeout)
            .header("Accept", "application/json")
            .POST(HttpRequest.BodyPublishers.noBody())
            .build();
    return exchange(request).thenApply(b -> null);
  }

  private static URI uri(String host, String pathAndQuery) {
    return URI.create("https://" + host + pathAndQuery);
  }

  private CompletionStage<byte[]> exchange(HttpRequest request) {
    return http.sendAsync(request, HttpResponse.BodyHandlers.ofByteArray())
        .handle(
            (response, error) -> {
              if (error != null) {
                throw new InternodeException(InternodeException.Kind.UNREACHABLE, 0, reason(error));
              }
              int status = response.statusCode();
              if (status == 200) {
                return response.body();
              }
              String message =
                  ErrorBodies.message(
                      response.headers().firstValue("Content-Type").orElse(""), response.body());
              throw new InternodeException(
                  status == 403
                      ? InternodeException.Kind.FORBIDDEN
                      : InternodeException.Kind.FAILED,
                  status,
                  message);
            });
  }

  /** A short reason for a failed exchange. */
  private String reason(Throwable error) {
    Throwable cause = Stages.cause(error);
    if (cause instanceof HttpConnectTimeoutException) {
      return "connection timed out";
    }
    if (cause instanceof HttpTimeoutException) {
      return "timed out after " + requestTimeout.toMillis() + " ms";
    }
    Throwable root = cause;
    while (root.getCause() != null && root.getCause() != root) {
      root = root.getCause();
    }
    if (cause instanceof ConnectException || root instanceof ConnectException) {
      return "connection refused";
    }
    if (cause instanceof SSLException || root instanceof SSLException) {
      return "TLS handshake failed: " + root.getMessage();
    }
    String message = root.getMessage() != null ? root.getMessage() : cause.getMessage();
    return message != null ? message : root.getClass().getSimpleName();
  }
}
