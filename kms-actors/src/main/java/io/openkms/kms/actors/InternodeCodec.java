package io.openkms.kms.actors;

import com.google.protobuf.ByteString;
import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.Timestamp;
import io.openkms.kms.actors.proto.KeyVersionChange;
import io.openkms.kms.actors.proto.Member;
import io.openkms.kms.actors.proto.NamedDelete;
import io.openkms.kms.actors.proto.Rule;
import io.openkms.kms.actors.proto.Tag;
import io.openkms.kms.crypto.Identity;
import io.openkms.kms.crypto.KeyRing;
import io.openkms.kms.crypto.KeyType;
import io.openkms.kms.crypto.KeyVersion;
import io.openkms.kms.domain.Change;
import io.openkms.kms.domain.EnclaveState;
import io.openkms.kms.domain.IdentityEntry;
import io.openkms.kms.domain.KeyEntry;
import io.openkms.kms.domain.KmsState;
import io.openkms.kms.domain.Membership;
import io.openkms.kms.domain.Policy;
import io.openkms.kms.domain.Privilege;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.SortedMap;
import java.util.SortedSet;
import java.util.TreeMap;

/**
 * The protobuf form ({@code kms-actors/src/main/proto/minkms/internode.proto}) of what the
 * internode messages carry: {@link Change} of every kind, {@link KmsState} (snapshot installs) and
 * {@link ReplicationMessages.WireEntry}. Pure conversions both ways; {@code
 * io.openkms.kms.cluster.InternodeSerializer} encodes the messages around them.
 *
 * <p>Encoding refuses what protobuf would silently alter: a string that is not well-formed UTF-16
 * (an unpaired surrogate would be written as {@code ?}) throws {@link IllegalArgumentException}.
 * Decoding throws {@link IllegalArgumentException} for bytes that are not the expected message or
 * whose values the domain rejects (the domain constructors' own checks, e.g. a 31-byte key).
 */
public final class InternodeCodec {

  private InternodeCodec() {}

  // ---- entries ----

  /** The protobuf form of {@code entry}. */
  public static io.openkms.kms.actors.proto.WireEntry entry(ReplicationMessages.WireEntry entry) {
    return io.openkms.kms.actors.proto.WireEntry.newBuilder()
        .setTerm(entry.term())
        .setIndex(entry.index())
        .setChange(change(entry.change()))
        .setAddedNodeId(entry.addedNodeId())
        .build();
  }

  /** The entry of its protobuf form. */
  public static ReplicationMessages.WireEntry entry(io.openkms.kms.actors.proto.WireEntry p) {
    return new ReplicationMessages.WireEntry(
        p.getTerm(), p.getIndex(), change(p.getChange()), p.getAddedNodeId());
  }

  /** The protobuf form of {@code entries}. */
  public static List<io.openkms.kms.actors.proto.WireEntry> entries(
      List<ReplicationMessages.WireEntry> entries) {
    List<io.openkms.kms.actors.proto.WireEntry> out = new ArrayList<>(entries.size());
    for (ReplicationMessages.WireEntry e : entries) {
      out.add(entry(e));
    }
    return out;
  }

  /** The entries of their protobuf form. */
  public static List<ReplicationMessages.WireEntry> fromEntries(
      List<io.openkms.kms.actors.proto.WireEntry> entries) {
    List<ReplicationMessages.WireEntry> out = new ArrayList<>(entries.size());
    for (io.openkms.kms.actors.proto.WireEntry e : entries) {
      out.add(entry(e));
    }
    return out;
  }

  // ---- state ----

  /** The bytes of {@code state} as a snapshot carries it. */
  public static byte[] encodeState(KmsState state) {
    return state(state).toByteArray();
  }

  /**
   * The state of {@link #encodeState} bytes.
   *
   * @throws IllegalArgumentException if they are not an encoded state
   */
  public static KmsState decodeState(byte[] bytes) {
    try {
      return state(io.openkms.kms.actors.proto.KmsState.parseFrom(bytes));
    } catch (InvalidProtocolBufferException e) {
      throw new IllegalArgumentException("not a state: " + e.getMessage(), e);
    }
  }

  /** The protobuf form of {@code state}. */
  public static io.openkms.kms.actors.proto.KmsState state(KmsState state) {
    io.openkms.kms.actors.proto.KmsState.Builder b =
        io.openkms.kms.actors.proto.KmsState.newBuilder()
            .setMembership(membership(state.membership()))
            .setCommitIndex(state.commitIndex());
    for (EnclaveState e : state.enclaves().values()) {
      b.addEnclaves(enclave(e));
    }
    for (IdentityEntry i : state.sysAdmins().values()) {
      b.addSysAdmins(identityEntry(i));
    }
    return b.build();
  }

