package io.openkms.kms.actors;

/**
 * Marker of every message that may cross the wire between nodes (Pekko Artery). The clustered actor
 * system binds it to {@code io.openkms.kms.cluster.InternodeSerializer} (protobuf, {@code
 * kms-actors/src/main/proto/minkms/internode.proto}, {@code ClusterSettings.SERIALIZATION}): a new
 * implementation needs a manifest there and a message in the {@code .proto}, or it cannot be sent.
 * Releases before it used Pekko's {@code jackson-cbor} serializer, which still reads what they
 * send; keep the Jackson form of these records readable until no such release runs
 * (docs/CONTRACTS.md "Internode encoding").
 *
 * <p>Never implement it together with {@link io.openkms.persistence.Sealed}: sealed values are
 * bound to the serializer that seals them under this node's root encryption key, which no other
 * node holds; only the top-level class decides the serializer.
 */
public interface InternodeMessage {}
