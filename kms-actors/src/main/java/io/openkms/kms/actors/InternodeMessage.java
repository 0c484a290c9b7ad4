package io.openkms.kms.actors;

/**
 * Marker of every message that may cross the wire between nodes (Pekko Artery). The clustered actor
 * system binds it to Pekko's {@code jackson-cbor} serializer ({@code
 * pekko.actor.serialization-bindings}).
 *
 * <p>Never implement it together with {@link io.openkms.persistence.Sealed}: sealed values are
 * bound to the serializer that seals them under this node's root encryption key, which no other
 * node holds. A message may carry sealed values in its fields (Jackson serializes them as plain
 * fields); only the top-level class decides the serializer.
 */
public interface InternodeMessage {}
