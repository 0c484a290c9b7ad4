package io.openkms.kms.util;

import static org.junit.jupiter.api.Assertions.assertSame;

import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import org.junit.jupiter.api.Test;

class StagesTest {
  @Test
  void unwrapsNestedCompletionAndExecutionExceptions() {
    IllegalStateException root = new IllegalStateException("root");
    assertSame(root, Stages.cause(new CompletionException(new ExecutionException(root))));
    assertSame(root, Stages.cause(root));
  }

  @Test
  void aWrapperWithoutCauseIsItsOwnCause() {
    CompletionException bare = new CompletionException("no cause", null);
    assertSame(bare, Stages.cause(bare));
  }
}