  /** The state of its protobuf form. */
  public static KmsState state(io.openkms.kms.actors.proto.KmsState p) {
    return new KmsState(
        enclaves(p.getEnclavesList()),
        identities(p.getSysAdminsList()),
        membership(p.getMembership()),
        p.getCommitIndex());
  }

  private static io.openkms.kms.actors.proto.Membership membership(Membership m) {
    io.openkms.kms.actors.proto.Membership.Builder b =
        io.openkms.kms.actors.proto.Membership.newBuilder()
            .setClusterId(s(m.clusterId()))
            .setNextNodeId(m.nextNodeId());
    b.addAllNodes(members(m.nodes()));
    return b.build();
  }

  private static Membership membership(io.openkms.kms.actors.proto.Membership p) {
    return new Membership(p.getClusterId(), members(p.getNodesList()), p.getNextNodeId());
  }

  /** The protobuf form of a node id → {@code host:port} map. */
  public static List<Member> members(Map<Integer, String> nodes) {
    List<Member> out = new ArrayList<>(nodes.size());
    nodes.forEach((id, host) -> out.add(Member.newBuilder().setId(id).setHost(s(host)).build()));
    return out;
  }

  /** The node id → {@code host:port} map of its protobuf form (sorted by id). */
  public static SortedMap<Integer, String> members(List<Member> nodes) {
    SortedMap<Integer, String> out = new TreeMap<>();
    for (Member m : nodes) {
      out.put(m.getId(), m.getHost());
    }
    return out;
  }

  private static io.openkms.kms.actors.proto.EnclaveState enclave(EnclaveState e) {
    io.openkms.kms.actors.proto.EnclaveState.Builder b =
        io.openkms.kms.actors.proto.EnclaveState.newBuilder()
            .setName(s(e.name()))
            .setCreatedAt(time(e.createdAt()))
            .setCreatedBy(identity(e.createdBy()));
    for (KeyEntry k : e.keys().values()) {
      b.addKeys(
          io.openkms.kms.actors.proto.KeyEntry.newBuilder()
              .setName(s(k.name()))
              .setRing(ring(k.ring()))
              .setCreatedAt(time(k.createdAt()))
              .setCreatedBy(identity(k.createdBy())));
    }
    for (Policy p : e.policies().values()) {
      b.addPolicies(policy(p));
    }
    for (IdentityEntry i : e.identities().values()) {
      b.addIdentities(identityEntry(i));
    }
    return b.build();
  }

  private static EnclaveState enclave(io.openkms.kms.actors.proto.EnclaveState p) {
    SortedMap<String, KeyEntry> keys = new TreeMap<>();
    for (io.openkms.kms.actors.proto.KeyEntry k : p.getKeysList()) {
      keys.put(
          k.getName(),
          new KeyEntry(
              k.getName(), ring(k.getRing()), time(k.getCreatedAt()), identity(k.getCreatedBy())));
    }
    SortedMap<String, Policy> policies = new TreeMap<>();
    for (io.openkms.kms.actors.proto.Policy q : p.getPoliciesList()) {
      policies.put(q.getName(), policy(q));
    }
    return new EnclaveState(
        p.getName(),
        time(p.getCreatedAt()),
        identity(p.getCreatedBy()),
        keys,
        policies,
        identities(p.getIdentitiesList()));
  }

  private static SortedMap<String, EnclaveState> enclaves(
      List<io.openkms.kms.actors.proto.EnclaveState> list) {
    SortedMap<String, EnclaveState> out = new TreeMap<>();
    for (io.openkms.kms.actors.proto.EnclaveState e : list) {
      out.put(e.getName(), enclave(e));
    }
    return out;
  }

  private static SortedMap<String, IdentityEntry> identities(
      List<io.openkms.kms.actors.proto.IdentityEntry> list) {
    SortedMap<String, IdentityEntry> out = new TreeMap<>();
    for (io.openkms.kms.actors.proto.IdentityEntry i : list) {
      IdentityEntry entry = identityEntry(i);
      out.put(entry.identity().toString(), entry);
    }
    return out;
  }

  // ---- values ----

  private static io.openkms.kms.actors.proto.KeyRing ring(KeyRing ring) {
    io.openkms.kms.actors.proto.KeyRing.Builder b =
        io.openkms.kms.actors.proto.KeyRing.newBuilder().setHighestVersion(ring.highestVersion());
    for (KeyVersion v : ring.versions()) {
      b.addVersions(version(v));
    }
    return b.build();
  }

