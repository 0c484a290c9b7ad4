package io.openkms.http.server;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.openkms.kms.cluster.InternodeService;
import io.openkms.kms.cluster.JoinInstruction;
import io.openkms.kms.crypto.Identity;
import io.openkms.kms.domain.KmsException;
import java.io.IOException;
import java.util.Base64;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import org.apache.pekko.http.javadsl.model.HttpMethods;
import org.apache.pekko.http.javadsl.model.HttpRequest;
import org.apache.pekko.http.javadsl.model.HttpResponse;
import org.apache.pekko.stream.Materializer;

/**
 * The internode endpoints on the API port (docs/REFERENCE.md §7.1: {@code /v1/rpc/*},
 * "HSM-derived internode key"). Only a caller whose TLS client certificate holds this node's
 * internode public key — derived from the same HSM key — is served; anyone else gets 403
 * {@code access denied: insufficient permissions}, so a node with another HSM key is refused.
 * Bodies are JSON (Jackson, records of {@code io.openkms.kms.cluster}).
 *
 * <ul>
 *   <li>{@code GET /v1/rpc/status?nonce=<base64url, 1..64 bytes>} → 200
 *       {@link io.openkms.kms.cluster.ProbeResult}; 400 {@code invalid nonce} without a valid
 *       nonce.
 *   <li>{@code POST /v1/rpc/join} with a {@link JoinInstruction} (at most
 *       {@value #MAX_BODY_BYTES} bytes) → 200 {@code {}} once the node restarts its clustered
 *       system towards the seeds; 409 {@code node <host> is not a fresh node: …} if it holds
 *       more than its bootstrap; 400 {@code invalid join request} for a malformed body.
 *   <li>{@code POST /v1/rpc/restart} → 200 {@code {}}, then the node restarts (docs/REFERENCE.md
 *       §2.3: the node that coordinates a cluster-wide restart calls it on every peer); 501
 *       when the node cannot restart itself.
 *   <li>anything else under {@code /v1/rpc/} → 404; the wrong method → 405.
 * </ul>
 * A node that is not clustered answers 404 for every {@code /v1/rpc/} path.
 */
public final class InternodeApi {

  /** Largest accepted body: 64 KiB. */
  static final int MAX_BODY_BYTES = 64 << 10;

  /** JSON of the internode records; unknown properties are ignored (newer peers). */
  public static final ObjectMapper JSON = new ObjectMapper()
      .disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES);

  private InternodeApi() {}

  /**
   * Handles {@code request} to {@code /v1/rpc/<segments[2]>}.
   *
   * @param api the node (must implement {@link InternodeService} to serve anything)
   * @param segments the path's segments ({@code v1}, {@code rpc}, …)
   */
  static CompletionStage<HttpResponse> handle(ApiContext api, HttpRequest request,
      List<String> segments, Materializer materializer) {
    if (!(api.node() instanceof InternodeService service) || segments.size() != 3) {
      request.discardEntityBytes(materializer);
      return done(Responses.error(request, 404, "not found: " + request.getUri().path()));
    }
    Optional<Identity> caller = CallerIdentity.of(request);
    if (caller.isEmpty() || !caller.get().equals(service.internodeIdentity())) {
      request.discardEntityBytes(materializer);
      return done(Responses.error(request, 403, "access denied: insufficient permissions"));
    }
    switch (segments.get(2)) {
      case "status" -> {
        request.discardEntityBytes(materializer);
        if (!request.method().equals(HttpMethods.GET)) {
          return done(Responses.error(request, 405, "method not allowed: use GET"));
        }
        return done(status(request, service));
      }
      case "join" -> {
        if (!request.method().equals(HttpMethods.POST)) {
          request.discardEntityBytes(materializer);
          return done(Responses.error(request, 405, "method not allowed: use POST"));
        }
        return request.entity().withSizeLimit(MAX_BODY_BYTES)
            .toStrict(KmsApi.BODY_TIMEOUT_MILLIS, materializer)
            .thenCompose(strict -> join(request, service, strict.getData().toArray()))
            .exceptionally(e -> failure(request, e));
      }
      case "restart" -> {
        request.discardEntityBytes(materializer);
        if (!request.method().equals(HttpMethods.POST)) {
          return done(Responses.error(request, 405, "method not allowed: use POST"));
        }
        if (api.ops().restarter() == null) {
          return done(Responses.error(request, 501, "kms: restart is not available on this node"));
        }
        api.ops().restarter().restartSelf();
        return done(Responses.okJson("{}"));
      }
      default -> {
        request.discardEntityBytes(materializer);
        return done(Responses.error(request, 404, "not found: " + request.getUri().path()));
      }
    }
  }

  private static HttpResponse status(HttpRequest request, InternodeService service) {
    byte[] nonce;
    try {
      nonce = Base64.getUrlDecoder().decode(request.getUri().query().get("nonce").orElse(""));
    } catch (IllegalArgumentException e) {
      nonce = new byte[0];
    }
    if (nonce.length == 0 || nonce.length > 64) {
      return Responses.error(request, 400, "invalid nonce");
    }
    try {
      return Responses.okJson(JSON.writeValueAsString(service.probe(nonce)));
    } catch (IOException e) {
      throw new IllegalStateException("cannot encode the status", e);
    }
  }

  private static CompletionStage<HttpResponse> join(HttpRequest request,
      InternodeService service, byte[] body) {
    JoinInstruction instruction;
    try {
      instruction = JSON.readValue(body, JoinInstruction.class);
    } catch (IOException e) {
      return done(Responses.error(request, 400, "invalid join request"));
    }
    if (instruction.seeds() == null || instruction.seeds().isEmpty()
        || instruction.clusterId() == null) {
      return done(Responses.error(request, 400, "invalid join request"));
    }
    return service.join(instruction).thenApply(v -> Responses.okJson("{}"));
  }

  private static HttpResponse failure(HttpRequest request, Throwable e) {
    Throwable cause = e;
    while (cause.getCause() != null && !(cause instanceof KmsException)) {
      cause = cause.getCause();
    }
    if (cause instanceof KmsException k) {
      return Responses.error(request, k.status(), k.message());
    }
    return Responses.error(request, 500, "internal error");
  }

  private static CompletionStage<HttpResponse> done(HttpResponse response) {
    return CompletableFuture.completedFuture(response);
  }
}
