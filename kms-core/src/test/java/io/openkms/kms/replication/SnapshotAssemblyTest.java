package io.openkms.kms.replication;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.openkms.kms.replication.SnapshotAssembly.Status;
import io.openkms.kms.replication.SnapshotAssembly.Step;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * Chunk planning and the joining node's reassembly of a snapshot ({@link SnapshotPlan}, {@link
 * SnapshotAssembly}): rule tests, then a seeded "large state" simulation in which chunks are lost,
 * duplicated, reordered, delayed and corrupted, and the transfer must end with exactly the leader's
 * bytes, or fail (never complete with other bytes).
 */
class SnapshotAssemblyTest {

  static byte[] snapshot(int length, long seed) {
    byte[] bytes = new byte[length];
    new Random(seed).nextBytes(bytes);
    return bytes;
  }

  static byte[] chunk(byte[] snapshot, SnapshotPlan plan, int seq) {
    int from = (int) plan.offset(seq);
    return Arrays.copyOfRange(snapshot, from, from + plan.length(seq));
  }

  @Test
  void planCutsTheSnapshotInChunksOfTheGivenSize() {
    SnapshotPlan plan = new SnapshotPlan(10, 4);
    assertEquals(3, plan.chunkCount());
    assertEquals(List.of(0L, 4L, 8L), List.of(plan.offset(0), plan.offset(1), plan.offset(2)));
    assertEquals(List.of(4, 4, 2), List.of(plan.length(0), plan.length(1), plan.length(2)));
    assertEquals(2, new SnapshotPlan(8, 4).chunkCount());
    assertEquals(0, new SnapshotPlan(0, 4).chunkCount());
    assertEquals(160, new SnapshotPlan(20L << 20, SnapshotPlan.DEFAULT_CHUNK_BYTES).chunkCount());
    assertThrows(IllegalArgumentException.class, () -> plan.offset(3));
    assertThrows(IllegalArgumentException.class, () -> new SnapshotPlan(-1, 4));
    assertThrows(IllegalArgumentException.class, () -> new SnapshotPlan(1, 0));
    assertTrue(SnapshotPlan.DEFAULT_CHUNK_BYTES <= 128 << 10, "well below the 256 KiB frame");
  }

  @Test
  void pullsAWindowAtATimeAndChecksTheDigest() {
    byte[] bytes = snapshot(10, 1);
    SnapshotPlan plan = new SnapshotPlan(10, 4);
    SnapshotAssembly a = new SnapshotAssembly(plan, SnapshotAssembly.sha256(bytes), 2, 100, 1_000);
    assertEquals(new Step(List.of(0, 1), Status.RECEIVING, ""), a.start(0));
    // out of order, then a duplicate and a chunk of the wrong length: ignored
    assertEquals(new Step(List.of(2), Status.RECEIVING, ""), a.accept(1, chunk(bytes, plan, 1), 5));
    assertEquals(new Step(List.of(), Status.RECEIVING, ""), a.accept(1, chunk(bytes, plan, 1), 6));
    assertEquals(new Step(List.of(), Status.RECEIVING, ""), a.accept(0, new byte[3], 7));
    assertEquals(new Step(List.of(), Status.RECEIVING, ""), a.accept(7, new byte[4], 7));
    // unanswered requests are repeated after the resend interval
    assertEquals(new Step(List.of(), Status.RECEIVING, ""), a.tick(50));
    assertEquals(new Step(List.of(0, 2), Status.RECEIVING, ""), a.tick(106));
    assertEquals(
        new Step(List.of(), Status.RECEIVING, ""), a.accept(2, chunk(bytes, plan, 2), 110));
    assertEquals(new Step(List.of(), Status.COMPLETE, ""), a.accept(0, chunk(bytes, plan, 0), 120));
    assertArrayEquals(bytes, a.bytes());
    assertEquals(3, a.receivedChunks());
  }

  @Test
  void anEmptySnapshotCompletesAtOnce() {
    SnapshotAssembly a =
        new SnapshotAssembly(
            new SnapshotPlan(0, 4), SnapshotAssembly.sha256(new byte[0]), 2, 100, 1_000);
    assertEquals(new Step(List.of(), Status.COMPLETE, ""), a.start(0));
    assertEquals(0, a.bytes().length);
  }

