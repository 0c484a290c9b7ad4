package io.openkms.kms.replication;

import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.List;
import java.util.Objects;
import java.util.TreeMap;

/**
 * The joining node's side of a snapshot transfer (docs/ARCHITECTURE.md §3 "Joining"): it pulls the
 * chunks of a {@link SnapshotPlan} from the leader, at most {@code window} requested and unanswered
 * at a time, puts each one in place, and checks the whole (length and SHA-256 digest, both
 * announced by the leader's offer) before the caller journals anything. Pure: the caller sends the
 * requests, delivers the chunks and ticks the clock.
 *
 * <p>Rules:
 *
 * <ul>
 *   <li>{@link #start} requests the first {@code window} chunks; each accepted chunk frees a slot
 *       for the next unrequested one (pull: the leader never sends more than was asked for, so
 *       memory on both sides stays at one copy of the snapshot plus {@code window} chunks).
 *   <li>A chunk that is out of range, of the wrong length, or not requested is refused (ignored); a
 *       duplicate is ignored. Chunks may arrive in any order.
 *   <li>A request unanswered for {@code resendMillis} is sent again ({@link #tick}); no accepted
 *       chunk for {@code giveUpMillis} fails the transfer.
 *   <li>When every chunk is in, the digest decides: {@link Status#COMPLETE} or {@link
 *       Status#FAILED} ({@code digest mismatch}); nothing of a failed transfer may be used.
 * </ul>
 */
public final class SnapshotAssembly {

  /** Where the transfer stands. */
  public enum Status {
    /** Chunks are still missing. */
    RECEIVING,
    /** Every chunk is in and the digest matches: {@link #bytes()} is the snapshot. */
    COMPLETE,
    /** Given up or corrupt ({@link Step#reason()}); nothing may be used. */
    FAILED
  }

  /**
   * What the caller does after an input.
   *
   * @param request the chunk numbers to request now, in order
   * @param status the transfer's status after the input
   * @param reason why it failed ({@code ""} unless {@link Status#FAILED})
   */
  public record Step(List<Integer> request, Status status, String reason) {

    /** Copies the list. */
    public Step {
      request = List.copyOf(request);
      Objects.requireNonNull(status, "status");
      Objects.requireNonNull(reason, "reason");
    }
  }

  private final SnapshotPlan plan;
  private final byte[] digest;
  private final int window;
  private final long resendMillis;
  private final long giveUpMillis;
  private final BitSet received = new BitSet();

  /** Requested and not yet received: chunk number → when it was last requested. */
  private final TreeMap<Integer, Long> outstanding = new TreeMap<>();

  private byte[] buffer;
  private int nextToRequest;
  private long lastProgressMillis;
  private Status status = Status.RECEIVING;
  private String reason = "";

  /**
   * Prepares the transfer of a snapshot announced by the leader.
   *
   * @param plan the snapshot's length and chunk size
   * @param sha256 the snapshot's SHA-256 digest, 32 bytes
   * @param window the most chunks requested and unanswered at a time, at least 1
   * @param resendMillis after how long an unanswered request is repeated, at least 1
   * @param giveUpMillis after how long without an accepted chunk the transfer fails, at least 1
   * @throws IllegalArgumentException if a value is out of range, or the snapshot is larger than a
   *     Java array
   */
  public SnapshotAssembly(
      SnapshotPlan plan, byte[] sha256, int window, long resendMillis, long giveUpMillis) {
    this.plan = Objects.requireNonNull(plan, "plan");
    if (sha256 == null || sha256.length != 32) {
      throw new IllegalArgumentException("the digest must be 32 bytes of SHA-256");
    }
    if (window < 1 || resendMillis < 1 || giveUpMillis < 1) {
      throw new IllegalArgumentException("window, resendMillis and giveUpMillis must be >= 1");
    }
    if (plan.totalBytes() > Integer.MAX_VALUE - 8) {
      throw new IllegalArgumentException("snapshot too large: " + plan.totalBytes() + " bytes");
    }
    this.digest = sha256.clone();
    this.window = window;
    this.resendMillis = resendMillis;
    this.giveUpMillis = giveUpMillis;
  }

