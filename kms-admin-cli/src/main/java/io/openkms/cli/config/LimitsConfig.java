package io.openkms.cli.config;

import io.openkms.kms.domain.Quotas;
import java.util.Objects;

/**
 * The config file's {@code limits} section (ours, not the reference's): bounds on what one client
 * may make a node hold or send (docs: README "Limits").
 *
 * <pre>
 * limits:
 *   max_change_size: 131072     # bytes (or 128KiB): largest serialized change; at most 192KiB
 *   enclaves: 1000              # quotas (Quotas): a write beyond one is 400 naming the key
 *   keys_per_enclave: 100000
 *   versions_per_key: 1000
 *   policies_per_enclave: 1000
 *   identities_per_enclave: 10000
 *   patterns_per_policy: 2000
 *   pattern_length: 256
 *   tags_per_identity: 64
 *   tag_length: 256
 *   state_size: 24MiB           # the StateSize estimate of the whole state
 *   decrypt_trials: 4096        # key versions one request may try for decrypts with version 0
 *   decrypt_queue: 64           # decrypt batches waiting for the decrypt thread (then 429)
 * </pre>
 *
 * @param maxChangeBytes the largest serialized change (one write) the cluster accepts, in bytes; a
 *     larger write is refused with 400 {@code change too large: … (limits: max_change_size)} before
 *     it is replicated. 1 to {@link #MAX_CHANGE_BYTES_LIMIT}; default {@link
 *     #DEFAULT_MAX_CHANGE_BYTES}.
 * @param quotas the other keys, {@link Quotas#DEFAULT} where absent
 */
public record LimitsConfig(long maxChangeBytes, Quotas quotas) {

  public LimitsConfig {
    Objects.requireNonNull(quotas, "quotas");
  }

  /** Only {@code max_change_size} given; default quotas. */
  public LimitsConfig(long maxChangeBytes) {
    this(maxChangeBytes, Quotas.DEFAULT);
  }

  /** Default of {@code max_change_size}: 128 KiB. */
  public static final long DEFAULT_MAX_CHANGE_BYTES = 128L << 10;

  /**
   * Highest {@code max_change_size}: 192 KiB, the byte bound of one replication message (the
   * internode frame is 256 KiB).
   */
  public static final long MAX_CHANGE_BYTES_LIMIT = 192L << 10;

  /** Nothing configured. */
  public static final LimitsConfig DEFAULT = new LimitsConfig(DEFAULT_MAX_CHANGE_BYTES);
}