  private static KeyRing ring(io.openkms.kms.actors.proto.KeyRing p) {
    List<KeyVersion> versions = new ArrayList<>(p.getVersionsCount());
    for (io.openkms.kms.actors.proto.KeyVersion v : p.getVersionsList()) {
      versions.add(version(v));
    }
    return KeyRing.of(versions, p.getHighestVersion());
  }

  private static io.openkms.kms.actors.proto.KeyVersion version(KeyVersion v) {
    return io.openkms.kms.actors.proto.KeyVersion.newBuilder()
        .setVersion(v.version())
        .setType(
            v.type() == KeyType.AES256
                ? io.openkms.kms.actors.proto.KeyType.AES256
                : io.openkms.kms.actors.proto.KeyType.CHACHA20)
        .setKey(ByteString.copyFrom(v.key()))
        .setCreatedAt(time(v.createdAt()))
        .setCreatedBy(identity(v.createdBy()))
        .build();
  }

  private static KeyVersion version(io.openkms.kms.actors.proto.KeyVersion p) {
    KeyType type =
        switch (p.getType()) {
          case AES256 -> KeyType.AES256;
          case CHACHA20 -> KeyType.CHACHA20;
          default -> throw new IllegalArgumentException("unknown key type " + p.getTypeValue());
        };
    return new KeyVersion(
        p.getVersion(),
        type,
        p.getKey().toByteArray(),
        time(p.getCreatedAt()),
        identity(p.getCreatedBy()));
  }

  private static io.openkms.kms.actors.proto.Policy policy(Policy p) {
    io.openkms.kms.actors.proto.Policy.Builder b =
        io.openkms.kms.actors.proto.Policy.newBuilder()
            .setName(s(p.name()))
            .setCreatedAt(time(p.createdAt()))
            .setCreatedBy(identity(p.createdBy()));
    b.addAllAllow(rules(p.allow()));
    b.addAllDeny(rules(p.deny()));
    return b.build();
  }

  private static Policy policy(io.openkms.kms.actors.proto.Policy p) {
    return Policy.of(
        p.getName(),
        rules(p.getAllowList()),
        rules(p.getDenyList()),
        time(p.getCreatedAt()),
        identity(p.getCreatedBy()));
  }

  private static List<Rule> rules(SortedMap<String, SortedSet<String>> rules) {
    List<Rule> out = new ArrayList<>(rules.size());
    rules.forEach(
        (command, patterns) -> {
          Rule.Builder r = Rule.newBuilder().setCommand(s(command));
          for (String pattern : patterns) {
            r.addPatterns(s(pattern));
          }
          out.add(r.build());
        });
    return out;
  }

  private static Map<String, List<String>> rules(List<Rule> rules) {
    Map<String, List<String>> out = new TreeMap<>();
    for (Rule r : rules) {
      out.put(r.getCommand(), r.getPatternsList());
    }
    return out;
  }

  private static io.openkms.kms.actors.proto.IdentityEntry identityEntry(IdentityEntry e) {
    io.openkms.kms.actors.proto.IdentityEntry.Builder b =
        io.openkms.kms.actors.proto.IdentityEntry.newBuilder()
            .setIdentity(identity(e.identity()))
            .setPrivilegeValue(e.privilege().value())
            .setPolicy(s(e.policy()))
            .setCreatedAt(time(e.createdAt()))
            .setCreatedBy(identity(e.createdBy()))
            .setServiceAccount(e.serviceAccount())
            .setParent(identity(e.parent()));
    e.tags().forEach((k, v) -> b.addTags(Tag.newBuilder().setKey(s(k)).setValue(s(v))));
    return b.build();
  }

  private static IdentityEntry identityEntry(io.openkms.kms.actors.proto.IdentityEntry p) {
    Privilege privilege =
        Privilege.fromValue(p.getPrivilegeValue())
            .orElseThrow(
                () -> new IllegalArgumentException("unknown privilege " + p.getPrivilegeValue()));
    SortedMap<String, String> tags = new TreeMap<>();
    for (Tag t : p.getTagsList()) {
      tags.put(t.getKey(), t.getValue());
    }
    return new IdentityEntry(
        identity(p.getIdentity()),
        privilege,
        p.getPolicy(),
        time(p.getCreatedAt()),
        identity(p.getCreatedBy()),
        p.getServiceAccount(),
        identity(p.getParent()),
        tags);
  }

  /** 32 raw bytes; the zero identity as empty bytes. */
  private static ByteString identity(Identity identity) {
    return identity.isZero() ? ByteString.EMPTY : ByteString.copyFrom(identity.bytes());
  }

