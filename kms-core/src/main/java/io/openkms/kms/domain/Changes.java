package io.openkms.kms.domain;

import io.openkms.kms.crypto.Identity;
import io.openkms.kms.crypto.KeyType;
import io.openkms.kms.crypto.KeyVersion;
import io.openkms.kms.crypto.RandomSource;
import java.nio.ByteBuffer;
import java.time.Clock;
import java.time.Instant;
import java.util.Collection;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeMap;
import java.util.UUID;

/**
 * Builds {@link Change}s from requests on the leader: it reads the clock and draws key material and
 * IDs from the random source, so that {@link KmsState#apply(Change)} stays deterministic on every
 * node. It also checks what only the request can tell (key type text, import length, delete flags);
 * everything else is validated by {@code apply}.
 */
public final class Changes {
  private final Clock clock;
  private final RandomSource random;

  /**
   * @param clock the source of {@code createdAt} times
   * @param random the source of key material and cluster IDs ({@link RandomSource#secure()} in
   *     production)
   */
  public Changes(Clock clock, RandomSource random) {
    this.clock = Objects.requireNonNull(clock, "clock");
    this.random = Objects.requireNonNull(random, "random");
  }

  /** Changes with the UTC system clock and {@link RandomSource#secure()}. */
  public static Changes system() {
    return new Changes(Clock.systemUTC(), RandomSource.secure());
  }

  /**
   * The key type of a {@code CreateKeyRequest}/{@code ImportKeyRequest}: {@code ""} is AES256.
   *
   * @throws KmsException 400 {@code kms: key type '<t>' is not supported}
   */
  public static KeyType keyType(String type) {
    if (type == null || type.isEmpty()) {
      return KeyType.AES256;
    }
    try {
      return KeyType.parse(type);
    } catch (IllegalArgumentException e) {
      throw ApiError.unsupportedKeyType(type);
    }
  }

  // ---- cluster ----

  /** A new cluster with a random (version 4) UUID and {@code host} as node 0. */
  public Change.InitCluster initCluster(String host) {
    byte[] b = random.bytes(16);
    b[6] = (byte) ((b[6] & 0x0f) | 0x40);
    b[8] = (byte) ((b[8] & 0x3f) | 0x80);
    ByteBuffer buf = ByteBuffer.wrap(b);
    return new Change.InitCluster(new UUID(buf.getLong(), buf.getLong()).toString(), host);
  }

  /** Adds {@code host} ({@code host:port}). */
  public Change.AddNode addNode(String host) {
    return new Change.AddNode(host);
  }

  /** Removes node {@code nodeId}. */
  public Change.RemoveNode removeNode(int nodeId) {
    return Change.RemoveNode.of(nodeId);
  }

  // ---- enclaves ----

  /** {@code ENCLAVE:CREATE}. */
  public Change.CreateEnclave createEnclave(String name, Identity createdBy) {
    return new Change.CreateEnclave(Names.check("enclave", name), now(), createdBy);
  }

  /** {@code ENCLAVE:DELETE}. */
  public Change.DeleteEnclave deleteEnclave(String name) {
    return new Change.DeleteEnclave(name);
  }

  // ---- keys ----

  /**
   * {@code KEY:CREATE} without AddVersion: a new key with a random version 1.
   *
   * @throws KmsException 400 for an unsupported type or an invalid name
   */
  public Change.CreateKey createKey(String enclave, String name, String type, Identity createdBy) {
    KeyType t = keyType(type);
    Names.check("key", name);
    return new Change.CreateKey(enclave, name, KeyVersion.generate(1, t, now(), createdBy, random));
  }

  /**
   * {@code KEY:CREATE} with AddVersion (rotation): a random version numbered {@code
   * ring.nextVersion()}. An empty type keeps the latest version's type.
   *
   * @throws KmsException 404 {@code enclave does not exist} / {@code key does not exist}, 400 for
   *     an unsupported type
   */
  public Change.AddKeyVersion addKeyVersion(
      KmsState state, String enclave, String name, String type, Identity createdBy) {
    KeyEntry key = state.key(enclave, name);
    KeyType t =
        type == null || type.isEmpty()
            ? key.ring().latest().map(KeyVersion::type).orElse(KeyType.AES256)
            : keyType(type);
    int next = key.ring().nextVersion();
    return new Change.AddKeyVersion(
        enclave, name, KeyVersion.generate(next, t, now(), createdBy, random));
  }

