package io.openkms.bench;

import com.google.protobuf.ByteString;
import io.openkms.http.proto.GenerateKeyRequest;
import io.openkms.http.wire.Frame;
import io.openkms.http.wire.Frames;
import io.openkms.kms.crypto.RandomSource;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * Command framing of a batch (docs/PROTOCOL.md §4.1): decode and encode a body of {@value #FRAMES}
 * {@code KEY:GENERATE} frames (each a {@code GenerateKeyRequest} for {@code minio-key} with 64
 * bytes of associated data and length 32: 79-byte payloads), and decode plus protobuf parse of
 * every frame, which is what the server does before the handlers run. Time per whole batch in ns.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 2, time = 1)
@Measurement(iterations = 3, time = 1)
@Fork(1)
public class FramesBenchmark {

  /** Frames per batch. */
  public static final int FRAMES = 100;

  /** Command id of {@code KEY:GENERATE} (docs/PROTOCOL.md §4.2). */
  public static final int KEY_GENERATE = 207;

  List<Frame> frames;
  byte[] body;

  /** Builds the frames and their encoded body. */
  @Setup(Level.Trial)
  public void setUp() {
    byte[] payload =
        GenerateKeyRequest.newBuilder()
            .setName("minio-key")
            .setAssociatedData(ByteString.copyFrom(RandomSource.secure().bytes(64)))
            .setLength(32)
            .build()
            .toByteArray();
    frames = new ArrayList<>(FRAMES);
    for (int i = 0; i < FRAMES; i++) {
      frames.add(new Frame(KEY_GENERATE, payload));
    }
    body = Frames.encode(frames);
  }

  /** {@link Frames#decode(byte[])} of the 100-frame body. */
  @Benchmark
  public List<Frame> decode() {
    return Frames.decode(body);
  }

  /** {@link Frames#encode(List)} of the 100 frames. */
  @Benchmark
  public byte[] encode() {
    return Frames.encode(frames);
  }

  /** Decode, then parse each payload as a {@code GenerateKeyRequest}. */
  @Benchmark
  public List<GenerateKeyRequest> decodeAndParse() throws Exception {
    List<Frame> decoded = Frames.decode(body);
    List<GenerateKeyRequest> out = new ArrayList<>(decoded.size());
    for (Frame f : decoded) {
      out.add(GenerateKeyRequest.parseFrom(f.payload()));
    }
    return out;
  }
}
