package io.openkms.kms.domain;

import io.openkms.kms.crypto.Identity;
import io.openkms.kms.crypto.KeyRing;
import io.openkms.kms.crypto.KeyVersion;
import java.util.HashSet;
import java.util.Set;
import java.util.SortedMap;
import java.util.TreeMap;

/**
 * The validation and effect of every {@link Change}: the body of {@link KmsState#apply(Change)}.
 */
final class Transitions {
  private Transitions() {}

  static KmsState apply(KmsState s, Change c) {
    KmsState next;
    if (c instanceof Change.InitCluster) {
      next = initCluster(s, (Change.InitCluster) c);
    } else if (c instanceof Change.AddNode) {
      next = addNode(s, (Change.AddNode) c);
    } else if (c instanceof Change.RemoveNode) {
      next = removeNode(s, (Change.RemoveNode) c);
    } else if (c instanceof Change.CreateEnclave) {
      next = createEnclave(s, (Change.CreateEnclave) c);
    } else if (c instanceof Change.DeleteEnclave) {
      next = deleteEnclave(s, (Change.DeleteEnclave) c);
    } else if (c instanceof Change.CreateKey) {
      Change.CreateKey k = (Change.CreateKey) c;
      next = createKey(s, k.enclave(), k.name(), k.first());
    } else if (c instanceof Change.ImportKey) {
      Change.ImportKey k = (Change.ImportKey) c;
      next = createKey(s, k.enclave(), k.name(), k.first());
    } else if (c instanceof Change.AddKeyVersion) {
      next = addKeyVersion(s, (Change.AddKeyVersion) c);
    } else if (c instanceof Change.DeleteKeyVersion) {
      next = deleteKeyVersion(s, (Change.DeleteKeyVersion) c);
    } else if (c instanceof Change.DeleteKey) {
      next = deleteKey(s, (Change.DeleteKey) c);
    } else if (c instanceof Change.CreatePolicy) {
      next = createPolicy(s, (Change.CreatePolicy) c);
    } else if (c instanceof Change.DeletePolicy) {
      next = deletePolicy(s, (Change.DeletePolicy) c);
    } else if (c instanceof Change.AssignPolicy) {
      next = assignPolicy(s, (Change.AssignPolicy) c);
    } else if (c instanceof Change.CreateIdentity) {
      next = createIdentity(s, (Change.CreateIdentity) c);
    } else if (c instanceof Change.DeleteIdentity) {
      next = deleteIdentity(s, (Change.DeleteIdentity) c);
    } else if (c instanceof Change.RestoreState r) {
      requireCluster(s);
      next =
          r.merge()
              ? mergeRestored(s, r)
              : s.withEnclaves(r.enclaves()).withSysAdmins(r.sysAdmins());
    } else {
      throw new IllegalArgumentException("unknown change " + c);
    }
    return next.withCommitIndex(s.commitIndex() + 1);
  }

  /** Adds a further part of a restored backup to {@code s} (enclaves merged by name). */
  private static KmsState mergeRestored(KmsState s, Change.RestoreState r) {
    TreeMap<String, EnclaveState> enclaves = new TreeMap<>(s.enclaves());
    for (EnclaveState part : r.enclaves().values()) {
      EnclaveState have = enclaves.get(part.name());
      if (have == null) {
        enclaves.put(part.name(), part);
        continue;
      }
      TreeMap<String, KeyEntry> keys = new TreeMap<>(have.keys());
      keys.putAll(part.keys());
      TreeMap<String, Policy> policies = new TreeMap<>(have.policies());
      policies.putAll(part.policies());
      TreeMap<String, IdentityEntry> identities = new TreeMap<>(have.identities());
      identities.putAll(part.identities());
      enclaves.put(
          part.name(),
          new EnclaveState(
              have.name(), have.createdAt(), have.createdBy(), keys, policies, identities));
    }
    TreeMap<String, IdentityEntry> sysAdmins = new TreeMap<>(s.sysAdmins());
    sysAdmins.putAll(r.sysAdmins());
    return s.withEnclaves(enclaves).withSysAdmins(sysAdmins);
  }

  // ---- cluster membership ----

  private static KmsState initCluster(KmsState s, Change.InitCluster c) {
    if (s.membership().initialized()) {
      throw ApiError.CLUSTER_INITIALIZED.exception();
    }
    if (c.clusterId().isEmpty()) {
      throw ApiError.EMPTY_CLUSTER_ID.exception();
    }
    TreeMap<Integer, String> nodes = new TreeMap<>();
    nodes.put(0, c.host());
    return s.withMembership(new Membership(c.clusterId(), nodes, 1));
  }

