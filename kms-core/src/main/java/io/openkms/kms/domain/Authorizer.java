package io.openkms.kms.domain;

import io.openkms.kms.crypto.Identity;
import java.util.Optional;
import java.util.Set;
import java.util.SortedMap;
import java.util.function.Predicate;

/**
 * Who may run which command (docs/PROTOCOL.md §2.4, docs/REFERENCE.md §5.2–5.3). Pure and
 * lock-free: it reads one immutable {@link KmsState}.
 *
 * <ol>
 *   <li>A SysAdmin (a configured root identity, a SysAdmin identity of the state, or a service
 *       account of either) may run everything. Enclave commands still need the enclave: 404 {@code
 *       enclave does not exist}. With no enclave ({@code /v1/kms}), only the {@code IDENTITY:*}
 *       commands make sense: they act on the cluster SysAdmins.
 *   <li>Cluster-level commands ({@code CLUSTER:*}, {@code ENCLAVE:*}) need SysAdmin: 403.
 *   <li>Otherwise the caller must be an identity of the enclave: 403 (whether or not the enclave
 *       exists, so as not to reveal it). A service account is evaluated as its parent.
 *   <li>{@code IDENTITY:STATUS} of oneself is always allowed; an Admin may run everything in its
 *       enclave; a User what its assigned policy allows on {@code resource} (no policy, or a
 *       deleted one: 403). For list commands the resource is the prefix and any allow rule for the
 *       command allows listing.
 * </ol>
 *
 * <p>{@code resource} is the name the command acts on: the key name for {@code KEY:*}, the policy
 * name for {@code POLICY:*} ({@code POLICY:ASSIGN}: the policy), the identity text for {@code
 * IDENTITY:*}, the prefix for list commands.
 */
public final class Authorizer {
  private Authorizer() {}

  /** A caller's effective privilege and, for a User, its policy name ({@code ""} if none). */
  public record Effective(Privilege privilege, String policy) {
    static final Effective SYS_ADMIN = new Effective(Privilege.SYS_ADMIN, "");
  }

  /**
   * Returns normally if {@code caller} may run {@code cmd} on {@code resource} in {@code enclave}.
   *
   * @param rootIdentities the configured SysAdmin identities (the HSM-derived root, or {@code
   *     admin.identity}), which are not part of the replicated state
   * @param enclave the enclave of the URL, {@code ""} (or null) for {@code /v1/kms}
   * @param resource the name the command acts on ({@code ""} or null if none)
   * @throws KmsException 403 {@code access denied: insufficient permissions} or 404 {@code enclave
   *     does not exist} (SysAdmins only)
   */
  public static void authorize(
      KmsState state,
      Identity caller,
      Set<Identity> rootIdentities,
      String enclave,
      Command cmd,
      String resource) {
    enclave = enclave == null ? "" : enclave;
    resource = resource == null ? "" : resource;
    Optional<Effective> effective = effective(state, caller, rootIdentities, enclave);
    if (effective.isPresent() && effective.get().privilege() == Privilege.SYS_ADMIN) {
      if (cmd.isCluster()) {
        return;
      }
      if (enclave.isEmpty()) {
        if (isIdentityCommand(cmd)) {
          return;
        }
        throw ApiError.ENCLAVE_NOT_FOUND.exception();
      }
      if (state.findEnclave(enclave).isEmpty()) {
        throw ApiError.ENCLAVE_NOT_FOUND.exception();
      }
      return;
    }
    if (cmd.isCluster() || effective.isEmpty()) {
      throw ApiError.PERMISSION_DENIED.exception();
    }
    if (cmd == Command.IDENTITY_STATUS && caller.toString().equals(resource)) {
      return;
    }
    Effective e = effective.get();
    if (e.privilege() == Privilege.ADMIN) {
      return;
    }
    Policy policy = e.policy().isEmpty() ? null : state.enclave(enclave).policies().get(e.policy());
    boolean allowed =
        policy != null
            && (cmd.isList() ? policy.allowsListing(cmd, resource) : policy.allows(cmd, resource));
    if (!allowed) {
      throw ApiError.PERMISSION_DENIED.exception();
    }
  }