  private static Identity identity(ByteString bytes) {
    return bytes.isEmpty() ? Identity.ZERO : Identity.ofDigest(bytes.toByteArray());
  }

  private static Timestamp time(Instant t) {
    return Timestamp.newBuilder().setSeconds(t.getEpochSecond()).setNanos(t.getNano()).build();
  }

  private static Instant time(Timestamp t) {
    return Instant.ofEpochSecond(t.getSeconds(), t.getNanos());
  }

  /**
   * {@code text}, checked to be well-formed UTF-16 (protobuf would write an unpaired surrogate as
   * {@code ?}).
   *
   * @throws IllegalArgumentException {@code unpaired surrogate at <i> in '<text>'}
   */
  public static String s(String text) {
    for (int i = 0; i < text.length(); i++) {
      char c = text.charAt(i);
      if (Character.isHighSurrogate(c)
          && i + 1 < text.length()
          && Character.isLowSurrogate(text.charAt(i + 1))) {
        i++;
      } else if (Character.isSurrogate(c)) {
        throw new IllegalArgumentException(
            "unpaired surrogate at " + i + " in '" + text.replace(c, '?') + "'");
      }
    }
    return text;
  }

  // ---- changes ----

  /** The protobuf form of {@code change}. */
  public static io.openkms.kms.actors.proto.Change change(Change change) {
    io.openkms.kms.actors.proto.Change.Builder b = io.openkms.kms.actors.proto.Change.newBuilder();
    if (change instanceof Change.InitCluster c) {
      b.setInitCluster(
          io.openkms.kms.actors.proto.InitCluster.newBuilder()
              .setClusterId(s(c.clusterId()))
              .setHost(s(c.host())));
    } else if (change instanceof Change.AddNode c) {
      b.setAddNode(io.openkms.kms.actors.proto.AddNode.newBuilder().setHost(s(c.host())));
    } else if (change instanceof Change.RemoveNode c) {
      b.setRemoveNode(
          io.openkms.kms.actors.proto.RemoveNode.newBuilder()
              .setNodeId(c.nodeId())
              .setWithoutAck(c.withoutAck()));
    } else if (change instanceof Change.CreateEnclave c) {
      b.setCreateEnclave(
          io.openkms.kms.actors.proto.CreateEnclave.newBuilder()
              .setName(s(c.name()))
              .setCreatedAt(time(c.createdAt()))
              .setCreatedBy(identity(c.createdBy())));
    } else if (change instanceof Change.DeleteEnclave c) {
      b.setDeleteEnclave(
          io.openkms.kms.actors.proto.DeleteEnclave.newBuilder().setName(s(c.name())));
    } else if (change instanceof Change.CreateKey c) {
      b.setCreateKey(keyVersionChange(c.enclave(), c.name(), c.first()));
    } else if (change instanceof Change.ImportKey c) {
      b.setImportKey(keyVersionChange(c.enclave(), c.name(), c.first()));
    } else if (change instanceof Change.AddKeyVersion c) {
      b.setAddKeyVersion(keyVersionChange(c.enclave(), c.name(), c.version()));
    } else if (change instanceof Change.DeleteKeyVersion c) {
      b.setDeleteKeyVersion(
          io.openkms.kms.actors.proto.DeleteKeyVersion.newBuilder()
              .setEnclave(s(c.enclave()))
              .setName(s(c.name()))
              .setVersion(c.version()));
    } else if (change instanceof Change.DeleteKey c) {
      b.setDeleteKey(namedDelete(c.enclave(), c.name()));
    } else if (change instanceof Change.CreatePolicy c) {
      b.setCreatePolicy(
          io.openkms.kms.actors.proto.CreatePolicy.newBuilder()
              .setEnclave(s(c.enclave()))
              .setPolicy(policy(c.policy())));
    } else if (change instanceof Change.DeletePolicy c) {
      b.setDeletePolicy(namedDelete(c.enclave(), c.name()));
    } else if (change instanceof Change.AssignPolicy c) {
      b.setAssignPolicy(
          io.openkms.kms.actors.proto.AssignPolicy.newBuilder()
              .setEnclave(s(c.enclave()))
              .setIdentity(identity(c.identity()))
              .setPolicy(s(c.policy())));
    } else if (change instanceof Change.CreateIdentity c) {
      b.setCreateIdentity(
          io.openkms.kms.actors.proto.CreateIdentity.newBuilder()
              .setEnclave(s(c.enclave()))
              .setEntry(identityEntry(c.entry())));
    } else if (change instanceof Change.DeleteIdentity c) {
      b.setDeleteIdentity(
          io.openkms.kms.actors.proto.DeleteIdentity.newBuilder()
              .setEnclave(s(c.enclave()))
              .setIdentity(identity(c.identity())));
    } else if (change instanceof Change.RestoreState c) {

      io.openkms.kms.actors.proto.RestoreState.Builder r =
          io.openkms.kms.actors.proto.RestoreState.newBuilder()
              .setBackupCommit(c.backupCommit())
              .setMerge(c.merge());
      for (EnclaveState e : c.enclaves().values()) {
        r.addEnclaves(enclave(e));
      }
      for (IdentityEntry i : c.sysAdmins().values()) {
        r.addSysAdmins(identityEntry(i));
      }
      b.setRestoreState(r);
    } else {
      throw new IllegalArgumentException("unknown change " + change.getClass().getName());
    }
    return b.build();
  }

