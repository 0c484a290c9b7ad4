package io.openkms.kms.domain;

import java.util.Map;
import java.util.SortedMap;
import java.util.SortedSet;

/**
 * How much clients may make a node hold: the quotas and per-field limits of the config file's
 * {@code limits:} section (issue 13, "unbounded state: OOM and crash loop"; README "Limits"). Pure:
 * {@link #admit} decides from the state before a change, the change, and the state after it.
 *
 * <p>Where it is enforced: the leader admits each client write against its projected state before
 * the write gets a log index (next to {@code limits: max_change_size}). Entries already in the log
 * are never re-checked, so every member applies the same entries whatever its own limits, recovery
 * of a store written with larger limits still succeeds, and lowering a limit never breaks a node;
 * it only refuses further growth. The leader's node's limits decide: give every node the same
 * {@code limits:}.
 *
 * <p>Every refusal is 400 with a message naming the limit and its config key, e.g. {@code limit
 * exceeded: at most 100000 keys per enclave (limits: keys_per_enclave)}: 400 because the request
 * cannot succeed as it stands (the Go client does not retry any status, docs/PROTOCOL.md §7).
 * Deletes are never refused, so a full enclave can always be cleaned up.
 *
 * @param enclaves enclaves in the cluster ({@code limits: enclaves})
 * @param keysPerEnclave keys in one enclave ({@code limits: keys_per_enclave})
 * @param versionsPerKey versions one key holds ({@code limits: versions_per_key}); also bounds the
 *     trial decryptions of a decrypt with version 0
 * @param policiesPerEnclave policies in one enclave ({@code limits: policies_per_enclave})
 * @param identitiesPerEnclave identities (with service accounts) in one enclave, and cluster
 *     SysAdmins ({@code limits: identities_per_enclave})
 * @param patternsPerPolicy allow plus deny patterns of one policy ({@code limits:
 *     patterns_per_policy})
 * @param patternLength characters of one policy pattern ({@code limits: pattern_length})
 * @param tagsPerIdentity tags of one identity ({@code limits: tags_per_identity})
 * @param tagLength characters of one tag key or value ({@code limits: tag_length})
 * @param stateBytes the {@link StateSize} estimate of the whole state, in bytes ({@code limits:
 *     state_size})
 * @param decryptTrials a read-path bound, not a quota: how many key versions one request may try in
 *     all when its decrypt frames carry version 0 (newest first, docs/PROTOCOL.md §5.1); beyond it
 *     the request is 400 ({@code limits: decrypt_trials}; issue 13, "CPU amplification")
 * @param decryptQueue a read-path bound, not a quota: how many decrypt batches (more than one
 *     frame, or version 0) may wait for the node's one decrypt thread; a further one is 429 {@code
 *     server busy: too many decrypt batches waiting (at most N, limits: decrypt_queue); retry
 *     later} ({@code limits: decrypt_queue}; issue 13, "CPU amplification")
 */
