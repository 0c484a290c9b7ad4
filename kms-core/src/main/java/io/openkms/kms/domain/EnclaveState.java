package io.openkms.kms.domain;

import io.openkms.kms.crypto.Identity;
import java.time.Instant;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.SortedMap;
import java.util.TreeMap;
import org.pcollections.TreePMap;

/**
 * One enclave: an isolated namespace of keys, policies and identities (docs/REFERENCE.md §1).
 * Immutable: the maps are persistent sorted maps ({@link TreePMap}: unmodifiable, and an update
 * shares all but O(log n) nodes with the map it came from, so adding a key to an enclave of n keys
 * costs O(log n), not a copy of n entries) and every {@code with…} returns a new state. Identities
 * are keyed by their {@code h1:} text, so all three maps list in name order.
 *
 * @param name the enclave name ({@link Names} rule)
 * @param createdAt creation time
 * @param createdBy creator ({@link Identity#ZERO} if none)
 * @param keys key name → key
 * @param policies policy name → policy
 * @param identities identity text → identity (Admin and User identities and their service accounts)
 */
public record EnclaveState(
    String name,
    Instant createdAt,
    Identity createdBy,
    SortedMap<String, KeyEntry> keys,
    SortedMap<String, Policy> policies,
    SortedMap<String, IdentityEntry> identities) {

  /** Copies the maps (null = empty). */
  public EnclaveState {
    Objects.requireNonNull(name, "name");
    Objects.requireNonNull(createdAt, "createdAt");
    Objects.requireNonNull(createdBy, "createdBy");
    keys = copy(keys);
    policies = copy(policies);
    identities = copy(identities);
  }

  /** An enclave without keys, policies or identities. */
  public static EnclaveState create(String name, Instant createdAt, Identity createdBy) {
    return new EnclaveState(name, createdAt, createdBy, null, null, null);
  }

  /** The key named {@code name}, if any. O(log n). */
  public Optional<KeyEntry> key(String name) {
    return Optional.ofNullable(keys.get(name));
  }

  /** The policy named {@code name}, if any. O(log n). */
  public Optional<Policy> policy(String name) {
    return Optional.ofNullable(policies.get(name));
  }

  /** The identity entry of {@code identity}, if it belongs to this enclave. O(log n). */
  public Optional<IdentityEntry> identity(Identity identity) {
    return Optional.ofNullable(identities.get(identity.toString()));
  }

  /** This enclave with {@code key} added or replaced. */
  public EnclaveState withKey(KeyEntry key) {
    return new EnclaveState(
        name, createdAt, createdBy, put(keys, key.name(), key), policies, identities);
  }

  /** This enclave without the key {@code keyName}. */
  public EnclaveState withoutKey(String keyName) {
    return new EnclaveState(
        name, createdAt, createdBy, remove(keys, keyName), policies, identities);
  }

  /** This enclave with {@code policy} added or replaced. */
  public EnclaveState withPolicy(Policy policy) {
    return new EnclaveState(
        name, createdAt, createdBy, keys, put(policies, policy.name(), policy), identities);
  }

  /** This enclave without the policy {@code policyName}; identities assigned to it lose it. */
  public EnclaveState withoutPolicy(String policyName) {
    TreeMap<String, IdentityEntry> ids = new TreeMap<>(identities);
    ids.replaceAll((k, e) -> policyName.equals(e.policy()) ? e.withPolicy("") : e);
    return new EnclaveState(name, createdAt, createdBy, keys, remove(policies, policyName), ids);
  }

  /** This enclave with {@code entry} added or replaced. */
  public EnclaveState withIdentity(IdentityEntry entry) {
    return new EnclaveState(
        name,
        createdAt,
        createdBy,
        keys,
        policies,
        put(identities, entry.identity().toString(), entry));
  }

  /** This enclave with the given identities map. */
  EnclaveState withIdentities(SortedMap<String, IdentityEntry> ids) {
    return new EnclaveState(name, createdAt, createdBy, keys, policies, ids);
  }

  /** The key order of {@link TreePMap#empty()} (natural order). */
  private static final Object NATURAL_ORDER = TreePMap.<String, Object>empty().comparator();

  /**
   * {@code m} as a persistent sorted map in natural key order: itself when it already is one
   * (O(1)), else a copy (null = empty).
   */
  static <V> TreePMap<String, V> copy(Map<String, V> m) {
    if (m instanceof TreePMap<String, V> p && Objects.equals(p.comparator(), NATURAL_ORDER)) {
      return p;
    }
    return m == null ? TreePMap.empty() : TreePMap.from(m);
  }

  /** {@code m} with {@code k → v}, sharing structure with {@code m}: O(log n). */
  static <V> SortedMap<String, V> put(SortedMap<String, V> m, String k, V v) {
    return copy(m).plus(k, v);
  }

  /** {@code m} without {@code k}, sharing structure with {@code m}: O(log n). */
  static <V> SortedMap<String, V> remove(SortedMap<String, V> m, String k) {
    return copy(m).minus(k);
  }
}