  /**
   * Starts the transfer: allocates the snapshot's buffer and requests the first chunks.
   *
   * @param nowMillis the caller's clock
   * @return the first requests (a snapshot of 0 bytes completes at once)
   * @throws IllegalStateException if already started
   */
  public Step start(long nowMillis) {
    if (buffer != null) {
      throw new IllegalStateException("already started");
    }
    buffer = new byte[(int) plan.totalBytes()];
    lastProgressMillis = nowMillis;
    List<Integer> request = new ArrayList<>();
    fill(nowMillis, request);
    return finishIfDone(request);
  }

  /**
   * A chunk arrived.
   *
   * @param seq its number
   * @param data its bytes (not kept: copied into place)
   * @param nowMillis the caller's clock
   * @return the next requests and the status
   */
  public Step accept(int seq, byte[] data, long nowMillis) {
    List<Integer> request = new ArrayList<>();
    if (status != Status.RECEIVING
        || buffer == null
        || seq < 0
        || seq >= plan.chunkCount()
        || !outstanding.containsKey(seq)
        || data == null
        || data.length != plan.length(seq)) {
      return new Step(request, status, reason); // stray, duplicate or malformed: ignored
    }
    System.arraycopy(data, 0, buffer, (int) plan.offset(seq), data.length);
    received.set(seq);
    outstanding.remove(seq);
    lastProgressMillis = nowMillis;
    fill(nowMillis, request);
    return finishIfDone(request);
  }

  /**
   * The clock: repeats overdue requests, fails a transfer without progress.
   *
   * @param nowMillis the caller's clock
   * @return the repeated requests and the status
   */
  public Step tick(long nowMillis) {
    List<Integer> request = new ArrayList<>();
    if (status != Status.RECEIVING || buffer == null) {
      return new Step(request, status, reason);
    }
    if (nowMillis - lastProgressMillis >= giveUpMillis) {
      fail("no chunk arrived within " + giveUpMillis + " ms");
      return new Step(request, status, reason);
    }
    for (var e : outstanding.entrySet()) {
      if (nowMillis - e.getValue() >= resendMillis) {
        e.setValue(nowMillis);
        request.add(e.getKey());
      }
    }
    return new Step(request, status, reason);
  }

  /**
   * The snapshot, once {@link Status#COMPLETE}.
   *
   * @return the checked bytes (the buffer itself, not a copy)
   * @throws IllegalStateException if not complete
   */
  public byte[] bytes() {
    if (status != Status.COMPLETE) {
      throw new IllegalStateException("the snapshot is " + status);
    }
    return buffer;
  }

  /**
   * The transfer's status.
   *
   * @return the status
   */
  public Status status() {
    return status;
  }

  /**
   * How many chunks are in.
   *
   * @return the number of accepted chunks
   */
  public int receivedChunks() {
    return received.cardinality();
  }

  private void fill(long nowMillis, List<Integer> request) {
    while (outstanding.size() < window && nextToRequest < plan.chunkCount()) {
      outstanding.put(nextToRequest, nowMillis);
      request.add(nextToRequest);
      nextToRequest++;
    }
  }

  private Step finishIfDone(List<Integer> request) {
    if (received.cardinality() == plan.chunkCount()) {
      byte[] actual = sha256(buffer);
      if (MessageDigest.isEqual(actual, digest)) {
        status = Status.COMPLETE;
      } else {
        fail("digest mismatch over " + plan.totalBytes() + " bytes");
      }
    }
    return new Step(request, status, reason);
  }

  private void fail(String why) {
    status = Status.FAILED;
    reason = why;
    buffer = null;
    outstanding.clear();
  }

  /**
   * The SHA-256 digest of {@code bytes} (what the leader announces).
   *
   * @param bytes the snapshot
   * @return 32 bytes
   */
  public static byte[] sha256(byte[] bytes) {
    try {
      return MessageDigest.getInstance("SHA-256").digest(bytes);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("SHA-256 is not available", e);
    }
  }
}
