package io.openkms.kms.actors;

import io.openkms.persistence.JournalRecord;
import java.util.function.LongConsumer;
import org.apache.pekko.persistence.typed.EventAdapter;
import org.apache.pekko.persistence.typed.EventSeq;
import org.apache.pekko.persistence.typed.SnapshotAdapter;

/**
 * How {@link ReplicaLog} journals (issue 15, stable manifests; issue 13, integrity): each event
 * becomes a {@link JournalRecord} with the stable manifest {@value #EVENT_MANIFEST} and the
 * sequence number it is written at, each snapshot one with {@value #STATE_MANIFEST} and the
 * sequence number it was taken at; the serializer seals the payload bound to both. Rows written
 * before (plain {@link ReplicaEvent} / {@link ReplicaState} with class-name manifests) are read as
 * they are.
 *
 * <p>Sequence numbers: the adapter numbers the events it is given in order, starting after the
 * recovered sequence number ({@link #recovered}); Pekko assigns the same numbers, as it adapts the
 * events of a persist in order and saves a snapshot after its events. One instance per incarnation
 * of the actor.
 */
final class JournalBinding {
  /** Manifest of journaled {@link ReplicaEvent}s. Never change it. */
  static final String EVENT_MANIFEST = "minkms.replica.event.v1";

  /** Manifest of {@link ReplicaState} snapshots. Never change it. */
  static final String STATE_MANIFEST = "minkms.replica.state.v1";

  private final String persistenceId;
  private final LongConsumer journaled;
  private long seqNr;
  private boolean legacyRead;

  /**
   * @param persistenceId the actor's persistence id
   * @param journaled told the highest journaled sequence number after recovery and after every
   *     journaled batch (the journal's high-water mark)
   */
  JournalBinding(String persistenceId, LongConsumer journaled) {
    this.persistenceId = persistenceId;
    this.journaled = journaled;
  }

  /** After recovery: the next event gets {@code lastSeqNr + 1}. */
  void recovered(long lastSeqNr) {
    seqNr = lastSeqNr;
  }

  /**
   * True once, at the first event journaled after a recovery that read rows written before stable
   * manifests: the replica log then snapshots, and the shredder deletes those rows (their seal does
   * not bind their position), so an upgraded store holds only bound rows soon after its first
   * write.
   */
  boolean migrateOnce() {
    boolean migrate = legacyRead;
    legacyRead = false;
    return migrate;
  }

  /** After a batch was persisted (on the actor's thread): reports the high-water mark. */
  void persisted() {
    journaled.accept(seqNr);
  }

  /** The event adapter. */
  EventAdapter<ReplicaEvent, Object> events() {
    return new EventAdapter<>() {
      @Override
      public Object toJournal(ReplicaEvent event) {
        seqNr++;
        return new JournalRecord(EVENT_MANIFEST, persistenceId, seqNr, event);
      }

      @Override
      public String manifest(ReplicaEvent event) {
        return "";
      }

      @Override
      public EventSeq<ReplicaEvent> fromJournal(Object stored, String manifest) {
        legacyRead |= !(stored instanceof JournalRecord);
        return EventSeq.single(unwrap(stored, ReplicaEvent.class));
      }
    };
  }

  /** The snapshot adapter. */
  SnapshotAdapter<ReplicaState> snapshots() {
    return new SnapshotAdapter<>() {
      @Override
      public Object toJournal(ReplicaState state) {
        return new JournalRecord(STATE_MANIFEST, persistenceId, seqNr, state);
      }

      @Override
      public ReplicaState fromJournal(Object stored) {
        legacyRead |= !(stored instanceof JournalRecord);
        return unwrap(stored, ReplicaState.class);
      }
    };
  }

  /** The payload of a record, or a value journaled before stable manifests. */
  static <T> T unwrap(Object stored, Class<T> type) {
    Object value = stored instanceof JournalRecord r ? r.payload() : stored;
    return type.cast(value);
  }
}