  private static KmsState addNode(KmsState s, Change.AddNode c) {
    Membership m = requireCluster(s);
    if (m.nodeId(c.host()).isPresent()) {
      throw ApiError.nodeExists(c.host());
    }
    TreeMap<Integer, String> nodes = new TreeMap<>(m.nodes());
    nodes.put(m.nextNodeId(), c.host());
    return s.withMembership(new Membership(m.clusterId(), nodes, m.nextNodeId() + 1));
  }

  private static KmsState removeNode(KmsState s, Change.RemoveNode c) {
    Membership m = requireCluster(s);
    if (!m.nodes().containsKey(c.nodeId())) {
      throw ApiError.nodeNotFound(c.nodeId());
    }
    if (m.nodes().size() == 1) {
      throw ApiError.REMOVE_LAST_NODE.exception();
    }
    TreeMap<Integer, String> nodes = new TreeMap<>(m.nodes());
    nodes.remove(c.nodeId());
    return s.withMembership(new Membership(m.clusterId(), nodes, m.nextNodeId()));
  }

  private static Membership requireCluster(KmsState s) {
    if (!s.membership().initialized()) {
      throw ApiError.CLUSTER_NOT_INITIALIZED.exception();
    }
    return s.membership();
  }

  // ---- enclaves ----

  private static KmsState createEnclave(KmsState s, Change.CreateEnclave c) {
    Names.check("enclave", c.name());
    if (s.enclaves().containsKey(c.name())) {
      throw ApiError.ENCLAVE_EXISTS.exception();
    }
    return s.withEnclave(EnclaveState.create(c.name(), c.createdAt(), c.createdBy()));
  }

  private static KmsState deleteEnclave(KmsState s, Change.DeleteEnclave c) {
    s.enclave(c.name());
    return s.withEnclaves(EnclaveState.remove(s.enclaves(), c.name()));
  }

  // ---- keys ----

  private static KmsState createKey(KmsState s, String enclaveName, String name, KeyVersion first) {
    EnclaveState e = s.enclave(enclaveName);
    Names.check("key", name);
    if (e.keys().containsKey(name)) {
      throw ApiError.KEY_EXISTS.exception();
    }
    if (first.version() != 1) {
      throw ApiError.invalidKeyVersion(first.version(), 1);
    }
    KeyEntry key = new KeyEntry(name, KeyRing.of(first), first.createdAt(), first.createdBy());
    return s.withEnclave(e.withKey(key));
  }

  private static KmsState addKeyVersion(KmsState s, Change.AddKeyVersion c) {
    EnclaveState e = s.enclave(c.enclave());
    KeyEntry key = e.key(c.name()).orElseThrow(ApiError.KEY_NOT_FOUND::exception);
    int next = key.ring().nextVersion();
    if (c.version().version() != next) {
      throw ApiError.invalidKeyVersion(c.version().version(), next);
    }
    return s.withEnclave(e.withKey(key.withRing(key.ring().withVersion(c.version()))));
  }

  private static KmsState deleteKeyVersion(KmsState s, Change.DeleteKeyVersion c) {
    EnclaveState e = s.enclave(c.enclave());
    KeyEntry key = e.key(c.name()).orElseThrow(ApiError.KEY_NOT_FOUND::exception);
    if (c.version() < 1 || key.ring().version(c.version()).isEmpty()) {
      throw ApiError.KEY_NOT_FOUND.exception();
    }
    KeyRing ring = key.ring().withoutVersion(c.version());
    return s.withEnclave(ring.isEmpty() ? e.withoutKey(c.name()) : e.withKey(key.withRing(ring)));
  }

  private static KmsState deleteKey(KmsState s, Change.DeleteKey c) {
    EnclaveState e = s.enclave(c.enclave());
    if (!e.keys().containsKey(c.name())) {
      throw ApiError.KEY_NOT_FOUND.exception();
    }
    return s.withEnclave(e.withoutKey(c.name()));
  }

  // ---- policies ----

  private static KmsState createPolicy(KmsState s, Change.CreatePolicy c) {
    return s.withEnclave(s.enclave(c.enclave()).withPolicy(c.policy()));
  }

  private static KmsState deletePolicy(KmsState s, Change.DeletePolicy c) {
    EnclaveState e = s.enclave(c.enclave());
    if (!e.policies().containsKey(c.name())) {
      throw ApiError.POLICY_NOT_FOUND.exception();
    }
    return s.withEnclave(e.withoutPolicy(c.name()));
  }

