package io.openkms.http.server;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.openkms.kms.cluster.InternodeService;
import io.openkms.kms.cluster.JoinInstruction;
import io.openkms.kms.domain.ApiError;
import java.io.IOException;
import java.util.Base64;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import org.apache.pekko.http.javadsl.model.HttpResponse;

/**
 * The internode endpoints on the API port (docs/REFERENCE.md §7.1: {@code /v1/rpc/*}, "HSM-derived
 * internode key"). Only a caller whose TLS client certificate holds this node's internode public
 * key — derived from the same HSM key — is served; anyone else gets 403 {@code access denied:
 * insufficient permissions}, so a node with another HSM key is refused (the {@link Edge}'s rule
 * {@link Access#INTERNODE}, with the methods and body limits of its table). Bodies are JSON
 * (Jackson, records of {@code io.openkms.kms.cluster}).
 *
 * <ul>
 *   <li>{@code GET /v1/rpc/status?nonce=<base64url, 1..64 bytes>} → 200 {@link
 *       io.openkms.kms.cluster.ProbeResult}; 400 {@code invalid nonce} without a valid nonce. An
 *       optional {@code &claim=<cluster id>} (a leader's re-admission probe) says which cluster
 *       claims this node ({@code io.openkms.kms.lifecycle.Claim}); other parameters are ignored.
 *   <li>{@code POST /v1/rpc/join} with a {@link JoinInstruction} (at most {@value #MAX_BODY_BYTES}
 *       bytes) → 200 {@code {}} once the node restarts its clustered system towards the seeds; 409
 *       {@code node <host> is not a fresh node: …} if it holds more than its bootstrap; 400 {@code
 *       invalid join request} for a malformed body.
 *   <li>{@code POST /v1/rpc/restart} → 200 {@code {}}, then the node restarts (docs/REFERENCE.md
 *       §2.3: the node that coordinates a cluster-wide restart calls it on every peer); 501 when
 *       the node cannot restart itself.
 *   <li>anything else under {@code /v1/rpc/} → 404; the wrong method → 405.
 * </ul>
 *
 * A node that is not clustered answers 404 for every {@code /v1/rpc/} path.
 */
public final class InternodeApi {

  /** Largest accepted body: 64 KiB. */
  static final int MAX_BODY_BYTES = 64 << 10;

  /** JSON of the internode records; unknown properties are ignored (newer peers). */
  public static final ObjectMapper JSON =
      new ObjectMapper().disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES);

  private InternodeApi() {}

  /** {@code GET /v1/rpc/status?nonce=…}. */
  static CompletionStage<HttpResponse> status(Incoming in) {
    byte[] nonce;
    try {
      nonce = Base64.getUrlDecoder().decode(in.request().getUri().query().get("nonce").orElse(""));
    } catch (IllegalArgumentException e) {
      nonce = new byte[0];
    }
    if (nonce.length == 0 || nonce.length > 64) {
      throw ApiError.INVALID_NONCE.exception();
    }
    try {
      String claimant = in.request().getUri().query().get("claim").orElse("");
      return done(Responses.okJson(JSON.writeValueAsString(service(in).probe(nonce, claimant))));
    } catch (IOException e) {
      throw new IllegalStateException("cannot encode the status", e);
    }
  }

  /** {@code POST /v1/rpc/join} with a {@link JoinInstruction}. */
  static CompletionStage<HttpResponse> join(Incoming in) {
    InternodeService service = service(in);
    return in.body()
        .thenCompose(
            body -> {
              JoinInstruction instruction;
              try {
                instruction = JSON.readValue(body, JoinInstruction.class);
              } catch (IOException e) {
                throw ApiError.INVALID_JOIN.exception();
              }
              if (instruction.seeds() == null
                  || instruction.seeds().isEmpty()
                  || instruction.clusterId() == null) {
                throw ApiError.INVALID_JOIN.exception();
              }
              return service.join(instruction).thenApply(v -> Responses.okJson("{}"));
            });
  }

  /** {@code POST /v1/rpc/restart}: 200, then this node restarts; 501 if it cannot. */
  static CompletionStage<HttpResponse> restart(Incoming in) {
    Restarter restarter = in.api().ops().restarter();
    if (restarter == null) {
      throw ApiError.notAvailable("restart");
    }
    restarter.restartSelf();
    return done(Responses.okJson("{}"));
  }

  /** The node, which the edge found to be an {@link InternodeService}. */
  private static InternodeService service(Incoming in) {
    return (InternodeService) in.api().node();
  }

  private static CompletionStage<HttpResponse> done(HttpResponse response) {
    return CompletableFuture.completedFuture(response);
  }
}
