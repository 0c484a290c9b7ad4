package io.openkms.http.ops;

import com.google.protobuf.Timestamp;
import io.openkms.http.proto.ProfileStatusResponse;
import io.openkms.kms.domain.ApiError;
import io.openkms.kms.domain.KmsException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import jdk.jfr.Recording;

/**
 * Profiling of this node ({@code /v1/debug/pprof}, {@code minkms pprof}) with JDK Flight Recorder
 * instead of Go's pprof. One recording at a time, bounded in time ({@code
 * minkms.ops.pprof-max-duration}: the recording stops by itself, its data stays until downloaded)
 * and in size on disk ({@code minkms.ops.pprof-max-bytes}: JFR drops the oldest chunks past it).
 * The reference's flags map to JFR events as follows:
 *
 * <table>
 *   <caption>pprof → JFR</caption>
 *   <tr><th>pprof</th><th>JFR events</th></tr>
 *   <tr><td>{@code cpu}</td><td>{@code jdk.ExecutionSample} every 10 ms,
 *       {@code jdk.NativeMethodSample} every 20 ms, {@code jdk.CPULoad} every 1 s</td></tr>
 *   <tr><td>{@code heap}</td><td>{@code jdk.ObjectAllocationSample} (150/s, with stacks),
 *       {@code jdk.GCHeapSummary}, {@code jdk.GarbageCollection}, {@code jdk.OldObjectSample}</td></tr>
 *   <tr><td>{@code thread=runtime|os|all}</td><td>{@code jdk.ThreadStart}, {@code jdk.ThreadEnd},
 *       {@code jdk.JavaThreadStatistics} every 1 s, {@code jdk.ThreadDump} every 10 s</td></tr>
 *   <tr><td>{@code block=N}</td><td>{@code jdk.ThreadPark} and {@code jdk.ThreadSleep} longer
 *       than max(N ns, 1 ms), with stacks</td></tr>
 *   <tr><td>{@code mutex=N}</td><td>{@code jdk.JavaMonitorEnter} and {@code jdk.JavaMonitorWait}
 *       longer than 1 ms (JFR has no sampling fraction: every such event is kept)</td></tr>
 * </table>
 *
 * {@code Goroutine} and {@code Thread} of the status both report the thread events.
 */
public final class JfrProfiler {

  /** The file name of the recording inside the archive. */
  public static final String FILE_NAME = "profile.jfr";

  /** What to record (the query of {@code POST /v1/debug/pprof}). */
  public record Settings(
      boolean cpu,
      boolean heap,
      boolean goroutine,
      boolean thread,
      int blockRate,
      int mutexFraction) {}

  private final Duration maxDuration;
  private final long maxBytes;
  private final Clock clock;
  private Recording recording;
  private Settings settings;
  private Instant started;

  /**
   * @param maxDuration the longest recording ({@code minkms.ops.pprof-max-duration})
   * @param maxBytes the most recorded data kept on disk ({@code minkms.ops.pprof-max-bytes})
   */
  public JfrProfiler(Duration maxDuration, long maxBytes, Clock clock) {
    this.maxDuration = maxDuration;
    this.maxBytes = maxBytes;
    this.clock = clock;
  }

