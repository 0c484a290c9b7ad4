package io.openkms.kms.domain;

import java.util.HashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

/**
 * The KMS commands of docs/PROTOCOL.md §4.2: frame id, text (the policy key, parsed
 * case-insensitively), whether it is cluster-level (SysAdmin only: the {@code CLUSTER:*} and {@code
 * ENCLAVE:*} commands) and whether it changes state.
 */
public enum Command {
  CLUSTER_ADD_NODE(1, "CLUSTER:ADDNODE", true, true),
  CLUSTER_REMOVE_NODE(2, "CLUSTER:REMOVENODE", true, true),
  CLUSTER_STATUS(3, "CLUSTER:STATUS", true, false),
  CLUSTER_EDIT(4, "CLUSTER:EDIT", true, true),
  CLUSTER_ADD_HSM(5, "CLUSTER:ADDHSM", true, true),
  CLUSTER_REMOVE_HSM(6, "CLUSTER:REMOVEHSM", true, true),

  ENCLAVE_CREATE(101, "ENCLAVE:CREATE", true, true),
  ENCLAVE_DELETE(102, "ENCLAVE:DELETE", true, true),
  ENCLAVE_STATUS(103, "ENCLAVE:STATUS", true, false),
  ENCLAVE_LIST(104, "ENCLAVE:LIST", true, false),

  KEY_CREATE(201, "KEY:CREATE", false, true),
  KEY_DELETE(202, "KEY:DELETE", false, true),
  KEY_IMPORT(203, "KEY:IMPORT", false, true),
  KEY_STATUS(204, "KEY:STATUS", false, false),
  KEY_ENCRYPT(205, "KEY:ENCRYPT", false, false),
  KEY_DECRYPT(206, "KEY:DECRYPT", false, false),
  KEY_GENERATE(207, "KEY:GENERATE", false, false),
  KEY_LIST(208, "KEY:LIST", false, false),
  KEY_LIST_VERSIONS(209, "KEY:LISTVERSIONS", false, false),
  KEY_MAC(210, "KEY:MAC", false, false),

  POLICY_CREATE(301, "POLICY:CREATE", false, true),
  POLICY_DELETE(302, "POLICY:DELETE", false, true),
  POLICY_ASSIGN(303, "POLICY:ASSIGN", false, true),
  POLICY_GET(304, "POLICY:GET", false, false),
  POLICY_STATUS(305, "POLICY:STATUS", false, false),
  POLICY_LIST(306, "POLICY:LIST", false, false),

  IDENTITY_CREATE(401, "IDENTITY:CREATE", false, true),
  IDENTITY_DELETE(402, "IDENTITY:DELETE", false, true),
  /** The Go client calls it IdentityGet. */
  IDENTITY_STATUS(403, "IDENTITY:STATUS", false, false),
  IDENTITY_LIST(404, "IDENTITY:LIST", false, false);

  private static final Command[] BY_ID = new Command[405];
  private static final Map<String, Command> BY_TEXT = new HashMap<>();

  static {
    for (Command c : values()) {
      BY_ID[c.id] = c;
      BY_TEXT.put(c.text, c);
    }
  }

  private final int id;
  private final String text;
  private final boolean cluster;
  private final boolean write;

  Command(int id, String text, boolean cluster, boolean write) {
    this.id = id;
    this.text = text;
    this.cluster = cluster;
    this.write = write;
  }

  /** The frame's uint16 command id. */
  public int id() {
    return id;
  }

  /** The upper-case text, e.g. {@code KEY:ENCRYPT}. */
  public String text() {
    return text;
  }

  /** Cluster-level: needs SysAdmin, never granted by a policy. */
  public boolean isCluster() {
    return cluster;
  }

  /** Changes state (goes through the leader). */
  public boolean isWrite() {
    return write;
  }

  /**
   * A list command ({@code ENCLAVE:LIST}, {@code KEY:LIST}, {@code POLICY:LIST}, {@code
   * IDENTITY:LIST}): its resource is the request's prefix.
   */
  public boolean isList() {
    return this == ENCLAVE_LIST || this == KEY_LIST || this == POLICY_LIST || this == IDENTITY_LIST;
  }

  /** The command with frame id {@code id}, if any. */
  public static Optional<Command> byId(int id) {
    return id >= 0 && id < BY_ID.length ? Optional.ofNullable(BY_ID[id]) : Optional.empty();
  }

  /** The command with text {@code text}, compared case-insensitively, if any. */
  public static Optional<Command> byText(String text) {
    return text == null
        ? Optional.empty()
        : Optional.ofNullable(BY_TEXT.get(text.toUpperCase(Locale.ROOT)));
  }

  /**
   * Like {@link #byText} but fails on unknown texts.
   *
   * @throws KmsException 400 {@code kms: invalid cmd '<s>'}
   */
  public static Command parse(String text) {
    return byText(text).orElseThrow(() -> ApiError.invalidCommand(text));
  }

  @Override
  public String toString() {
    return text;
  }
}
