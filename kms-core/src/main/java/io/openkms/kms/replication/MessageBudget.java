package io.openkms.kms.replication;

import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * The byte bound on the entries of one internode message ({@link ReplicaInput.Append}, {@link
 * LeaderInput.EntriesFetched}) and on a single change, so that no message exceeds the transport's
 * frame (Pekko Artery's {@code maximum-frame-size}, 256 KiB by default: a larger message is dropped
 * by the sender with {@code OversizedPayloadException}, and the entry it carries would be re-sent
 * forever).
 *
 * <p>Rules:
 *
 * <ul>
 *   <li>A message carries entries while their sizes add up to at most {@link #maxMessageBytes()};
 *       it always carries at least the first one, which is never larger than {@link
 *       #maxChangeBytes()} ≤ {@code maxMessageBytes} (see {@link #fitting}).
 *   <li>A change larger than {@link #maxChangeBytes()} is refused <em>before</em> it is assigned an
 *       index ({@link #admits}): an entry in the log must eventually commit on every member, or the
 *       log is stuck, so an entry no member could receive must never get one.
 * </ul>
 *
 * @param maxChangeBytes the largest serialized change the leader accepts, at least 1 and at most
 *     {@code maxMessageBytes}
 * @param maxMessageBytes the most entry bytes in one message, at least 1
 * @param size the serialized size of a command
 * @param <C> the replicated command type
 * @throws IllegalArgumentException if a bound is out of range
 */
public record MessageBudget<C>(long maxChangeBytes, long maxMessageBytes, CommandSize<C> size) {

  /**
   * The most entry bytes in one message: 192 KiB, which leaves 64 KiB of Artery's default 256 KiB
   * frame for the envelope (message fields, entry framing, actor paths, serializer manifest).
   */
  public static final long MAX_MESSAGE_BYTES = 192L << 10;

  /** The default largest change: 128 KiB (e.g. a policy of about 1,500 patterns). */
  public static final long DEFAULT_MAX_CHANGE_BYTES = 128L << 10;

  /** Validates the bounds. */
  public MessageBudget {
    Objects.requireNonNull(size, "size");
    if (maxMessageBytes < 1) {
      throw new IllegalArgumentException("maxMessageBytes must be >= 1, was " + maxMessageBytes);
    }
    if (maxChangeBytes < 1 || maxChangeBytes > maxMessageBytes) {
      throw new IllegalArgumentException(
          "maxChangeBytes must be in [1, " + maxMessageBytes + "], was " + maxChangeBytes);
    }
  }

  /**
   * No byte bound: every command counts 0 bytes (the entry count alone bounds a message).
   *
   * @param <C> the replicated command type
   * @return the unbounded budget
   */
  public static <C> MessageBudget<C> unbounded() {
    return new MessageBudget<>(Long.MAX_VALUE, Long.MAX_VALUE, command -> 0);
  }

  /**
   * The bytes of {@code command} ({@link CommandSize#bytes}).
   *
   * @param command the command
   * @return its serialized size
   */
  public long bytesOf(C command) {
    return size.bytes(command);
  }

  /**
   * True if a change of {@code changeBytes} may be assigned an index.
   *
   * @param changeBytes the serialized size of the change
   * @return {@code changeBytes <= maxChangeBytes}
   */
  public boolean admits(long changeBytes) {
    return changeBytes <= maxChangeBytes;
  }

  /**
   * How many of the leading entries of {@code sizes} one message may carry: the longest prefix
   * whose sizes add up to at most {@link #maxMessageBytes()}, and at least one entry if there is
   * any (an entry larger than the bound alone is sent alone: it was admitted under an older, larger
   * bound).
   *
   * @param sizes the entries' sizes in bytes, in log order
   * @return the number of entries, between {@code min(1, sizes.size())} and {@code sizes.size()}
   */
  public int fitting(List<Long> sizes) {
    long total = 0;
    for (int i = 0; i < sizes.size(); i++) {
      total += sizes.get(i);
      if (total > maxMessageBytes) {
        return Math.max(1, i);
      }
    }
    return sizes.size();
  }

  /**
   * The leading entries of {@code entries} that one message may carry ({@link #fitting}): what a
   * replica answers to a fetch ({@link SendEntries}); the leader asks again for the rest.
   *
   * @param entries entries in log order
   * @return a prefix of {@code entries}, not empty if {@code entries} is not
   */
  public List<Entry<C>> prefix(List<Entry<C>> entries) {
    List<Long> sizes = new ArrayList<>(entries.size());
    for (Entry<C> e : entries) {
      sizes.add(bytesOf(e.command()));
    }
    return List.copyOf(entries.subList(0, fitting(sizes)));
  }
}
