package io.openkms.kms.actors;

import java.util.Map;
import java.util.SortedMap;
import java.util.TreeMap;

/**
 * What the leader knows of each member's replication, as it published it last (every {@link
 * Leader#TICK} while it serves): an immutable snapshot for readers on any thread (the metrics), so
 * that no reader asks the leader actor or takes a lock in it.
 *
 * @param term the leader's term
 * @param lastIndex the highest index the leader has assigned
 * @param commitIndex the highest index every member that must acknowledge it holds
 * @param match per member (node id), the highest index it acknowledged
 */
public record LeaderProgress(
    long term, long lastIndex, long commitIndex, SortedMap<Integer, Long> match) {

  /** Copies {@code match}. */
  public LeaderProgress {
    match = java.util.Collections.unmodifiableSortedMap(new TreeMap<>(match));
  }

  /**
   * How many entries member {@code id} still has to acknowledge: {@link #lastIndex()} minus its
   * acknowledged index, at least 0; {@link #lastIndex()} for a member not in {@link #match()}.
   */
  public long lag(int id) {
    return Math.max(0, lastIndex - match.getOrDefault(id, 0L));
  }

  /** Per member (node id), {@link #lag(int)}. */
  public Map<Integer, Long> lags() {
    Map<Integer, Long> lags = new TreeMap<>();
    match.keySet().forEach(id -> lags.put(id, lag(id)));
    return lags;
  }
}