  /**
   * Which names of a list result {@code caller} may see, after {@link #authorize} allowed the list
   * command {@code cmd}: every name for a SysAdmin or an Admin; for a User, the names its policy
   * {@link Policy#allows allows} for {@code cmd} (an allow pattern matches the name and no deny
   * pattern does). So {@code allow KEY:LIST *} with {@code deny KEY:LIST secret*} hides {@code
   * secret-1} from the prefixes {@code ""} and {@code s} (issue 13, "LIST ignores per-name
   * policy").
   *
   * @param cmd a list command ({@code KEY:LIST}, {@code POLICY:LIST}, {@code IDENTITY:LIST})
   * @return a filter of names; never null (nothing visible when the caller has no rights)
   */
  public static Predicate<String> listFilter(
      KmsState state, Identity caller, Set<Identity> rootIdentities, String enclave, Command cmd) {
    Optional<Effective> effective = effective(state, caller, rootIdentities, enclave);
    if (effective.isEmpty()) {
      return name -> false;
    }
    Effective e = effective.get();
    if (e.privilege() == Privilege.SYS_ADMIN || e.privilege() == Privilege.ADMIN) {
      return name -> true;
    }
    EnclaveState scope =
        enclave == null || enclave.isEmpty() ? null : state.enclaves().get(enclave);
    Policy policy = scope == null || e.policy().isEmpty() ? null : scope.policies().get(e.policy());
    if (policy == null) {
      return name -> false;
    }
    return name -> policy.allows(cmd, name);
  }

  /**
   * Returns normally if {@code caller} holds at least {@code stake} in {@code enclave}: nobody
   * grants or removes more privilege than they hold ({@code IDENTITY:CREATE} of an identity with
   * that privilege, {@code IDENTITY:DELETE} of one).
   *
   * @throws KmsException 403 {@code access denied: insufficient permissions}
   */
  public static void authorizeStake(
      KmsState state,
      Identity caller,
      Set<Identity> rootIdentities,
      String enclave,
      Privilege stake) {
    Privilege own =
        effective(state, caller, rootIdentities, enclave)
            .map(Effective::privilege)
            .orElseThrow(ApiError.PERMISSION_DENIED::exception);
    if (stake.value() < own.value()) {
      throw ApiError.PERMISSION_DENIED.exception();
    }
  }

  /**
   * The effective privilege (and policy) of {@code caller} in {@code enclave}: SysAdmin for a root
   * identity, a cluster SysAdmin or a service account of either; otherwise the privilege and policy
   * of the caller's enclave entry, or of its parent for a service account. Empty if the caller has
   * no rights there.
   */
  public static Optional<Effective> effective(
      KmsState state, Identity caller, Set<Identity> rootIdentities, String enclave) {
    enclave = enclave == null ? "" : enclave;
    if (rootIdentities.contains(caller)) {
      return Optional.of(Effective.SYS_ADMIN);
    }
    IdentityEntry admin = state.sysAdmins().get(caller.toString());
    if (admin != null) {
      IdentityEntry top = topParent(state.sysAdmins(), admin, rootIdentities);
      return top == null ? Optional.empty() : Optional.of(Effective.SYS_ADMIN);
    }
    if (enclave.isEmpty()) {
      return Optional.empty();
    }
    EnclaveState e = state.enclaves().get(enclave);
    IdentityEntry entry = e == null ? null : e.identities().get(caller.toString());
    if (entry == null) {
      return Optional.empty();
    }
    IdentityEntry top = topParent(e.identities(), entry, Set.of());
    return top == null
        ? Optional.empty()
        : Optional.of(new Effective(top.privilege(), top.policy()));
  }

  /**
   * Follows service-account parents within {@code scope} to the first non-service-account entry; a
   * parent among {@code roots} ends the walk with {@code entry} itself (SysAdmin). Null if a parent
   * is missing.
   */
  private static IdentityEntry topParent(
      SortedMap<String, IdentityEntry> scope, IdentityEntry entry, Set<Identity> roots) {
    IdentityEntry current = entry;
    for (int hops = 0; current.serviceAccount(); hops++) {
      if (roots.contains(current.parent())) {
        return current;
      }
      IdentityEntry parent = scope.get(current.parent().toString());
      if (parent == null || hops > scope.size()) {
        return null;
      }
      current = parent;
    }
    return current;
  }

  private static boolean isIdentityCommand(Command cmd) {
    return cmd == Command.IDENTITY_CREATE
        || cmd == Command.IDENTITY_DELETE
        || cmd == Command.IDENTITY_STATUS
        || cmd == Command.IDENTITY_LIST;
  }
}
