package io.openkms.kms.util;

import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;

/** Helpers for the failures of {@link java.util.concurrent.CompletionStage}s and futures. */
public final class Stages {
  private Stages() {}

  /**
   * The failure of a stage or future without the {@link CompletionException}s and {@link
   * ExecutionException}s that the stages and {@code get()} wrapped it in ({@code error} itself when
   * it is not wrapped, or a wrapper that has no cause).
   */
  public static Throwable cause(Throwable error) {
    Throwable cause = error;
    while ((cause instanceof CompletionException || cause instanceof ExecutionException)
        && cause.getCause() != null) {
      cause = cause.getCause();
    }
    return cause;
  }
}
