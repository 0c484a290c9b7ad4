package io.openkms.kms.cluster;

import io.openkms.kms.crypto.Identity;
import java.util.concurrent.CompletionStage;

/**
 * The server side of the internode HTTPS endpoints, implemented by a clustered node ({@link
 * ClusterNode}); the HTTP layer ({@code io.openkms.http.server.InternodeApi}) checks the caller and
 * translates.
 */
public interface InternodeService {

  /** The identity a caller must present: SHA-256 of the internode public key's SPKI. */
  Identity internodeIdentity();

  /**
   * This node's status, with the proof for {@code nonce}.
   *
   * @param nonce the caller's nonce (any length up to 64 bytes)
   */
  ProbeResult probe(byte[] nonce);

  /**
   * This node's status, with the proof for {@code nonce}, asked by a leader that claims this node
   * (its re-admission probe, {@code &claim=<cluster id>}; {@link io.openkms.kms.lifecycle.Claim}).
   *
   * @param nonce the caller's nonce (any length up to 64 bytes)
   * @param claimant the cluster id of the leader that claims this node; {@code ""}: no claim (as
   *     {@link #probe(byte[])})
   */
  default ProbeResult probe(byte[] nonce, String claimant) {
    return probe(nonce);
  }

  /**
   * Joins the cluster of {@code instruction} if this node is fresh.
   *
   * @return completes once this node restarted its clustered system towards the seeds; fails with a
   *     {@link io.openkms.kms.domain.KmsException} 409 if this node is not fresh
   */
  CompletionStage<Void> join(JoinInstruction instruction);
}
