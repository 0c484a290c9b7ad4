package io.openkms.kms.actors;

import io.openkms.kms.replication.Entry;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletionStage;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.javadsl.Adapter;
import org.apache.pekko.persistence.query.PersistenceQuery;
import org.apache.pekko.persistence.query.javadsl.CurrentEventsByPersistenceIdQuery;

/**
 * Reads persisted log entries back from a node's journal, for {@link
 * io.openkms.kms.replication.SendEntries} (a new leader fetching entries it lacks). The replica
 * machine keeps no log in memory; persisted entries never change, so a later read returns what was
 * persisted.
 */
@FunctionalInterface
public interface EntryReader {

  /** Config key naming the read journal plugin; default {@value #DEFAULT_READ_JOURNAL}. */
  String READ_JOURNAL_KEY = "minkms.replica.read-journal";

  /** The JDBC plugin's read journal, configured by the persistence module. */
  String DEFAULT_READ_JOURNAL = "jdbc-read-journal";

  /**
   * Reads the entries with index {@code fromIndex..toIndex} that this node holds, in index order
   * (fewer, or none, if its journal starts later: a node that joined from a snapshot).
   *
   * @param fromIndex first index, at least 1
   * @param toIndex last index, at least {@code fromIndex}
   * @return the entries
   */
  CompletionStage<List<Entry<LogCommand>>> read(long fromIndex, long toIndex);

  /**
   * The reader over the journal of {@link ReplicaLog#PERSISTENCE_ID} in {@code system}, through the
   * read journal named by {@value #READ_JOURNAL_KEY} (a full scan of the node's one persistence id:
   * the log of a KMS is small, and fetches are rare). Entries journaled before the last {@link
   * ReplicaEvent.SnapshotInstalled} belong to the node's old cluster and are skipped.
   *
   * @param system the node's local actor system
   * @return the reader
   */
  static EntryReader journal(ActorSystem<?> system) {
    String plugin =
        system.settings().config().hasPath(READ_JOURNAL_KEY)
            ? system.settings().config().getString(READ_JOURNAL_KEY)
            : DEFAULT_READ_JOURNAL;
    return (fromIndex, toIndex) -> {
      CurrentEventsByPersistenceIdQuery query =
          PersistenceQuery.get(Adapter.toClassic(system))
              .getReadJournalFor(CurrentEventsByPersistenceIdQuery.class, plugin);
      return query
          .currentEventsByPersistenceId(ReplicaLog.PERSISTENCE_ID, 0, Long.MAX_VALUE)
          .map(envelope -> JournalBinding.unwrap(envelope.event(), ReplicaEvent.class))
          .runFold(
              new ArrayList<Entry<LogCommand>>(),
              (entries, event) -> {
                if (event instanceof ReplicaEvent.SnapshotInstalled) {
                  entries.clear(); // entries before a snapshot belong to the node's old cluster
                } else if (event instanceof ReplicaEvent.EntryAppended a
                    && a.index() >= fromIndex
                    && a.index() <= toIndex
                    && a.index() == fromIndex + entries.size()) {
                  entries.add(new Entry<>(a.term(), a.index(), a.command()));
                }
                return entries;
              },
              system)
          .thenApply(List::copyOf);
    };
  }
}