public record Quotas(
    int enclaves,
    int keysPerEnclave,
    int versionsPerKey,
    int policiesPerEnclave,
    int identitiesPerEnclave,
    int patternsPerPolicy,
    int patternLength,
    int tagsPerIdentity,
    int tagLength,
    long stateBytes,
    int decryptTrials,
    int decryptQueue) {

  /**
   * The defaults, sized for the launcher's default heap ({@code -Xmx256m}): the state estimate is
   * held to 24 MiB (a node with -Xmx256m ran out of heap at ~83,000 keys, about 46 MiB of this
   * estimate, while writing its snapshot: docs/PERFORMANCE.md), leaving room for a second copy
   * while a snapshot is written, the journal recovery and the request path.
   */
  public static final Quotas DEFAULT =
      new Quotas(1_000, 100_000, 1_000, 1_000, 10_000, 2_000, 256, 64, 256, 24L << 20, 4_096, 64);

  /** Validates: every bound at least 1. */
  public Quotas {
    for (long v :
        new long[] {
          enclaves, keysPerEnclave, versionsPerKey, policiesPerEnclave, identitiesPerEnclave,
          patternsPerPolicy, patternLength, tagsPerIdentity, tagLength, stateBytes,
          decryptTrials, decryptQueue
        }) {
      if (v < 1) {
        throw new IllegalArgumentException("every limit must be at least 1");
      }
    }
  }

  /**
   * Admits {@code change} (which took {@code before} to {@code after}) or refuses it.
   *
   * @param beforeBytes {@link StateSize#of} {@code before} (the caller keeps it up to date)
   * @return the {@link StateSize} estimate of {@code after}
   * @throws KmsException 400 {@code limit exceeded: at most N <what> (limits: <key>)}
   */
  public long admit(KmsState before, long beforeBytes, Change change, KmsState after) {
    long delta = 0;
    if (change instanceof Change.CreateEnclave c) {
      atMost(before.enclaves().size() + 1, enclaves, "enclaves", "enclaves");
      delta = StateSize.ENCLAVE + StateSize.chars(c.name());
    } else if (change instanceof Change.DeleteEnclave c) {
      delta = -StateSize.of(before.enclave(c.name()));
    } else if (change instanceof Change.CreateKey c) {
      delta = newKey(before, c.enclave(), c.name());
    } else if (change instanceof Change.ImportKey c) {
      delta = newKey(before, c.enclave(), c.name());
    } else if (change instanceof Change.AddKeyVersion c) {
      atMost(
          before.key(c.enclave(), c.name()).ring().size() + 1,
          versionsPerKey,
          "versions per key",
          "versions_per_key");
      delta = StateSize.KEY_VERSION;
    } else if (change instanceof Change.DeleteKeyVersion c) {
      delta = keyBytes(after, c.enclave(), c.name()) - keyBytes(before, c.enclave(), c.name());
    } else if (change instanceof Change.DeleteKey c) {
      delta = -keyBytes(before, c.enclave(), c.name());
    } else if (change instanceof Change.CreatePolicy c) {
      Policy old = before.enclave(c.enclave()).policies().get(c.policy().name());
      if (old == null) {
        atMost(
            before.enclave(c.enclave()).policies().size() + 1,
            policiesPerEnclave,
            "policies per enclave",
            "policies_per_enclave");
      }
      checkPatterns(c.policy());
      delta = StateSize.policy(c.policy()) - (old == null ? 0 : StateSize.policy(old));
    } else if (change instanceof Change.DeletePolicy c) {
      delta = -StateSize.policy(before.policy(c.enclave(), c.name()));
    } else if (change instanceof Change.AssignPolicy c) {
      delta =
          StateSize.chars(c.policy())
              - StateSize.chars(before.identity(c.enclave(), c.identity()).policy());
    } else if (change instanceof Change.CreateIdentity c) {
      atMost(
          scope(before, c.enclave()).size() + 1,
          identitiesPerEnclave,
          "identities per enclave",
          "identities_per_enclave");
      checkTags(c.entry().tags());
      delta = StateSize.identity(c.entry());
    } else if (change instanceof Change.DeleteIdentity c) {
      delta =
          StateSize.identities(scope(after, c.enclave()))
              - StateSize.identities(scope(before, c.enclave()));
    }
    long afterBytes = beforeBytes + delta;
    if (delta > 0 && afterBytes > stateBytes) {
      throw ApiError.limitExceeded(stateBytes, "bytes of state", "state_size");
    }
    return afterBytes;
  }

  private long newKey(KmsState before, String enclave, String name) {
    atMost(
        before.enclave(enclave).keys().size() + 1,
        keysPerEnclave,
        "keys per enclave",
        "keys_per_enclave");
    return StateSize.key(name, 1);
  }

  private static long keyBytes(KmsState s, String enclave, String name) {
    KeyEntry k = s.enclave(enclave).keys().get(name);
    return k == null ? 0 : StateSize.key(name, k.ring().size());
  }

  private static SortedMap<String, IdentityEntry> scope(KmsState s, String enclave) {
    return enclave.isEmpty() ? s.sysAdmins() : s.enclave(enclave).identities();
  }

  private void checkPatterns(Policy p) {
    long count = 0;
    for (SortedMap<String, SortedSet<String>> rules : java.util.List.of(p.allow(), p.deny())) {
      for (SortedSet<String> patterns : rules.values()) {
        count += patterns.size();
        for (String pattern : patterns) {
          atMost(
              pattern.length(), patternLength, "characters per policy pattern", "pattern_length");
        }
      }
    }
    atMost(count, patternsPerPolicy, "patterns per policy", "patterns_per_policy");
  }

  private void checkTags(Map<String, String> tags) {
    atMost(tags.size(), tagsPerIdentity, "tags per identity", "tags_per_identity");
    for (Map.Entry<String, String> t : tags.entrySet()) {
      atMost(
          Math.max(t.getKey().length(), t.getValue().length()),
          tagLength,
          "characters per tag key or value",
          "tag_length");
    }
  }

  /**
   * @throws KmsException 400 {@code limit exceeded: at most <limit> <what> (limits: <key>)} if
   *     {@code value > limit}
   */
  private static void atMost(long value, long limit, String what, String key) {
    if (value > limit) {
      throw ApiError.limitExceeded(limit, what, key);
    }
  }
}
