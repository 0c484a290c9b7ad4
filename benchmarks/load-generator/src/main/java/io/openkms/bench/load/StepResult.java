package io.openkms.bench.load;

/**
 * The outcome of one measured step: one operation at one concurrency.
 *
 * @param operation what was sent
 * @param concurrency concurrent requests (worker threads)
 * @param batch frames per request
 * @param requests requests that succeeded during the measured time
 * @param errors requests that failed during the measured time
 * @param elapsedMillis measured time, ms: from the end of the warm-up until the last measured
 *     request returned
 * @param latencies percentiles of the successful requests' latencies
 * @param firstError the first failure's message, {@code ""} if none
 */
public record StepResult(
    BenchOperation operation,
    int concurrency,
    int batch,
    long requests,
    long errors,
    double elapsedMillis,
    Latencies latencies,
    String firstError) {

  /** Successful requests per second (0 when no time elapsed). */
  public double requestsPerSecond() {
    return elapsedMillis <= 0 ? 0 : requests * 1000.0 / elapsedMillis;
  }

  /**
   * Operations per second: {@link #requestsPerSecond()} × {@link #batch()}; for generate and
   * decrypt, data keys per second.
   */
  public double opsPerSecond() {
    return requestsPerSecond() * batch;
  }
}
