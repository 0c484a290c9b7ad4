package io.openkms.kms.domain;

import io.openkms.kms.crypto.Identity;
import io.openkms.kms.crypto.KeyVersion;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.SortedMap;

/**
 * The whole replicated state of a node: enclaves, cluster SysAdmin identities, cluster membership,
 * and the number of {@link Change}s applied. Immutable; {@link #apply(Change)} returns the next
 * state and is deterministic, so nodes that apply the same changes in the same order hold equal
 * states (docs/ARCHITECTURE.md §3 invariant 1).
 *
 * @param enclaves enclave name → enclave
 * @param sysAdmins identity text → SysAdmin identities created over the API (cluster-level, no
 *     enclave), including their service accounts; the configured root identities are not here
 * @param membership the KMS cluster membership
 * @param commitIndex number of changes applied
 */
public record KmsState(
    SortedMap<String, EnclaveState> enclaves,
    SortedMap<String, IdentityEntry> sysAdmins,
    Membership membership,
    long commitIndex) {

  private static final KmsState EMPTY = new KmsState(null, null, Membership.empty(), 0);

  /** Copies the maps (null = empty). */
  public KmsState {
    enclaves = EnclaveState.copy(enclaves);
    sysAdmins = EnclaveState.copy(sysAdmins);
    Objects.requireNonNull(membership, "membership");
    if (commitIndex < 0) {
      throw new IllegalArgumentException("commit index must not be negative");
    }
  }

  /** No enclaves, no SysAdmins, no cluster, commit index 0. */
  public static KmsState empty() {
    return EMPTY;
  }

  /**
   * Validates {@code change} against this state and returns the state after it, with {@link
   * #commitIndex()} + 1. This state is unchanged.
   *
   * @throws KmsException with the spec's status and message if the change is not valid here, e.g.
   *     409 {@code key already exists}, 404 {@code enclave does not exist}
   */
  public KmsState apply(Change change) {
    return Transitions.apply(this, change);
  }

  // ---- reads ----

  /** The enclave named {@code name}, if any. */
  public Optional<EnclaveState> findEnclave(String name) {
    return Optional.ofNullable(enclaves.get(name));
  }

  /**
   * The enclave named {@code name}.
   *
   * @throws KmsException 404 {@code enclave does not exist}
   */
  public EnclaveState enclave(String name) {
    EnclaveState e = enclaves.get(name);
    if (e == null) {
      throw ApiError.ENCLAVE_NOT_FOUND.exception();
    }
    return e;
  }

  /**
   * The key {@code name} in {@code enclave}.
   *
   * @throws KmsException 404 {@code enclave does not exist} / {@code key does not exist}
   */
  public KeyEntry key(String enclave, String name) {
    return enclave(enclave).key(name).orElseThrow(ApiError.KEY_NOT_FOUND::exception);
  }

  /**
   * Version {@code version} (0 = latest) of the key {@code name} in {@code enclave}.
   *
   * @throws KmsException 404 {@code enclave does not exist} / {@code key does not exist} (also for
   *     a missing version)
   */
  public KeyVersion keyVersion(String enclave, String name, int version) {
    return key(enclave, name)
        .ring()
        .version(version)
        .orElseThrow(ApiError.KEY_NOT_FOUND::exception);
  }

  /**
   * The policy {@code name} in {@code enclave}.
   *
   * @throws KmsException 404 {@code enclave does not exist} / {@code policy does not exist}
   */
  public Policy policy(String enclave, String name) {
    return enclave(enclave).policy(name).orElseThrow(ApiError.POLICY_NOT_FOUND::exception);
  }

  /**
   * The entry of {@code identity} in {@code enclave}, or among the cluster SysAdmins when {@code
   * enclave} is {@code ""}.
   *
   * @throws KmsException 404 {@code enclave does not exist} / {@code identity does not exist}
   */
  public IdentityEntry identity(String enclave, Identity identity) {
    SortedMap<String, IdentityEntry> scope =
        enclave.isEmpty() ? sysAdmins : enclave(enclave).identities();
    IdentityEntry e = scope.get(identity.toString());
    if (e == null) {
      throw ApiError.IDENTITY_NOT_FOUND.exception();
    }
    return e;
  }

  /**
   * Where {@code identity} lives: {@code ""} if it is a cluster SysAdmin, else the first enclave
   * (by name) that holds it. Identity texts are unique per scope only (an enclave, or the cluster),
   * so the same identity may have entries in several enclaves; use {@link #identity(String,
   * Identity)} with the request's enclave to resolve a caller.
   */
  public Optional<Located> findIdentity(Identity identity) {
    String key = identity.toString();
    IdentityEntry admin = sysAdmins.get(key);
    if (admin != null) {
      return Optional.of(new Located("", admin));
    }
    for (EnclaveState e : enclaves.values()) {
      IdentityEntry entry = e.identities().get(key);
      if (entry != null) {
        return Optional.of(new Located(e.name(), entry));
      }
    }
    return Optional.empty();
  }

  /**
   * True if {@code identity} is a cluster SysAdmin created over the API (not a service account).
   */
  public boolean isSysAdmin(Identity identity) {
    IdentityEntry e = sysAdmins.get(identity.toString());
    return e != null && !e.serviceAccount();
  }

  /**
   * The service accounts whose parent is {@code parent}, in {@code enclave} ({@code ""} = cluster).
   */
  public List<Identity> serviceAccounts(String enclave, Identity parent) {
    SortedMap<String, IdentityEntry> scope =
        enclave.isEmpty()
            ? sysAdmins
            : findEnclave(enclave)
                .map(EnclaveState::identities)
                .orElse(Collections.emptySortedMap());
    List<Identity> out = new ArrayList<>();
    for (IdentityEntry e : scope.values()) {
      if (e.serviceAccount() && e.parent().equals(parent)) {
        out.add(e.identity());
      }
    }
    return out;
  }

  /** An identity entry and the enclave it belongs to ({@code ""} = cluster SysAdmin). */
  public record Located(String enclave, IdentityEntry entry) {}

  // ---- copies, for Transitions ----

  KmsState withEnclaves(SortedMap<String, EnclaveState> enclaves) {
    return new KmsState(enclaves, sysAdmins, membership, commitIndex);
  }

  KmsState withEnclave(EnclaveState enclave) {
    return withEnclaves(EnclaveState.put(enclaves, enclave.name(), enclave));
  }

  KmsState withSysAdmins(SortedMap<String, IdentityEntry> sysAdmins) {
    return new KmsState(enclaves, sysAdmins, membership, commitIndex);
  }

  KmsState withMembership(Membership membership) {
    return new KmsState(enclaves, sysAdmins, membership, commitIndex);
  }

  KmsState withCommitIndex(long commitIndex) {
    return new KmsState(enclaves, sysAdmins, membership, commitIndex);
  }
}
