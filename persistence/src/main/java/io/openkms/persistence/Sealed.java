package io.openkms.persistence;

/**
 * Marker for every journaled event and snapshot: values of this type are serialized by {@link
 * SealingSerializer} (Pekko's jackson-cbor, then AES-256-GCM under the node's root encryption key),
 * so they never reach the journal in the clear. The binding lives in this module's {@code
 * reference.conf} (docs/ARCHITECTURE.md §2, key hierarchy).
 */
public interface Sealed {}