  /**
   * The change of its protobuf form.
   *
   * @throws IllegalArgumentException if no kind is set or a value is invalid
   */
  public static Change change(io.openkms.kms.actors.proto.Change p) {
    return switch (p.getKindCase()) {
      case INIT_CLUSTER ->
          new Change.InitCluster(p.getInitCluster().getClusterId(), p.getInitCluster().getHost());
      case ADD_NODE -> new Change.AddNode(p.getAddNode().getHost());
      case REMOVE_NODE ->
          new Change.RemoveNode(p.getRemoveNode().getNodeId(), p.getRemoveNode().getWithoutAck());
      case CREATE_ENCLAVE ->
          new Change.CreateEnclave(
              p.getCreateEnclave().getName(),
              time(p.getCreateEnclave().getCreatedAt()),
              identity(p.getCreateEnclave().getCreatedBy()));
      case DELETE_ENCLAVE -> new Change.DeleteEnclave(p.getDeleteEnclave().getName());
      case CREATE_KEY ->
          new Change.CreateKey(
              p.getCreateKey().getEnclave(),
              p.getCreateKey().getName(),
              version(p.getCreateKey().getVersion()));
      case IMPORT_KEY ->
          new Change.ImportKey(
              p.getImportKey().getEnclave(),
              p.getImportKey().getName(),
              version(p.getImportKey().getVersion()));
      case ADD_KEY_VERSION ->
          new Change.AddKeyVersion(
              p.getAddKeyVersion().getEnclave(),
              p.getAddKeyVersion().getName(),
              version(p.getAddKeyVersion().getVersion()));
      case DELETE_KEY_VERSION ->
          new Change.DeleteKeyVersion(
              p.getDeleteKeyVersion().getEnclave(),
              p.getDeleteKeyVersion().getName(),
              p.getDeleteKeyVersion().getVersion());
      case DELETE_KEY ->
          new Change.DeleteKey(p.getDeleteKey().getEnclave(), p.getDeleteKey().getName());
      case CREATE_POLICY ->
          new Change.CreatePolicy(
              p.getCreatePolicy().getEnclave(), policy(p.getCreatePolicy().getPolicy()));
      case DELETE_POLICY ->
          new Change.DeletePolicy(p.getDeletePolicy().getEnclave(), p.getDeletePolicy().getName());
      case ASSIGN_POLICY ->
          new Change.AssignPolicy(
              p.getAssignPolicy().getEnclave(),
              identity(p.getAssignPolicy().getIdentity()),
              p.getAssignPolicy().getPolicy());
      case CREATE_IDENTITY ->
          new Change.CreateIdentity(
              p.getCreateIdentity().getEnclave(), identityEntry(p.getCreateIdentity().getEntry()));
      case DELETE_IDENTITY ->
          new Change.DeleteIdentity(
              p.getDeleteIdentity().getEnclave(), identity(p.getDeleteIdentity().getIdentity()));
      case RESTORE_STATE ->
          new Change.RestoreState(
              enclaves(p.getRestoreState().getEnclavesList()),
              identities(p.getRestoreState().getSysAdminsList()),
              p.getRestoreState().getBackupCommit(),
              p.getRestoreState().getMerge());
      case KIND_NOT_SET -> throw new IllegalArgumentException("a change without a kind");
    };
  }

  private static KeyVersionChange keyVersionChange(String enclave, String name, KeyVersion v) {
    return KeyVersionChange.newBuilder()
        .setEnclave(s(enclave))
        .setName(s(name))
        .setVersion(version(v))
        .build();
  }

  private static NamedDelete namedDelete(String enclave, String name) {
    return NamedDelete.newBuilder().setEnclave(s(enclave)).setName(s(name)).build();
  }
}
