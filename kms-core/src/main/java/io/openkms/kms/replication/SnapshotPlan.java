package io.openkms.kms.replication;

/**
 * How a serialized snapshot is cut into chunks for the wire (docs/ARCHITECTURE.md §3 "Joining": the
 * leader installs its node's state on a joining node). Chunk {@code seq} (0-based) holds the bytes
 * {@code [seq * chunkBytes, min(totalBytes, (seq + 1) * chunkBytes))}; a snapshot of 0 bytes has no
 * chunk. Each chunk is well below the internode frame ({@link #DEFAULT_CHUNK_BYTES}), so a state of
 * any size crosses it.
 *
 * @param totalBytes the snapshot's length in bytes, at least 0
 * @param chunkBytes the length of every chunk but the last, at least 1
 * @throws IllegalArgumentException if a value is out of range or there would be more than {@link
 *     Integer#MAX_VALUE} chunks
 */
public record SnapshotPlan(long totalBytes, int chunkBytes) {

  /** The default chunk: 128 KiB, half of Artery's default 256 KiB frame. */
  public static final int DEFAULT_CHUNK_BYTES = 128 << 10;

  /** Validates the plan. */
  public SnapshotPlan {
    if (totalBytes < 0) {
      throw new IllegalArgumentException("totalBytes must be >= 0, was " + totalBytes);
    }
    if (chunkBytes < 1) {
      throw new IllegalArgumentException("chunkBytes must be >= 1, was " + chunkBytes);
    }
    if ((totalBytes + chunkBytes - 1) / chunkBytes > Integer.MAX_VALUE) {
      throw new IllegalArgumentException("too many chunks: " + totalBytes + " / " + chunkBytes);
    }
  }

  /**
   * The number of chunks.
   *
   * @return {@code ceil(totalBytes / chunkBytes)}
   */
  public int chunkCount() {
    return (int) ((totalBytes + chunkBytes - 1) / chunkBytes);
  }

  /**
   * The offset of chunk {@code seq} in the snapshot.
   *
   * @param seq the chunk's number, {@code 0 <= seq < chunkCount()}
   * @return its first byte's offset
   * @throws IllegalArgumentException if {@code seq} is out of range
   */
  public long offset(int seq) {
    check(seq);
    return (long) seq * chunkBytes;
  }

  /**
   * The length of chunk {@code seq}.
   *
   * @param seq the chunk's number, {@code 0 <= seq < chunkCount()}
   * @return {@code chunkBytes}, or less for the last chunk
   * @throws IllegalArgumentException if {@code seq} is out of range
   */
  public int length(int seq) {
    check(seq);
    return (int) Math.min(chunkBytes, totalBytes - (long) seq * chunkBytes);
  }

  private void check(int seq) {
    if (seq < 0 || seq >= chunkCount()) {
      throw new IllegalArgumentException("no chunk " + seq + " of " + chunkCount());
    }
  }
}
