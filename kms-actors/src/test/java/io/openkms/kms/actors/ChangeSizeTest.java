package io.openkms.kms.actors;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.openkms.kms.crypto.Identity;
import io.openkms.kms.domain.Change;
import io.openkms.kms.domain.Changes;
import io.openkms.kms.domain.KmsException;
import io.openkms.kms.replication.MessageBudget;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.apache.pekko.actor.typed.ActorSystem;
import org.junit.jupiter.api.Test;

/**
 * Issue 13 "one oversized write stops all cluster writes for good" and issue 12 "one entry that a
 * member cannot receive": a change larger than {@code limits: max_change_size}, or one that cannot
 * be serialized for the wire, is refused with 400 before it gets a log index, and the next write
 * commits at the next index.
 */
class ChangeSizeTest {

  private static final Duration WRITE = Duration.ofSeconds(10);

  /** A policy of {@code patterns} patterns of 80 characters (about 84 bytes each on the wire). */
  static Change policy(String name, int patterns) {
    List<String> allow = new ArrayList<>();
    for (int i = 0; i < patterns; i++) {
      allow.add(String.format("%080d", i));
    }
    return Changes.system()
        .createPolicy("e", name, Map.of("KEY:ENCRYPT", allow), Map.of(), Identity.ZERO);
  }

  private static long write(LocalNode node, Change change) throws Exception {
    return node.write(change).toCompletableFuture().get(20, TimeUnit.SECONDS);
  }

  private static KmsException refused(LocalNode node, Change change) {
    ExecutionException e = assertThrows(ExecutionException.class, () -> write(node, change));
    return assertInstanceOf(KmsException.class, e.getCause());
  }

  @Test
  void aChangeAboveTheLimitIsRefusedWith400AndTheNextWriteCommits() throws Exception {
    try (NodeStore store = NodeStore.create()) {
      ActorSystem<Void> system = store.openSystem("change-size-test");
      try {
        LocalNode node =
            LocalNode.start(system, "127.0.0.1:7373", WRITE)
                .toCompletableFuture()
                .get(30, TimeUnit.SECONDS);
        assertEquals(2, write(node, new Change.CreateEnclave("e", Instant.EPOCH, Identity.ZERO)));

        // 4,000 patterns: about 336 KB, as in the reproduction
        KmsException tooLarge = refused(node, policy("huge", 4_000));
        assertEquals(400, tooLarge.status());
        assertTrue(
            tooLarge
                .message()
                .matches(
                    "change too large: \\d{6} bytes, the limit is "
                        + MessageBudget.DEFAULT_MAX_CHANGE_BYTES
                        + " bytes \\(limits: max_change_size\\)"),
            tooLarge.message());
        assertEquals(2, node.replicaState().lastIndex(), "no index was assigned");
        // the next write, and one just below the limit (~1,500 patterns), commit at once
        assertEquals(3, write(node, new Change.CreateEnclave("e2", Instant.EPOCH, Identity.ZERO)));
        assertEquals(4, write(node, policy("large", 1_400)));

        // a lower configured limit applies to the next write
        node.setMaxChangeBytes(4_096);
        KmsException lowered = refused(node, policy("mid", 100));
        assertTrue(
            lowered.message().endsWith("the limit is 4096 bytes (limits: max_change_size)"),
            lowered.message());
        assertThrows(
            IllegalArgumentException.class,
            () -> node.setMaxChangeBytes(MessageBudget.MAX_MESSAGE_BYTES + 1));

        // a change that cannot be serialized for the wire (a lone UTF-16 surrogate) fails alone
        KmsException unserializable =
            assertThrows(
                KmsException.class,
                () ->
                    node.checkChange(
                        new Change.CreateEnclave("\uD800x", Instant.EPOCH, Identity.ZERO)));
        assertEquals(400, unserializable.status());
        assertTrue(
            unserializable.message().startsWith("change cannot be replicated: "),
            unserializable.message());
        assertEquals(5, write(node, new Change.CreateEnclave("e3", Instant.EPOCH, Identity.ZERO)));
      } finally {
        NodeStore.stop(system);
      }
    }
  }
}
