package io.openkms.kms.actors;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.openkms.kms.domain.ApiError;
import io.openkms.kms.domain.KmsException;
import java.time.Duration;
import java.util.concurrent.CompletionException;
import java.util.concurrent.TimeoutException;
import org.junit.jupiter.api.Test;

/**
 * The answer of a single node's write: an ask to its leader that timed out was in its mailbox, so
 * the write is in doubt (before: the edge answered the bare TimeoutException as a body timeout).
 */
class LocalNodeAnswerTest {

  @Test
  void aTimedOutAskIsInDoubt() {
    KmsException e =
        assertThrows(
            KmsException.class,
            () ->
                LocalNode.answer(
                    null,
                    new CompletionException(new TimeoutException("ask")),
                    Duration.ofSeconds(15)));
    assertEquals(ApiError.leaderInDoubt(15_000).message(), e.message());
  }

  @Test
  void aResultIsPassedOn() {
    assertEquals(7, LocalNode.answer(Leader.WriteResult.committed(7), null, Duration.ofSeconds(1)));
    KmsException refused = ApiError.noLeader(10_000);
    KmsException e =
        assertThrows(
            KmsException.class,
            () ->
                LocalNode.answer(Leader.WriteResult.failed(refused), null, Duration.ofSeconds(1)));
    assertEquals(refused.message(), e.message());
    KmsException direct =
        assertThrows(
            KmsException.class,
            () -> LocalNode.answer(null, new CompletionException(refused), Duration.ofSeconds(1)));
    assertEquals(refused.message(), direct.message());
  }
}