  @Test
  void otherBytesFailTheDigestAndSilenceFailsTheTransfer() {
    byte[] bytes = snapshot(8, 2);
    SnapshotPlan plan = new SnapshotPlan(8, 4);
    SnapshotAssembly corrupt =
        new SnapshotAssembly(plan, SnapshotAssembly.sha256(bytes), 2, 100, 1_000);
    corrupt.start(0);
    corrupt.accept(0, chunk(bytes, plan, 0), 1);
    byte[] flipped = chunk(bytes, plan, 1);
    flipped[0] ^= 1;
    assertEquals(
        new Step(List.of(), Status.FAILED, "digest mismatch over 8 bytes"),
        corrupt.accept(1, flipped, 2));
    assertThrows(IllegalStateException.class, corrupt::bytes);

    SnapshotAssembly silent =
        new SnapshotAssembly(plan, SnapshotAssembly.sha256(bytes), 2, 100, 1_000);
    silent.start(0);
    silent.accept(0, chunk(bytes, plan, 0), 500);
    assertEquals(Status.RECEIVING, silent.tick(1_499).status());
    assertEquals(
        new Step(List.of(), Status.FAILED, "no chunk arrived within 1000 ms"), silent.tick(1_500));
    assertThrows(
        IllegalArgumentException.class,
        () -> new SnapshotAssembly(plan, new byte[31], 2, 100, 1_000));
  }

  /**
   * The "large state" fault kind: 300 seeds, snapshots of 0 to 1 MB in chunks of 1 B to 64 KiB,
   * windows of 1 to 8, over a network that loses, duplicates, reorders and (rarely) corrupts
   * chunks. Every transfer ends; one that completes holds exactly the leader's bytes, one with a
   * corrupted chunk never completes.
   */
  @Test
  void largeStatesCrossALossyNetworkIntactOrNotAtAll() {
    int completed = 0;
    int failed = 0;
    for (long seed = 0; seed < 300; seed++) {
      Random random = new Random(seed);
      boolean small = random.nextInt(4) == 0;
      int length = small ? random.nextInt(100) : random.nextInt(1 << 20);
      byte[] bytes = snapshot(length, seed);
      SnapshotPlan plan =
          new SnapshotPlan(
              length, small ? 1 + random.nextInt(16) : (4 << 10) + random.nextInt(60 << 10));
      boolean corruptOne = random.nextInt(10) == 0;
      SnapshotAssembly a =
          new SnapshotAssembly(
              plan, SnapshotAssembly.sha256(bytes), 1 + random.nextInt(8), 200, 5_000);
      List<Integer> wire = new ArrayList<>(); // requested chunks not yet answered
      long now = 0;
      Step step = a.start(now);
      wire.addAll(step.request());
      boolean corrupted = false;
      for (int i = 0; i < 1_000_000 && step.status() == Status.RECEIVING; i++) {
        int roll = random.nextInt(100);
        if (wire.isEmpty() || roll < 10) {
          now += 1 + random.nextInt(150);
          step = a.tick(now);
        } else {
          int seq = wire.remove(random.nextInt(wire.size())); // any order
          if (roll < 20) {
            continue; // lost
          }
          if (roll < 25) {
            wire.add(seq); // duplicated
          }
          byte[] data = chunk(bytes, plan, seq);
          if (corruptOne && !corrupted && data.length > 0) {
            data[random.nextInt(data.length)] ^= 0x40;
            corrupted = true;
          }
          step = a.accept(seq, data, now);
        }
        wire.addAll(step.request());
      }
      if (step.status() == Status.COMPLETE) {
        completed++;
        assertTrue(!corrupted, "seed " + seed + ": completed with a corrupted chunk");
        assertArrayEquals(bytes, a.bytes(), "seed " + seed);
      } else {
        assertEquals(Status.FAILED, step.status(), "seed " + seed + " did not end");
        failed++;
        assertTrue(corrupted, "seed " + seed + " failed without corruption: " + step.reason());
      }
    }
    assertTrue(completed > 250 && failed > 10, completed + " completed, " + failed + " failed");
  }
}