  private static KmsState assignPolicy(KmsState s, Change.AssignPolicy c) {
    EnclaveState e = s.enclave(c.enclave());
    if (c.identity().isZero()) {
      throw ApiError.EMPTY_IDENTITY.exception();
    }
    IdentityEntry entry =
        e.identity(c.identity()).orElseThrow(ApiError.IDENTITY_NOT_FOUND::exception);
    if (!c.policy().isEmpty() && !e.policies().containsKey(c.policy())) {
      throw ApiError.POLICY_NOT_FOUND.exception();
    }
    if (entry.serviceAccount()) {
      throw ApiError.POLICY_FOR_SERVICE_ACCOUNT.exception();
    }
    if (entry.privilege() != Privilege.USER) {
      throw ApiError.POLICY_FOR_NON_USER.exception();
    }
    return s.withEnclave(e.withIdentity(entry.withPolicy(c.policy())));
  }

  // ---- identities ----

  private static KmsState createIdentity(KmsState s, Change.CreateIdentity c) {
    IdentityEntry entry = c.entry();
    if (c.enclave().isEmpty()) {
      if (entry.privilege() != Privilege.SYS_ADMIN) {
        throw ApiError.IDENTITY_WITHOUT_ENCLAVE.exception();
      }
    } else {
      if (entry.privilege() == Privilege.SYS_ADMIN) {
        throw ApiError.SYSADMIN_IN_ENCLAVE.exception();
      }
      s.enclave(c.enclave());
    }
    // Identity texts are unique per scope (one enclave, or the cluster SysAdmins), never
    // across scopes: whether h1:X exists elsewhere must not decide (nor reveal) anything
    // here, and an enclave Admin's entry must not block the SysAdmin (issue 13, "identity
    // oracle across enclaves"). Authorization resolves a caller unambiguously: a cluster
    // SysAdmin (or root) first, else its entry in the request's enclave (Authorizer).
    SortedMap<String, IdentityEntry> scope =
        c.enclave().isEmpty() ? s.sysAdmins() : s.enclave(c.enclave()).identities();
    if (scope.containsKey(entry.identity().toString())) {
      throw ApiError.IDENTITY_EXISTS.exception();
    }
    if (entry.serviceAccount()) {
      // The parent lives in the same scope; a cluster service account may also have a
      // configured root identity as parent, which is not part of the state.
      if (!scope.containsKey(entry.parent().toString()) && !c.enclave().isEmpty()) {
        throw ApiError.IDENTITY_NOT_FOUND.exception();
      }
    }
    if (c.enclave().isEmpty()) {
      return s.withSysAdmins(EnclaveState.put(s.sysAdmins(), entry.identity().toString(), entry));
    }
    EnclaveState e = s.enclave(c.enclave());
    if (!entry.policy().isEmpty() && !e.policies().containsKey(entry.policy())) {
      throw ApiError.POLICY_NOT_FOUND.exception();
    }
    return s.withEnclave(e.withIdentity(entry));
  }

  private static KmsState deleteIdentity(KmsState s, Change.DeleteIdentity c) {
    SortedMap<String, IdentityEntry> scope =
        c.enclave().isEmpty() ? s.sysAdmins() : s.enclave(c.enclave()).identities();
    if (!scope.containsKey(c.identity().toString())) {
      throw ApiError.IDENTITY_NOT_FOUND.exception();
    }
    SortedMap<String, IdentityEntry> remaining = withoutDescendants(scope, c.identity());
    if (c.enclave().isEmpty()) {
      return s.withSysAdmins(remaining);
    }
    return s.withEnclave(s.enclave(c.enclave()).withIdentities(remaining));
  }

  /** {@code scope} without {@code root} and every service account below it. */
  private static SortedMap<String, IdentityEntry> withoutDescendants(
      SortedMap<String, IdentityEntry> scope, Identity root) {
    Set<Identity> removed = new HashSet<>();
    removed.add(root);
    boolean grew = true;
    while (grew) {
      grew = false;
      for (IdentityEntry e : scope.values()) {
        if (e.serviceAccount() && removed.contains(e.parent()) && removed.add(e.identity())) {
          grew = true;
        }
      }
    }
    TreeMap<String, IdentityEntry> out = new TreeMap<>(scope);
    for (Identity id : removed) {
      out.remove(id.toString());
    }
    return out;
  }
}
