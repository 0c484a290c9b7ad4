package io.openkms.cli.config;

/**
 * The config file's {@code limits} section (ours, not the reference's): bounds on what one
 * client may make a node hold or send (docs: README "Limits").
 *
 * <pre>
 * limits:
 *   max_change_size: 131072     # bytes (or 128KiB): largest serialized change; at most 192KiB
 * </pre>
 *
 * @param maxChangeBytes the largest serialized change (one write) the cluster accepts, in bytes;
 *     a larger write is refused with 400 {@code change too large: … (limits: max_change_size)}
 *     before it is replicated. 1 to {@link #MAX_CHANGE_BYTES_LIMIT}; default
 *     {@link #DEFAULT_MAX_CHANGE_BYTES}.
 */
public record LimitsConfig(long maxChangeBytes) {

    /** Default of {@code max_change_size}: 128 KiB. */
    public static final long DEFAULT_MAX_CHANGE_BYTES = 128L << 10;

    /**
     * Highest {@code max_change_size}: 192 KiB, the byte bound of one replication message (the
     * internode frame is 256 KiB).
     */
    public static final long MAX_CHANGE_BYTES_LIMIT = 192L << 10;

    /** Nothing configured. */
    public static final LimitsConfig DEFAULT = new LimitsConfig(DEFAULT_MAX_CHANGE_BYTES);
}