  /**
   * Starts a recording.
   *
   * @throws KmsException 409 {@code profiling is already running since <time>}; 400 {@code invalid
   *     profile request: nothing to profile} when every setting is off
   */
  public synchronized ProfileStatusResponse start(Settings s) {
    if (recording != null) {
      throw ApiError.profilingRunning(started);
    }
    if (!s.cpu()
        && !s.heap()
        && !s.goroutine()
        && !s.thread()
        && s.blockRate() <= 0
        && s.mutexFraction() <= 0) {
      throw ApiError.NOTHING_TO_PROFILE.exception();
    }
    Recording r = new Recording();
    r.setName("minkms-pprof");
    r.setToDisk(true);
    r.setMaxSize(maxBytes);
    r.setDuration(maxDuration);
    if (s.cpu()) {
      r.enable("jdk.ExecutionSample").withPeriod(Duration.ofMillis(10));
      r.enable("jdk.NativeMethodSample").withPeriod(Duration.ofMillis(20));
      r.enable("jdk.CPULoad").withPeriod(Duration.ofSeconds(1));
    }
    if (s.heap()) {
      r.enable("jdk.ObjectAllocationSample").with("throttle", "150/s").withStackTrace();
      r.enable("jdk.GCHeapSummary");
      r.enable("jdk.GarbageCollection");
      r.enable("jdk.OldObjectSample").withStackTrace();
    }
    if (s.goroutine() || s.thread()) {
      r.enable("jdk.ThreadStart");
      r.enable("jdk.ThreadEnd");
      r.enable("jdk.JavaThreadStatistics").withPeriod(Duration.ofSeconds(1));
      r.enable("jdk.ThreadDump").withPeriod(Duration.ofSeconds(10));
    }
    if (s.blockRate() > 0) {
      Duration threshold = Duration.ofNanos(Math.max(s.blockRate(), 1_000_000));
      r.enable("jdk.ThreadPark").withThreshold(threshold).withStackTrace();
      r.enable("jdk.ThreadSleep").withThreshold(threshold).withStackTrace();
    }
    if (s.mutexFraction() > 0) {
      r.enable("jdk.JavaMonitorEnter").withThreshold(Duration.ofMillis(1)).withStackTrace();
      r.enable("jdk.JavaMonitorWait").withThreshold(Duration.ofMillis(1)).withStackTrace();
    }
    r.start();
    recording = r;
    settings = s;
    started = clock.instant();
    return status();
  }

  /** The running (or finished, not yet downloaded) recording; an empty status when none. */
  public synchronized ProfileStatusResponse status() {
    if (recording == null) {
      return ProfileStatusResponse.getDefaultInstance();
    }
    return ProfileStatusResponse.newBuilder()
        .setStarted(
            Timestamp.newBuilder().setSeconds(started.getEpochSecond()).setNanos(started.getNano()))
        .setCPU(settings.cpu())
        .setHeap(settings.heap())
        .setGoroutine(settings.goroutine())
        .setThread(settings.thread())
        .setBlockRate(Math.max(0, settings.blockRate()))
        .setMutexFraction(Math.max(0, settings.mutexFraction()))
        .build();
  }

  /** True while a recording exists (running, or stopped by its time bound). */
  public synchronized boolean active() {
    return recording != null;
  }

  /**
   * Stops the recording and returns it as a TAR archive holding {@value #FILE_NAME} (open it with
   * {@code jfr print} or JDK Mission Control).
   *
   * @throws KmsException 404 {@code profiling is not running}
   */
  public synchronized byte[] stop() {
    if (recording == null) {
      throw ApiError.PROFILING_NOT_RUNNING.exception();
    }
    Recording r = recording;
    Instant at = started;
    recording = null;
    settings = null;
    started = null;
    Path file = null;
    try {
      file = Files.createTempFile("minkms-pprof-", ".jfr");
      if (r.getState() == jdk.jfr.RecordingState.RUNNING) {
        r.stop();
      }
      r.dump(file);
      byte[] data;
      try (InputStream in = Files.newInputStream(file)) {
        data = in.readNBytes((int) Math.min(Integer.MAX_VALUE - 8, 2 * maxBytes + (16 << 20)));
      }
      return Tar.write(List.of(new Tar.Entry(FILE_NAME, data, at.getEpochSecond())));
    } catch (IOException | IllegalStateException e) {
      throw ApiError.profileNotWritten(e.getMessage());
    } finally {
      r.close();
      if (file != null) {
        try {
          Files.deleteIfExists(file);
        } catch (IOException e) {
          // a temporary file left behind
        }
      }
    }
  }
}
