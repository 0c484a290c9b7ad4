package io.openkms.kms.replication;

import java.util.Map;
import java.util.NavigableMap;
import java.util.Set;
import java.util.SortedSet;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * The leader's view of the member set at every log index it may still need, and of out-of-band
 * evictions. {@code at(i)} is the member set after applying entries {@code 1..i}; it is stored only
 * at the base index and where it changes. Indexes below the base read as the base set.
 *
 * <p>Rule (docs/ARCHITECTURE.md §3 "Write path" with membership changes carried by the log): the
 * entry at {@code i} must be acknowledged by {@code at(i - 1) ∪ at(i)}, minus ids evicted through
 * an index {@code ≥ i} (an out-of-band {@code edit --rm} frees every entry up to the then last
 * index; an entry that {@linkplain MembershipRule#releases releases} an id frees it up to that
 * entry).
 */
final class MembershipHistory {

  private final TreeMap<Long, SortedSet<Integer>> epochs = new TreeMap<>();
  private final Map<Integer, Long> evictedThrough = new TreeMap<>();

  /** The indexes of log entries that changed the member set (not out-of-band overrides). */
  private final TreeSet<Long> logChanges = new TreeSet<>();

  /** Ids released by a log entry ({@link MembershipRule#releases}), with that entry's index. */
  private final Map<Integer, Long> released = new TreeMap<>();

  /** Forgets everything and starts from {@code members} at {@code baseIndex}. */
  void reset(long baseIndex, Set<Integer> members) {
    epochs.clear();
    evictedThrough.clear();
    logChanges.clear();
    released.clear();
    epochs.put(baseIndex, Sets.sortedCopy(members));
  }

  /** The member set after applying entries {@code 1..index}. */
  SortedSet<Integer> at(long index) {
    Map.Entry<Long, SortedSet<Integer>> epoch = epochs.floorEntry(index);
    return epoch != null ? epoch.getValue() : epochs.firstEntry().getValue();
  }

  /** Records the member set after the new entry {@code index}. */
  void record(long index, Set<Integer> members) {
    SortedSet<Integer> copy = Sets.sortedCopy(members);
    if (!copy.equals(at(index - 1))) {
      epochs.put(index, copy);
      logChanges.add(index);
    }
  }

  /**
   * Records the member set after the new entry {@code index} and the ids it releases: they need not
   * acknowledge any entry up to {@code index}.
   */
  void record(long index, Set<Integer> members, Set<Integer> releasedIds) {
    record(index, members);
    for (int id : releasedIds) {
      released.merge(id, index, Math::max);
      evict(id, index);
    }
  }

  /** True if a log entry recorded since the last reset released {@code id}. */
  boolean released(int id) {
    return released.containsKey(id);
  }

  /** Replaces the member set after {@code index} (an out-of-band edit at the log's end). */
  void override(long index, Set<Integer> members) {
    epochs.put(index, Sets.sortedCopy(members));
  }

  /** Frees {@code id} from acknowledging any entry up to {@code throughIndex}. */
  void evict(int id, long throughIndex) {
    evictedThrough.merge(id, throughIndex, Math::max);
  }

  /** The ids that must acknowledge the entry at {@code index}. */
  SortedSet<Integer> ackSet(long index) {
    TreeSet<Integer> ids = new TreeSet<>(at(index - 1));
    ids.addAll(at(index));
    ids.removeIf(id -> evictedThrough.getOrDefault(id, -1L) >= index);
    return ids;
  }

  /** Every id that is a member at some index of {@code [fromIndex, toIndex]}. */
  SortedSet<Integer> everyone(long fromIndex, long toIndex) {
    TreeSet<Integer> ids = new TreeSet<>(at(fromIndex));
    for (SortedSet<Integer> members : epochs.subMap(fromIndex, false, toIndex, true).values()) {
      ids.addAll(members);
    }
    return ids;
  }

  /** True if a log entry in {@code (fromIndex, toIndex]} changes the member set. */
  boolean changesIn(long fromIndex, long toIndex) {
    return !logChanges.subSet(fromIndex, false, toIndex, true).isEmpty();
  }

  /**
   * The index of the first entry after {@code afterIndex} that makes {@code id} a member (it is in
   * {@code at(k)} but not in {@code at(k - 1)}), or 0 if there is none.
   */
  long joinIndex(int id, long afterIndex) {
    long base = epochs.firstKey();
    for (Map.Entry<Long, SortedSet<Integer>> epoch : epochs.tailMap(afterIndex, false).entrySet()) {
      long start = epoch.getKey();
      if (start > base && epoch.getValue().contains(id) && !at(start - 1).contains(id)) {
        return start;
      }
    }
    return 0;
  }

  /**
   * The highest index up to {@code lastIndex} that {@code id} must acknowledge, or 0 if none. Since
   * logs are contiguous, a member that holds this index holds everything it must.
   */
  long target(int id, long lastIndex) {
    long evicted = evictedThrough.getOrDefault(id, -1L);
    long candidate = 0;
    long high = lastIndex;
    NavigableMap<Long, SortedSet<Integer>> relevant =
        epochs.headMap(lastIndex, true).descendingMap();
    for (Map.Entry<Long, SortedSet<Integer>> epoch : relevant.entrySet()) {
      long start = epoch.getKey();
      if (epoch.getValue().contains(id)) {
        candidate = high;
        break;
      }
      if (start > epochs.firstKey() && at(start - 1).contains(id)) {
        candidate = start; // the entry that removed it
        break;
      }
      high = start - 1;
    }
    if (relevant.isEmpty() && epochs.firstEntry().getValue().contains(id)) {
      candidate = lastIndex;
    }
    return candidate > evicted ? candidate : 0;
  }
}
