package io.openkms.kms.replication;

import java.util.ArrayList;
import java.util.List;
import java.util.OptionalLong;
import java.util.TreeMap;

/**
 * The leader's in-memory window on the log: the entries it may still have to send, the terms it
 * knows at single indexes (learned from replicas), and the log's last index and term. Entries at or
 * below the eviction floor are dropped; they are fetched again from a member if ever needed.
 */
final class LeaderLog<C> {

  private final TreeMap<Long, Entry<C>> entries = new TreeMap<>();
  private final TreeMap<Long, Long> knownTerms = new TreeMap<>();
  private long lastIndex;
  private long lastTerm;

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
    knownTerms.tailMap(index, false).clear();
  }

  /** Appends a new entry at {@code lastIndex + 1}. */
  void append(Entry<C> entry) {
    if (entry.index() != lastIndex + 1) {
      throw new IllegalStateException("append at " + entry.index() + " after " + lastIndex);
    }
    entries.put(entry.index(), entry);
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
    entries.putIfAbsent(entry.index(), entry);
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

  /** Drops cached entries and known terms below or at {@code floor}, keeping the term at it. */
  void evictThrough(long floor) {
    if (floor <= 0) {
      return;
    }
    OptionalLong floorTerm = termAt(floor);
    entries.headMap(floor, true).clear();
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
