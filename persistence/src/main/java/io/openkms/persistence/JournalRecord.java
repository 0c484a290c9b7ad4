package io.openkms.persistence;

import java.util.Objects;

/**
 * One journaled value (an event or a snapshot) with the place it is written to: its stable,
 * versioned manifest (e.g. {@code minkms.replica.event.v1}, never a Java class name), the
 * persistence id and the sequence number. {@link JournalRecordSerializer} seals the payload with
 * all three as associated data, so a sealed record opens only at the row it was written to ({@link
 * JournalIntegrity} checks that before the node starts).
 *
 * @param manifest the stable manifest, mapped to the payload's type by {@link JournalManifests}
 * @param persistenceId the persistence id the record is journaled under
 * @param sequenceNr its sequence number (for a snapshot: the sequence number it was taken at)
 * @param payload the event or state; serialized with Jackson CBOR as the manifest's type
 */
public record JournalRecord(
    String manifest, String persistenceId, long sequenceNr, Object payload) {

  /** Checks that nothing is null and the sequence number is positive. */
  public JournalRecord {
    Objects.requireNonNull(manifest, "manifest");
    Objects.requireNonNull(persistenceId, "persistenceId");
    Objects.requireNonNull(payload, "payload");
    if (sequenceNr < 0) {
      throw new IllegalArgumentException("sequence number must not be negative: " + sequenceNr);
    }
  }
}
