package io.openkms.kms.replication;

/**
 * Read the persisted entries {@code [fromIndex, toIndex]} from this node's log and send them to
 * node {@code to} as {@code new LeaderInput.EntriesFetched<>(selfId, term, fromIndex, entries)}.
 * The replica machine does not hold its log in memory, so it delegates the read to the caller; the
 * range is always within what is persisted, and persisted entries never change, so the read may
 * happen at any later time.
 *
 * @param to the asking leader's node id
 * @param term the term of the fetch request, to echo
 * @param fromIndex the first index to read, at least 1
 * @param toIndex the last index to read, at least {@code fromIndex}
 */
public record SendEntries(int to, long term, long fromIndex, long toIndex) {

  /** Validates the item. */
  public SendEntries {
    if (fromIndex < 1 || toIndex < fromIndex) {
      throw new IllegalArgumentException("bad range [" + fromIndex + ", " + toIndex + "]");
    }
  }
}
