package io.openkms.kms.domain;

/**
 * Every fixed status/message pair the server answers with, in one place. The first eight are the
 * errors clients match exactly (docs/PROTOCOL.md §6.2, docs/REFERENCE.md §7.5); the others are
 * ours. Errors that name a value (a bad name, a key type, a command) are made by the static
 * factories.
 */
public enum ApiError {
    /** 403, kms-go {@code ErrPermission}. */
    PERMISSION_DENIED(403, "access denied: insufficient permissions"),
    /** 409, kms-go {@code ErrEnclaveExists}. */
    ENCLAVE_EXISTS(409, "enclave already exists"),
    /** 404, kms-go {@code ErrEnclaveNotFound}. */
    ENCLAVE_NOT_FOUND(404, "enclave does not exist"),
    /** 409, kms-go {@code ErrKeyExists}. */
    KEY_EXISTS(409, "key already exists"),
    /** 404, kms-go {@code ErrKeyNotFound}; also a missing key version. */
    KEY_NOT_FOUND(404, "key does not exist"),
    /** 404, kms-go {@code ErrPolicyNotFound}. */
    POLICY_NOT_FOUND(404, "policy does not exist"),
    /** 404, kms-go {@code ErrIdentityNotFound}. */
    IDENTITY_NOT_FOUND(404, "identity does not exist"),
    /** 400, kms-go {@code ErrDecrypt}. */
    INVALID_CIPHERTEXT(400, "invalid ciphertext"),

    /** 409: an identity belongs to one enclave, or is a cluster SysAdmin, never both or twice. */
    IDENTITY_EXISTS(409, "identity already exists"),
    /** 400: {@code DeleteKeyRequest} with AllVersions and Version > 0 (docs/REFERENCE.md §6). */
    DELETE_KEY_ALL_VERSIONS_AND_VERSION(400,
            "kms: invalid DeleteKeyRequest: all versions and non-zero version are incompatible"),
    /** 400: {@code CreateIdentity} / {@code AssignPolicy} with the zero identity. */
    EMPTY_IDENTITY(400, "kms: identity must not be empty"),
    /** 400: a policy for an Admin or SysAdmin identity. */
    POLICY_FOR_NON_USER(400, "kms: policies can only be assigned to User identities"),
    /** 400: a policy for a service account, which is evaluated as its parent. */
    POLICY_FOR_SERVICE_ACCOUNT(400, "kms: policies cannot be assigned to service accounts"),
    /** 400: a SysAdmin identity inside an enclave. */
    SYSADMIN_IN_ENCLAVE(400, "kms: SysAdmin identities do not belong to an enclave"),
    /** 400: a non-SysAdmin identity without an enclave. */
    IDENTITY_WITHOUT_ENCLAVE(400, "kms: only SysAdmin identities can be created without an enclave"),
    /** 400: a service account without a parent. */
    SERVICE_ACCOUNT_WITHOUT_PARENT(400, "kms: a service account needs a parent identity"),
    /** 400: a parent for an identity that is not a service account. */
    PARENT_WITHOUT_SERVICE_ACCOUNT(400, "kms: only service accounts have a parent identity"),
    /** 400: a service account whose parent is itself. */
    SERVICE_ACCOUNT_OWN_PARENT(400, "kms: a service account cannot be its own parent"),
    /** 409: {@code InitCluster} on a node that already has a cluster. */
    CLUSTER_INITIALIZED(409, "kms: cluster already initialized"),
    /** 400: a membership change before {@code InitCluster}. */
    CLUSTER_NOT_INITIALIZED(400, "kms: cluster is not initialized"),
    /** 400: removing the only node. */
    REMOVE_LAST_NODE(400, "kms: cannot remove the last node of the cluster");

    /** Default data key length in bytes ({@code GenerateKeyRequest.Length} 0, docs/PROTOCOL.md §5.1). */
    public static final int DEFAULT_DATA_KEY_BYTES = 32;
    /** Maximum data key length in bytes (docs/PROTOCOL.md §5.1). */
    public static final int MAX_DATA_KEY_BYTES = 1024;

    private final int status;
    private final String message;

    ApiError(int status, String message) {
        this.status = status;
        this.message = message;
    }

    /** The HTTP status. */
    public int status() {
        return status;
    }

    /** The exact message. */
    public String message() {
        return message;
    }

