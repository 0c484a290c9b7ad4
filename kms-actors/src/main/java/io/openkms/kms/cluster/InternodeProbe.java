package io.openkms.kms.cluster;

import java.util.concurrent.CompletionStage;

/**
 * The client side of the internode HTTPS endpoints ({@code /v1/rpc/*} on a node's API port),
 * authenticated with the HSM-derived internode key as the TLS client certificate. Implemented in
 * kms-http ({@code io.openkms.http.client.InternodeClient}).
 */
public interface InternodeProbe {

  /**
   * {@code GET https://<host>/v1/rpc/status?nonce=<base64url>}.
   *
   * @param host {@code host:port} of the node's API
   * @param nonce 32 random bytes the node must prove it can MAC
   * @return the node's answer; fails with {@link InternodeException}
   */
  CompletionStage<ProbeResult> status(String host, byte[] nonce);

  /**
   * {@code GET https://<host>/v1/rpc/status?nonce=<base64url>&claim=<clusterId>}: the leader's
   * re-admission probe, which says which cluster claims the node ({@link
   * io.openkms.kms.lifecycle.Claim}); a node that does not know {@code claim} ignores it.
   *
   * @param host {@code host:port} of the node's API
   * @param nonce 32 random bytes the node must prove it can MAC
   * @param claimant the prober's cluster id ({@code ""}: no claim, as {@link #status(String,
   *     byte[])})
   * @return the node's answer; fails with {@link InternodeException}
   */
  default CompletionStage<ProbeResult> status(String host, byte[] nonce, String claimant) {
    return status(host, nonce);
  }

  /**
   * {@code POST https://<host>/v1/rpc/join}.
   *
   * @param host {@code host:port} of the node's API
   * @param instruction whom to join
   * @return completes when the node accepted; fails with {@link InternodeException}
   */
  CompletionStage<Void> join(String host, JoinInstruction instruction);
}