  /**
   * {@code KEY:IMPORT}: a new key whose version 1 holds {@code key}.
   *
   * @throws KmsException 400 {@code kms: invalid key length <n>: imported keys must be 32 bytes},
   *     an unsupported type or an invalid name
   */
  public Change.ImportKey importKey(
      String enclave, String name, String type, byte[] key, Identity createdBy) {
    KeyType t = keyType(type);
    Names.check("key", name);
    if (key == null || key.length != KeyVersion.KEY_BYTES) {
      throw ApiError.invalidImportKeyLength(key == null ? 0 : key.length);
    }
    return new Change.ImportKey(enclave, name, new KeyVersion(1, t, key, now(), createdBy));
  }

  /**
   * {@code KEY:DELETE}: {@link Change.DeleteKey} with AllVersions, else {@link
   * Change.DeleteKeyVersion} of {@code version} (0 = the latest).
   *
   * @throws KmsException 400 {@code kms: invalid DeleteKeyRequest: all versions and non-zero
   *     version are incompatible}; 404 {@code enclave does not exist} / {@code key does not exist}
   */
  public Change deleteKey(
      KmsState state, String enclave, String name, int version, boolean allVersions) {
    if (allVersions && version != 0) {
      throw ApiError.DELETE_KEY_ALL_VERSIONS_AND_VERSION.exception();
    }
    if (allVersions) {
      return new Change.DeleteKey(enclave, name);
    }
    return new Change.DeleteKeyVersion(
        enclave, name, state.keyVersion(enclave, name, version).version());
  }

  // ---- policies ----

  /**
   * {@code POLICY:CREATE} (creates or overwrites).
   *
   * @param allow command text → patterns
   * @param deny command text → patterns
   * @throws KmsException 400 for an invalid name or command text
   */
  public Change.CreatePolicy createPolicy(
      String enclave,
      String name,
      Map<String, ? extends Collection<String>> allow,
      Map<String, ? extends Collection<String>> deny,
      Identity createdBy) {
    return new Change.CreatePolicy(enclave, Policy.of(name, allow, deny, now(), createdBy));
  }

  /** {@code POLICY:DELETE}. */
  public Change.DeletePolicy deletePolicy(String enclave, String name) {
    return new Change.DeletePolicy(enclave, name);
  }

  /** {@code POLICY:ASSIGN}. */
  public Change.AssignPolicy assignPolicy(String enclave, Identity identity, String policy) {
    return new Change.AssignPolicy(enclave, identity, policy);
  }

  // ---- identities ----

  /**
   * {@code IDENTITY:CREATE}. A SysAdmin identity goes to the cluster scope ({@code ""}). A service
   * account gets {@code caller} as parent and the caller's effective privilege; it goes to the
   * cluster scope if the caller is a SysAdmin, else to {@code enclave}.
   *
   * @param rootIdentities the configured SysAdmin identities
   * @param privilege the request's privilege text ({@code ""} = User; ignored for service accounts)
   * @throws KmsException 400 {@code kms: invalid privilege '<s>'}, 400 for the zero identity, 403
   *     if a service account's creator has no rights in {@code enclave}
   */
  public Change.CreateIdentity createIdentity(
      KmsState state,
      Set<Identity> rootIdentities,
      String enclave,
      Identity caller,
      Identity identity,
      String privilege,
      boolean serviceAccount,
      Map<String, String> tags) {
    if (identity.isZero()) {
      throw ApiError.EMPTY_IDENTITY.exception();
    }
    Instant now = now();
    if (serviceAccount) {
      Authorizer.Effective e =
          Authorizer.effective(state, caller, rootIdentities, enclave)
              .orElseThrow(ApiError.PERMISSION_DENIED::exception);
      String scope = e.privilege() == Privilege.SYS_ADMIN ? "" : enclave;
      return new Change.CreateIdentity(
          scope, IdentityEntry.serviceAccount(identity, caller, e.privilege(), now, caller, tags));
    }
    Privilege p = Privilege.parse(privilege);
    String scope = p == Privilege.SYS_ADMIN ? "" : enclave;
    return new Change.CreateIdentity(
        scope,
        new IdentityEntry(
            identity,
            p,
            "",
            now,
            caller,
            false,
            Identity.ZERO,
            tags == null ? null : new TreeMap<>(tags)));
  }

  /**
   * {@code IDENTITY:DELETE}: in {@code enclave} if the identity is there, else among the cluster
   * SysAdmins if {@code enclave} is {@code ""} ({@code apply} answers 404 otherwise).
   */
  public Change.DeleteIdentity deleteIdentity(String enclave, Identity identity) {
    return new Change.DeleteIdentity(enclave, identity);
  }

  private Instant now() {
    return clock.instant();
  }
}
