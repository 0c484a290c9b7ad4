package io.openkms.kms.replication;

import java.util.Collection;
import java.util.Collections;
import java.util.Map;
import java.util.SortedMap;
import java.util.SortedSet;
import java.util.TreeMap;
import java.util.TreeSet;

/** Deterministic, immutable node-id sets (sorted, so outputs and their text are reproducible). */
final class Sets {

  private Sets() {}

  /** Returns an unmodifiable sorted copy of {@code ids}; rejects null elements and negative ids. */
  static SortedSet<Integer> sortedCopy(Collection<Integer> ids) {
    TreeSet<Integer> copy = new TreeSet<>();
    for (Integer id : ids) {
      if (id == null) {
        throw new NullPointerException("node id");
      }
      if (id < 0) {
        throw new IllegalArgumentException("node id must be >= 0, was " + id);
      }
      copy.add(id);
    }
    return Collections.unmodifiableSortedSet(copy);
  }

  /** Returns an unmodifiable sorted copy of node id → log index; rejects negative ids, index 0. */
  static SortedMap<Integer, Long> sortedIndexes(Map<Integer, Long> indexes) {
    TreeMap<Integer, Long> copy = new TreeMap<>();
    for (Map.Entry<Integer, Long> entry : indexes.entrySet()) {
      if (entry.getKey() < 0 || entry.getValue() < 1) {
        throw new IllegalArgumentException("bad node id / index " + entry);
      }
      copy.put(entry.getKey(), entry.getValue());
    }
    return Collections.unmodifiableSortedMap(copy);
  }
}
