package io.openkms.http.client;

/** Command ids of docs/PROTOCOL.md §4.2, as the client sends them. */
final class CommandIds {

  static final int CLUSTER_ADDNODE = 1;
  static final int CLUSTER_REMOVENODE = 2;
  static final int CLUSTER_STATUS = 3;
  static final int CLUSTER_EDIT = 4;
  static final int CLUSTER_ADDHSM = 5;
  static final int CLUSTER_REMOVEHSM = 6;
  static final int ENCLAVE_CREATE = 101;
  static final int ENCLAVE_DELETE = 102;
  static final int ENCLAVE_STATUS = 103;
  static final int ENCLAVE_LIST = 104;
  static final int KEY_CREATE = 201;
  static final int KEY_DELETE = 202;
  static final int KEY_IMPORT = 203;
  static final int KEY_STATUS = 204;
  static final int KEY_ENCRYPT = 205;
  static final int KEY_DECRYPT = 206;
  static final int KEY_GENERATE = 207;
  static final int KEY_LIST = 208;
  static final int KEY_MAC = 210;
  static final int POLICY_CREATE = 301;
  static final int POLICY_DELETE = 302;
  static final int POLICY_ASSIGN = 303;
  static final int POLICY_GET = 304;
  static final int POLICY_STATUS = 305;
  static final int POLICY_LIST = 306;
  static final int IDENTITY_CREATE = 401;
  static final int IDENTITY_DELETE = 402;
  static final int IDENTITY_STATUS = 403;
  static final int IDENTITY_LIST = 404;

  /** True for the commands that change state (the "write" column of §4.2). */
  static boolean isWrite(int commandId) {
    return switch (commandId) {
      case CLUSTER_ADDNODE,
          CLUSTER_REMOVENODE,
          CLUSTER_EDIT,
          CLUSTER_ADDHSM,
          CLUSTER_REMOVEHSM,
          ENCLAVE_CREATE,
          ENCLAVE_DELETE,
          KEY_CREATE,
          KEY_DELETE,
          KEY_IMPORT,
          POLICY_CREATE,
          POLICY_DELETE,
          POLICY_ASSIGN,
          IDENTITY_CREATE,
          IDENTITY_DELETE ->
          true;
      default -> false;
    };
  }

  private CommandIds() {}
}
