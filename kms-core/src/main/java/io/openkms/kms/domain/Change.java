package io.openkms.kms.domain;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonSubTypes;
import com.fasterxml.jackson.annotation.JsonTypeInfo;
import io.openkms.kms.crypto.Identity;
import io.openkms.kms.crypto.KeyVersion;
import java.time.Instant;
import java.util.Objects;
import java.util.SortedMap;

/**
 * A replicated mutation of {@link KmsState}: the leader makes it (all randomness and time are
 * inside it, see {@link Changes}), every node journals it and applies it with {@link
 * KmsState#apply(Change)}, which validates it and is deterministic.
 *
 * <p>Jackson-polymorphic: the subtype name is written in the {@code @type} property. A change is
 * journaled only inside the replica log's entry event, which the persistence layer seals under the
 * node's REK (docs/ARCHITECTURE.md §2), so the change itself carries no persistence marker. Every
 * component is required: the constructors throw {@link NullPointerException} for null.
 */
@JsonTypeInfo(use = JsonTypeInfo.Id.NAME, include = JsonTypeInfo.As.PROPERTY, property = "@type")
@JsonSubTypes({
  @JsonSubTypes.Type(value = Change.InitCluster.class, name = "InitCluster"),
  @JsonSubTypes.Type(value = Change.AddNode.class, name = "AddNode"),
  @JsonSubTypes.Type(value = Change.RemoveNode.class, name = "RemoveNode"),
  @JsonSubTypes.Type(value = Change.CreateEnclave.class, name = "CreateEnclave"),
  @JsonSubTypes.Type(value = Change.DeleteEnclave.class, name = "DeleteEnclave"),
  @JsonSubTypes.Type(value = Change.CreateKey.class, name = "CreateKey"),
  @JsonSubTypes.Type(value = Change.ImportKey.class, name = "ImportKey"),
  @JsonSubTypes.Type(value = Change.AddKeyVersion.class, name = "AddKeyVersion"),
  @JsonSubTypes.Type(value = Change.DeleteKeyVersion.class, name = "DeleteKeyVersion"),
  @JsonSubTypes.Type(value = Change.DeleteKey.class, name = "DeleteKey"),
  @JsonSubTypes.Type(value = Change.CreatePolicy.class, name = "CreatePolicy"),
  @JsonSubTypes.Type(value = Change.DeletePolicy.class, name = "DeletePolicy"),
  @JsonSubTypes.Type(value = Change.AssignPolicy.class, name = "AssignPolicy"),
  @JsonSubTypes.Type(value = Change.CreateIdentity.class, name = "CreateIdentity"),
  @JsonSubTypes.Type(value = Change.DeleteIdentity.class, name = "DeleteIdentity"),
  @JsonSubTypes.Type(value = Change.RestoreState.class, name = "RestoreState"),
})
public sealed interface Change {

  /**
   * Starts a cluster whose only node, id 0, is {@code host}.
   *
   * @param clusterId the new cluster's UUID text
   * @param host the first node's {@code host:port}
   */
  record InitCluster(String clusterId, String host) implements Change {
    public InitCluster {
      Objects.requireNonNull(clusterId, "clusterId");
      Objects.requireNonNull(host, "host");
    }
  }

  /** Adds {@code host} ({@code host:port}) as a member with the next node id. */
  record AddNode(String host) implements Change {
    public AddNode {
      Objects.requireNonNull(host, "host");
    }
  }

  /**
   * Removes the member with id {@code nodeId}.
   *
   * @param nodeId the member's id
   * @param withoutAck true if the leader could not reach the member when it assigned the entry (a
   *     dead member, {@code minkms rm} or the replacement of a wiped member): the entry commits
   *     with the other members' acknowledgements and frees the member from every earlier entry. Not
   *     written when false, so such entries read as before.
   */
  record RemoveNode(int nodeId, @JsonInclude(JsonInclude.Include.NON_DEFAULT) boolean withoutAck)
      implements Change {

    /** A removal that the removed member acknowledges (a normal write). */
    public static RemoveNode of(int nodeId) {
      return new RemoveNode(nodeId, false);
    }
  }

  /** Creates an empty enclave. */
  record CreateEnclave(String name, Instant createdAt, Identity createdBy) implements Change {
    public CreateEnclave {
      Objects.requireNonNull(name, "name");
      Objects.requireNonNull(createdAt, "createdAt");
      Objects.requireNonNull(createdBy, "createdBy");
    }
  }

