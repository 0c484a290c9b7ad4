package io.openkms.kms.domain;

import java.util.Map;
import java.util.SortedMap;
import java.util.SortedSet;

/**
 * An estimate, in bytes, of the heap a {@link KmsState} holds: the quantity that {@code limits:
 * state_size} bounds (issue 13, "unbounded state: OOM and crash loop"). It counts what clients can
 * make grow (enclaves, keys and their versions, policies and their patterns, identities and their
 * tags) with fixed per-object costs measured on a 64-bit JVM with compressed oops (records,
 * persistent-map nodes, {@code Instant}s, identity and key arrays), rounded up; strings count 2
 * bytes per character plus a header. Membership and the commit index are not counted. Pure and
 * deterministic: every node computes the same number for the same state.
 */
public final class StateSize {
  /** An enclave without keys, policies or identities. */
  static final long ENCLAVE = 512;

  /** A key entry without its versions. */
  static final long KEY = 256;

  /** One key version: 32 bytes of key material, its record, times, creator, map node. */
  static final long KEY_VERSION = 256;

  /** A policy without its patterns. */
  static final long POLICY = 256;

  /** One command of a policy's rules (map node and pattern set). */
  static final long POLICY_COMMAND = 96;

  /** One pattern besides its characters (set node, string header). */
  static final long PATTERN = 64;

  /** An identity entry without tags. */
  static final long IDENTITY = 384;

  /** One tag besides its characters. */
  static final long TAG = 128;

  private StateSize() {}

  /** The estimate for a whole state: O(size of the state), used once when a leader takes over. */
  public static long of(KmsState s) {
    long bytes = identities(s.sysAdmins());
    for (EnclaveState e : s.enclaves().values()) {
      bytes += of(e);
    }
    return bytes;
  }

  /** The estimate for one enclave and everything in it. */
  static long of(EnclaveState e) {
    long bytes = ENCLAVE + chars(e.name());
    for (KeyEntry k : e.keys().values()) {
      bytes += key(k.name(), k.ring().size());
    }
    for (Policy p : e.policies().values()) {
      bytes += policy(p);
    }
    return bytes + identities(e.identities());
  }

  static long key(String name, int versions) {
    return KEY + chars(name) + (long) versions * KEY_VERSION;
  }

  static long policy(Policy p) {
    return POLICY + chars(p.name()) + rules(p.allow()) + rules(p.deny());
  }

  private static long rules(SortedMap<String, SortedSet<String>> rules) {
    long bytes = 0;
    for (Map.Entry<String, SortedSet<String>> e : rules.entrySet()) {
      bytes += POLICY_COMMAND;
      for (String pattern : e.getValue()) {
        bytes += PATTERN + chars(pattern);
      }
    }
    return bytes;
  }

  static long identity(IdentityEntry e) {
    long bytes = IDENTITY + chars(e.policy());
    for (Map.Entry<String, String> t : e.tags().entrySet()) {
      bytes += TAG + chars(t.getKey()) + chars(t.getValue());
    }
    return bytes;
  }

  static long identities(SortedMap<String, IdentityEntry> scope) {
    long bytes = 0;
    for (IdentityEntry e : scope.values()) {
      bytes += identity(e);
    }
    return bytes;
  }

  /** A string's characters (2 bytes each, the worst case) and header. */
  static long chars(String s) {
    return s == null ? 0 : 24 + 2L * s.length();
  }
}
