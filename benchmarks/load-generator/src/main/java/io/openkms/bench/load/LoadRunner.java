package io.openkms.bench.load;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.LongSupplier;

/**
 * Runs one step of a benchmark: {@code concurrency} worker threads, each sending one request after
 * the other (closed loop, so the concurrency is the number of requests in flight), first for the
 * warm-up time without measuring, then for the measured time. A worker starts no request after the
 * end of the measured time; one in flight then is waited for (up to {@code requestTimeout}) and
 * still counted. Bounded: the threads are daemons and are interrupted if they have not ended {@code
 * requestTimeout} after the step's end (then waited for at most {@value #INTERRUPT_GRACE_MILLIS} ms
 * more each).
 */
public final class LoadRunner {

  /** Most latency values kept per step, over all workers (8 bytes each). */
  public static final int MAX_SAMPLES_PER_STEP = 1 << 20;

  /** Fewest latency values kept per worker. */
  public static final int MIN_SAMPLES_PER_WORKER = 4096;

  /** One request of a step. */
  @FunctionalInterface
  public interface Request {
    /**
     * Sends one request and waits for its answer.
     *
     * @param worker the worker's index, 0 … concurrency − 1
     * @param sequence this worker's request number, from 0
     * @throws Exception if the request failed: counted as an error
     */
    void send(int worker, long sequence) throws Exception;
  }

  /** How long to wait for a worker after interrupting it, ms. */
  static final long INTERRUPT_GRACE_MILLIS = 1_000;

  private final LongSupplier nanoClock = System::nanoTime;

  /**
   * Runs the step and waits for it.
   *
   * @param operation recorded in the result
   * @param concurrency worker threads, at least 1
   * @param batch frames per request, recorded in the result
   * @param warmup unmeasured time
   * @param duration measured time
   * @param requestTimeout how long to wait past the end for requests in flight
   * @param request the request
   * @throws InterruptedException if the calling thread is interrupted while waiting
   */
  public StepResult run(
      BenchOperation operation,
      int concurrency,
      int batch,
      Duration warmup,
      Duration duration,
      Duration requestTimeout,
      Request request)
      throws InterruptedException {
    int capacity = Math.max(MIN_SAMPLES_PER_WORKER, MAX_SAMPLES_PER_STEP / concurrency);
    List<Worker> workers = new ArrayList<>(concurrency);
    CountDownLatch ready = new CountDownLatch(concurrency);
    CountDownLatch go = new CountDownLatch(1);
    long[] times = new long[2]; // measure start, measure end (ns, nanoClock)
    AtomicReference<String> firstError = new AtomicReference<>("");
    for (int i = 0; i < concurrency; i++) {
      Worker w =
          new Worker(
              i,
              new LatencySamples(capacity, 0x5eed + i),
              request,
              nanoClock,
              times,
              ready,
              go,
              firstError);
      workers.add(w);
    }
    List<Thread> threads = new ArrayList<>(concurrency);
    for (Worker w : workers) {
      Thread t = new Thread(w, "bench-" + operation.text() + "-" + w.index);
      t.setDaemon(true);
      threads.add(t);
      t.start();
    }
    ready.await();
    long start = nanoClock.getAsLong();
    times[0] = start + warmup.toNanos();
    times[1] = times[0] + duration.toNanos();
    go.countDown(); // happens-before: workers read times[] after this
    long deadline = start + warmup.toNanos() + duration.toNanos() + requestTimeout.toNanos();
    for (Thread t : threads) {
      long left = deadline - nanoClock.getAsLong();
      if (left > 0) {
        TimeUnit.NANOSECONDS.timedJoin(t, left);
      }
      if (t.isAlive()) {
        t.interrupt();
        t.join(INTERRUPT_GRACE_MILLIS);
      }
    }
    List<LatencySamples> samples = new ArrayList<>(concurrency);
    long requests = 0;
    long errors = 0;
    long lastEnd = times[0];
    for (int i = 0; i < concurrency; i++) {
      Worker w = workers.get(i); // ended: join() made its writes visible
      samples.add(w.samples);
      requests += w.samples.count();
      errors += w.errors;
      lastEnd = Math.max(lastEnd, w.lastEnd);
    }
    double elapsedMillis = Math.max(lastEnd, times[1]) - times[0];
    return new StepResult(
        operation,
        concurrency,
        batch,
        requests,
        errors,
        elapsedMillis / 1_000_000.0,
        Latencies.of(samples),
        firstError.get());
  }

  /** One closed-loop worker. Its results are read once its thread has ended. */
  private static final class Worker implements Runnable {
    final int index;
    final LatencySamples samples;
    final Request request;
    final LongSupplier clock;
    final long[] times;
    final CountDownLatch ready;
    final CountDownLatch go;
    final AtomicReference<String> firstError;
    long errors;
    long lastEnd;

    Worker(
        int index,
        LatencySamples samples,
        Request request,
        LongSupplier clock,
        long[] times,
        CountDownLatch ready,
        CountDownLatch go,
        AtomicReference<String> firstError) {
      this.index = index;
      this.samples = samples;
      this.request = request;
      this.clock = clock;
      this.times = times;
      this.ready = ready;
      this.go = go;
      this.firstError = firstError;
    }

    @Override
    public void run() {
      ready.countDown();
      try {
        go.await();
      } catch (InterruptedException e) {
        return;
      }
      long measureStart = times[0];
      long measureEnd = times[1];
      long sequence = 0;
      long now = clock.getAsLong();
      while (now < measureStart && !Thread.currentThread().isInterrupted()) {
        try {
          request.send(index, sequence++);
        } catch (Exception e) {
          // warm-up failures are not counted
        }
        now = clock.getAsLong();
      }
      while (now < measureEnd && !Thread.currentThread().isInterrupted()) {
        long t0 = now;
        boolean ok;
        try {
          request.send(index, sequence++);
          ok = true;
        } catch (Exception e) {
          ok = false;
          firstError.compareAndSet("", message(e));
        }
        now = clock.getAsLong();
        if (t0 >= measureStart) {
          if (ok) {
            samples.record(now - t0);
          } else {
            errors++;
          }
          lastEnd = now;
        }
      }
    }

    private static String message(Exception e) {
      String m = e.getMessage();
      return m == null || m.isBlank()
          ? e.getClass().getSimpleName()
          : m.strip().replaceAll("\\s*\\R\\s*", " ");
    }
  }
}
