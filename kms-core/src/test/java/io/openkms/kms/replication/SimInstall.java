package io.openkms.kms.replication;

import io.openkms.kms.lifecycle.NodeJoin;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;

/**
 * One snapshot transfer of the {@link SimulatedCluster}: a leader's node serializes its persisted
 * log (each entry padded to its {@link SimCommand#bytes} size, so the state is as large as the log)
 * and the joining spare pulls it in {@link SnapshotPlan} chunks through a {@link SnapshotAssembly},
 * over the same lossy network as the replication messages.
 */
final class SimInstall {

  /** What a transfer message is. */
  enum Kind {
    /** Leader → spare: the plan and digest are known (held here), start pulling. */
    OFFER,
    /** Spare → leader: send chunk {@code seq}. */
    REQUEST,
    /** Leader → spare: chunk {@code seq}. */
    CHUNK,
    /** Spare → leader: the state is journaled. */
    INSTALLED
  }

  /** A transfer message on the wire. */
  record Wire(int from, int to, int install, Kind kind, int seq) {}

  /** The decoded state: the log and the evicted ids. */
  record State(List<Entry<SimCommand>> entries, Set<Integer> evictedIds) {}

  final int id;
  final int leaderNode;
  final long leaderInstance;
  final long leaderTerm;
  final int spare;
  final long lastIndex;
  final long lastTerm;
  final byte[] bytes;
  final byte[] sha256;
  final SnapshotPlan plan;
  SnapshotAssembly assembly;

  /** The leader's side of the join: its install bound ({@link NodeJoin#timedOut}). */
  NodeJoin join;

  boolean over;
  boolean added;

  SimInstall(
      int id,
      int leaderNode,
      long leaderInstance,
      long leaderTerm,
      int spare,
      List<Entry<SimCommand>> log,
      Set<Integer> evictedIds,
      int chunkBytes) {
    this.id = id;
    this.leaderNode = leaderNode;
    this.leaderInstance = leaderInstance;
    this.leaderTerm = leaderTerm;
    this.spare = spare;
    this.lastIndex = log.size();
    this.lastTerm = log.get(log.size() - 1).term();
    this.bytes = encode(log, evictedIds);
    this.sha256 = sha256(bytes);
    this.plan = new SnapshotPlan(bytes.length, chunkBytes);
  }

  /** The bytes of chunk {@code seq}. */
  byte[] chunk(int seq) {
    int from = (int) plan.offset(seq);
    return Arrays.copyOfRange(bytes, from, from + plan.length(seq));
  }

  static byte[] encode(List<Entry<SimCommand>> log, Set<Integer> evictedIds) {
    ByteArrayOutputStream buffer = new ByteArrayOutputStream();
    try (DataOutputStream out = new DataOutputStream(buffer)) {
      out.writeInt(evictedIds.size());
      for (int id : evictedIds) {
        out.writeInt(id);
      }
      out.writeInt(log.size());
      for (Entry<SimCommand> e : log) {
        SimCommand c = e.command();
        out.writeLong(e.term());
        out.writeLong(e.index());
        out.writeLong(c.requestId());
        out.writeInt(c.removes());
        out.writeInt(c.adds());
        out.writeBoolean(c.dead());
        out.write(new byte[(int) c.bytes()]); // the entry's payload
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return buffer.toByteArray();
  }

  static State decode(byte[] bytes) {
    try (DataInputStream in = new DataInputStream(new ByteArrayInputStream(bytes))) {
      Set<Integer> evicted = new TreeSet<>();
      for (int n = in.readInt(); n > 0; n--) {
        evicted.add(in.readInt());
      }
      List<Entry<SimCommand>> entries = new ArrayList<>();
      for (int n = in.readInt(); n > 0; n--) {
        long term = in.readLong();
        long index = in.readLong();
        SimCommand c = new SimCommand(in.readLong(), in.readInt(), in.readInt(), in.readBoolean());
        in.skipNBytes(c.bytes());
        entries.add(new Entry<>(term, index, c));
      }
      if (in.available() != 0) {
        throw new IllegalStateException("trailing bytes in a snapshot");
      }
      return new State(entries, evicted);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static byte[] sha256(byte[] bytes) {
    try {
      return MessageDigest.getInstance("SHA-256").digest(bytes);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }
}