  /** Deletes an enclave with all its keys, policies and identities. */
  record DeleteEnclave(String name) implements Change {
    public DeleteEnclave {
      Objects.requireNonNull(name, "name");
    }
  }

  /** Creates a key whose first version, number 1, holds generated key material. */
  record CreateKey(String enclave, String name, KeyVersion first) implements Change {
    public CreateKey {
      Objects.requireNonNull(enclave, "enclave");
      Objects.requireNonNull(name, "name");
      Objects.requireNonNull(first, "first");
    }
  }

  /** Creates a key whose first version, number 1, holds imported key material. */
  record ImportKey(String enclave, String name, KeyVersion first) implements Change {
    public ImportKey {
      Objects.requireNonNull(enclave, "enclave");
      Objects.requireNonNull(name, "name");
      Objects.requireNonNull(first, "first");
    }
  }

  /** Adds a version (rotation); its number must be the ring's {@code nextVersion()}. */
  record AddKeyVersion(String enclave, String name, KeyVersion version) implements Change {
    public AddKeyVersion {
      Objects.requireNonNull(enclave, "enclave");
      Objects.requireNonNull(name, "name");
      Objects.requireNonNull(version, "version");
    }
  }

  /** Removes one version; removing the last remaining version removes the key. */
  record DeleteKeyVersion(String enclave, String name, int version) implements Change {
    public DeleteKeyVersion {
      Objects.requireNonNull(enclave, "enclave");
      Objects.requireNonNull(name, "name");
    }
  }

  /** Removes a key with all its versions. */
  record DeleteKey(String enclave, String name) implements Change {
    public DeleteKey {
      Objects.requireNonNull(enclave, "enclave");
      Objects.requireNonNull(name, "name");
    }
  }

  /** Creates a policy or overwrites the one of the same name (assignments stay). */
  record CreatePolicy(String enclave, Policy policy) implements Change {
    public CreatePolicy {
      Objects.requireNonNull(enclave, "enclave");
      Objects.requireNonNull(policy, "policy");
    }
  }

  /** Deletes a policy and un-assigns it from every identity. */
  record DeletePolicy(String enclave, String name) implements Change {
    public DeletePolicy {
      Objects.requireNonNull(enclave, "enclave");
      Objects.requireNonNull(name, "name");
    }
  }

  /**
   * Assigns {@code policy} to a User identity, replacing its previous one ({@code ""} un-assigns).
   */
  record AssignPolicy(String enclave, Identity identity, String policy) implements Change {
    public AssignPolicy {
      Objects.requireNonNull(enclave, "enclave");
      Objects.requireNonNull(identity, "identity");
      Objects.requireNonNull(policy, "policy");
    }
  }

  /**
   * Creates an identity in {@code enclave}, or a cluster SysAdmin identity when it is {@code ""}.
   */
  record CreateIdentity(String enclave, IdentityEntry entry) implements Change {
    public CreateIdentity {
      Objects.requireNonNull(enclave, "enclave");
      Objects.requireNonNull(entry, "entry");
    }
  }

  /**
   * Deletes an identity and its service accounts ({@code enclave} {@code ""} = cluster SysAdmins).
   */
  record DeleteIdentity(String enclave, Identity identity) implements Change {
    public DeleteIdentity {
      Objects.requireNonNull(enclave, "enclave");
      Objects.requireNonNull(identity, "identity");
    }
  }

  /**
   * Restores a backup ({@code PUT /v1/db}, {@code minkms restore}); the membership stays this
   * cluster's. A backup too large for one change (the replication's byte bound) is restored as
   * several: the first replaces every enclave and SysAdmin ({@code merge} false), the next ones add
   * their enclaves, keys, policies, identities and SysAdmins to it ({@code merge} true).
   *
   * @param enclaves enclave name → enclave (or a part of its keys, policies and identities)
   * @param sysAdmins identity text → cluster SysAdmin
   * @param backupCommit the commit index the backup was taken at (for the log)
   * @param merge false: replace the state's enclaves and SysAdmins; true: add to them
   */
  record RestoreState(
      SortedMap<String, EnclaveState> enclaves,
      SortedMap<String, IdentityEntry> sysAdmins,
      long backupCommit,
      boolean merge)
      implements Change {
    public RestoreState {
      Objects.requireNonNull(enclaves, "enclaves");
      Objects.requireNonNull(sysAdmins, "sysAdmins");
    }
  }
}