    /** A new exception carrying this error. */
    public KmsException exception() {
        return new KmsException(this);
    }

    /** 400 {@code invalid <kind> name '<name>': <reason>} (long names are shortened to 80 chars + "..."). */
    public static KmsException invalidName(String kind, String name, String reason) {
        String shown = name.length() > Names.MAX_LENGTH ? name.substring(0, Names.MAX_LENGTH) + "..." : name;
        return new KmsException(400, "invalid " + kind + " name '" + shown + "': " + reason);
    }

    /** 400 {@code kms: key type '<type>' is not supported} (docs/REFERENCE.md §6). */
    public static KmsException unsupportedKeyType(String type) {
        return new KmsException(400, "kms: key type '" + type + "' is not supported");
    }

    /** 400 {@code kms: invalid cmd '<s>'} (kms-go {@code cmds.Parse}). */
    public static KmsException invalidCommand(String s) {
        return new KmsException(400, "kms: invalid cmd '" + s + "'");
    }

    /** 400 {@code kms: invalid privilege '<s>'} (kms-go {@code ParsePrivilege}). */
    public static KmsException invalidPrivilege(String s) {
        return new KmsException(400, "kms: invalid privilege '" + s + "'");
    }

    /** 400 {@code kms: invalid data key length <n>: at most 1024 bytes}. */
    public static KmsException dataKeyTooLong(long lengthBytes) {
        return new KmsException(400, "kms: invalid data key length " + Long.toUnsignedString(lengthBytes) + ": at most "
                + MAX_DATA_KEY_BYTES + " bytes");
    }

    /** 400 {@code kms: invalid key length <n>: imported keys must be 32 bytes}. */
    public static KmsException invalidImportKeyLength(int lengthBytes) {
        return new KmsException(400, "kms: invalid key length " + lengthBytes + ": imported keys must be 32 bytes");
    }

    /** 400 {@code kms: invalid key version <v>: the next version is <next>}. */
    public static KmsException invalidKeyVersion(int version, int next) {
        return new KmsException(400, "kms: invalid key version " + version + ": the next version is " + next);
    }

    /** 409 {@code kms: node '<host>' is already part of the cluster}. */
    public static KmsException nodeExists(String host) {
        return new KmsException(409, "kms: node '" + host + "' is already part of the cluster");
    }

    /** 404 {@code kms: node <id> is not part of the cluster}. */
    public static KmsException nodeNotFound(int nodeId) {
        return new KmsException(404, "kms: node " + nodeId + " is not part of the cluster");
    }

    /** Largest value of a uint32 field of the wire protocol (kms-go), {@code 2^32 - 1}. */
    public static final long MAX_UINT32 = 0xFFFF_FFFFL;

    /**
     * A request's key version (a uint32 in kms-go, read as uint64 so that larger values are
     * seen, not wrapped): 0 = latest.
     *
     * @param requested the request's value, unsigned
     * @return the version as an int; values from 2^31 to 2^32-1 are valid uint32s no key can
     *     have (versions are ints and bounded by {@code limits.versions_per_key}): they give
     *     {@link Integer#MAX_VALUE}, which never exists
     * @throws KmsException 400 {@code kms: invalid key version N: out of range (0 to 4294967295)}
     *     above 2^32-1 (issue 13, "version numbers wrap": {@code DeleteKey{version: 2^32+2}} must
     *     not delete version 2)
     */
    public static int keyVersion(long requested) {
        if (requested < 0 || requested > MAX_UINT32) {
            throw new KmsException(400, "kms: invalid key version " + Long.toUnsignedString(requested)
                    + ": out of range (0 to " + MAX_UINT32 + ")");
        }
        return (int) Math.min(requested, Integer.MAX_VALUE);
    }

    /**
     * The data key length for a {@code GenerateKeyRequest.Length}: 0 means 32 bytes; more than
     * 1024 is rejected (docs/PROTOCOL.md §5.1, §8).
     *
     * @param requested the request's value (a uint32 on the wire, so pass it unsigned)
     * @throws KmsException 400 {@link #dataKeyTooLong}
     */
    public static int dataKeyLength(long requested) {
        if (requested == 0) {
            return DEFAULT_DATA_KEY_BYTES;
        }
        if (requested < 0 || requested > MAX_DATA_KEY_BYTES) {
            throw dataKeyTooLong(requested);
        }
        return (int) requested;
    }
}
