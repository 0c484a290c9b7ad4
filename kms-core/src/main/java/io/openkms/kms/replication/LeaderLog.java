package io.openkms.kms.replication;

import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.OptionalLong;
import java.util.TreeMap;

/**
 * The leader's in-memory window on the log: the entries it may still have to send, the terms it
 * knows at single indexes (learned from replicas), and the log's last index and term. Entries at or
 * below the eviction floor are dropped; they are fetched again from a member if ever needed. The
 * serialized size of each cached entry is computed once, when it is cached, for the byte bound of
 * the messages that carry it ({@link MessageBudget}).
 */
final class LeaderLog<C> {

  private final MessageBudget<C> budget;
  private final TreeMap<Long, Entry<C>> entries = new TreeMap<>();
  private final TreeMap<Long, Long> sizes = new TreeMap<>();
  private final TreeMap<Long, Long> knownTerms = new TreeMap<>();
  private long lastIndex;
  private long lastTerm;

  LeaderLog(MessageBudget<C> budget) {
    this.budget = Objects.requireNonNull(budget, "budget");
  }

  long lastIndex() {
    return lastIndex;
  }

  long lastTerm() {
    return lastTerm;
  }

  /**
   * Sets the log's end (while taking over, from the promises); cached entries and terms beyond it
   * are forgotten (they were never sent).
   */
  void setLast(long index, long term) {
    lastIndex = index;
    lastTerm = term;
    entries.tailMap(index, false).clear();
    sizes.tailMap(index, false).clear();
    knownTerms.tailMap(index, false).clear();
  }

  /** Appends a new entry at {@code lastIndex + 1}. */
  void append(Entry<C> entry) {
    if (entry.index() != lastIndex + 1) {
      throw new IllegalStateException("append at " + entry.index() + " after " + lastIndex);
    }
    entries.put(entry.index(), entry);
    sizes.put(entry.index(), budget.bytesOf(entry.command()));
    lastIndex = entry.index();
    lastTerm = entry.term();
  }

  /**
   * Stores a fetched entry if it is within the log and not cached yet.
   *
   * @return false if it contradicts a known term at its index
   */
  boolean learn(Entry<C> entry) {
    if (entry.index() > lastIndex) {
      return true;
    }
    if (!learnTerm(entry.index(), entry.term())) {
      return false;
    }
    if (entries.putIfAbsent(entry.index(), entry) == null) {
      sizes.put(entry.index(), budget.bytesOf(entry.command()));
    }
    return true;
  }

  /**
   * Records that the entry at {@code index} has {@code term}.
   *
   * @return false if another term is known there
   */
  boolean learnTerm(long index, long term) {
    if (index == 0) {
      return term == 0;
    }
    OptionalLong known = termAt(index);
    if (known.isPresent()) {
      return known.getAsLong() == term;
    }
    knownTerms.put(index, term);
    return true;
  }

  /** The term at {@code index} if known (0 at index 0). */
  OptionalLong termAt(long index) {
    if (index == 0) {
      return OptionalLong.of(0);
    }
    if (index == lastIndex && lastIndex > 0 && lastTerm > 0) {
      return OptionalLong.of(lastTerm);
    }
    Entry<C> entry = entries.get(index);
    if (entry != null) {
      return OptionalLong.of(entry.term());
    }
    Long term = knownTerms.get(index);
    return term != null ? OptionalLong.of(term) : OptionalLong.empty();
  }

  Entry<C> get(long index) {
    return entries.get(index);
  }

  /** The first index of {@code [from, to]} whose entry is not cached, or 0 if all are. */
  long firstMissing(long from, long to) {
    for (long index = from; index <= to; index++) {
      if (!entries.containsKey(index)) {
        return index;
      }
    }
    return 0;
  }

  /** The cached entries {@code [from, to]}; all must be present. */
  List<Entry<C>> range(long from, long to) {
    return new ArrayList<>(entries.subMap(from, true, to, true).values());
  }

  /**
   * The last index of the longest run {@code [from, end]} within {@code [from, to]} whose cached
   * entries fit in one message ({@link MessageBudget#fitting}); at least {@code from}. All entries
   * of {@code [from, to]} must be cached.
   */
  long fittingEnd(long from, long to) {
    List<Long> run = new ArrayList<>(sizes.subMap(from, true, to, true).values());
    return from - 1 + budget.fitting(run);
  }

  /** Drops cached entries and known terms below or at {@code floor}, keeping the term at it. */
  void evictThrough(long floor) {
    if (floor <= 0) {
      return;
    }
    OptionalLong floorTerm = termAt(floor);
    entries.headMap(floor, true).clear();
    sizes.headMap(floor, true).clear();
    knownTerms.headMap(floor, false).clear();
    if (floorTerm.isPresent()) {
      knownTerms.put(floor, floorTerm.getAsLong());
    }
  }

  /** Number of cached entries (for tests). */
  int cachedEntries() {
    return entries.size();
  }
}
