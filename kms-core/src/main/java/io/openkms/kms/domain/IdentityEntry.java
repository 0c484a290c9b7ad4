package io.openkms.kms.domain;

import io.openkms.kms.crypto.Identity;
import java.time.Instant;
import java.util.Collections;
import java.util.Map;
import java.util.Objects;
import java.util.SortedMap;
import java.util.TreeMap;

/**
 * An identity known to the KMS (docs/REFERENCE.md §5.2, §5.4; {@code IdentityResponse} of
 * docs/PROTOCOL.md §5.2).
 *
 * <p>A service account is a child identity that is authorized as its parent (the parent's privilege
 * and policy); it is deleted together with its parent. Its own {@code privilege} is the parent's at
 * creation, for display.
 *
 * @param identity the identity, never zero
 * @param privilege SysAdmin, Admin or User
 * @param policy the assigned policy's name, or {@code ""} (always {@code ""} unless User)
 * @param createdAt creation time
 * @param createdBy creator ({@link Identity#ZERO} if none)
 * @param serviceAccount true for a service account
 * @param parent the parent of a service account; {@link Identity#ZERO} otherwise
 * @param tags free-form string tags
 */
public record IdentityEntry(
    Identity identity,
    Privilege privilege,
    String policy,
    Instant createdAt,
    Identity createdBy,
    boolean serviceAccount,
    Identity parent,
    SortedMap<String, String> tags) {

  /**
   * Validates and copies.
   *
   * @throws KmsException 400 {@link ApiError#EMPTY_IDENTITY}, {@link ApiError#POLICY_FOR_NON_USER},
   *     {@link ApiError#POLICY_FOR_SERVICE_ACCOUNT}, {@link
   *     ApiError#SERVICE_ACCOUNT_WITHOUT_PARENT}, {@link ApiError#PARENT_WITHOUT_SERVICE_ACCOUNT},
   *     {@link ApiError#SERVICE_ACCOUNT_OWN_PARENT}
   */
  public IdentityEntry {
    Objects.requireNonNull(identity, "identity");
    Objects.requireNonNull(privilege, "privilege");
    Objects.requireNonNull(createdAt, "createdAt");
    Objects.requireNonNull(createdBy, "createdBy");
    policy = policy == null ? "" : policy;
    parent = parent == null ? Identity.ZERO : parent;
    if (identity.isZero()) {
      throw ApiError.EMPTY_IDENTITY.exception();
    }
    if (!policy.isEmpty() && privilege != Privilege.USER) {
      throw ApiError.POLICY_FOR_NON_USER.exception();
    }
    if (!policy.isEmpty() && serviceAccount) {
      throw ApiError.POLICY_FOR_SERVICE_ACCOUNT.exception();
    }
    if (serviceAccount && parent.isZero()) {
      throw ApiError.SERVICE_ACCOUNT_WITHOUT_PARENT.exception();
    }
    if (!serviceAccount && !parent.isZero()) {
      throw ApiError.PARENT_WITHOUT_SERVICE_ACCOUNT.exception();
    }
    if (parent.equals(identity)) {
      throw ApiError.SERVICE_ACCOUNT_OWN_PARENT.exception();
    }
    tags = Collections.unmodifiableSortedMap(tags == null ? new TreeMap<>() : new TreeMap<>(tags));
  }

  /** A plain (non service account) identity without policy or tags. */
  public static IdentityEntry of(
      Identity identity, Privilege privilege, Instant createdAt, Identity createdBy) {
    return new IdentityEntry(
        identity, privilege, "", createdAt, createdBy, false, Identity.ZERO, null);
  }

  /** A service account of {@code parent} with the parent's privilege. */
  public static IdentityEntry serviceAccount(
      Identity identity,
      Identity parent,
      Privilege parentPrivilege,
      Instant createdAt,
      Identity createdBy,
      Map<String, String> tags) {
    return new IdentityEntry(
        identity,
        parentPrivilege,
        "",
        createdAt,
        createdBy,
        true,
        parent,
        tags == null ? null : new TreeMap<>(tags));
  }

  /** This entry with {@code policy} assigned ({@code ""} to un-assign). */
  public IdentityEntry withPolicy(String policy) {
    return new IdentityEntry(
        identity, privilege, policy, createdAt, createdBy, serviceAccount, parent, tags);
  }
}
