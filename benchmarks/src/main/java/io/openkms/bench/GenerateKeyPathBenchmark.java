package io.openkms.bench;

import com.google.protobuf.ByteString;
import io.openkms.http.proto.GenerateKeyRequest;
import io.openkms.http.proto.GenerateKeyResponse;
import io.openkms.http.wire.Frame;
import io.openkms.http.wire.Frames;
import io.openkms.kms.crypto.ApiKey;
import io.openkms.kms.crypto.Identity;
import io.openkms.kms.crypto.KeyRing;
import io.openkms.kms.crypto.KeyType;
import io.openkms.kms.crypto.KeyVersion;
import io.openkms.kms.crypto.RandomSource;
import io.openkms.kms.domain.ApiError;
import io.openkms.kms.domain.Authorizer;
import io.openkms.kms.domain.Command;
import io.openkms.kms.domain.EnclaveState;
import io.openkms.kms.domain.KeyEntry;
import io.openkms.kms.domain.KmsState;
import io.openkms.kms.domain.Membership;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SSLSession;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * Everything the node does for one {@code KEY:GENERATE} request apart from HTTP and TLS, in the
 * order of {@code KmsApi.execute} and {@code KeyHandlers.generate} (which are package-private in
 * kms-http, so this mirrors them step by step): decode the frames, look up the caller's identity in
 * the TLS session, then per frame parse the {@code GenerateKeyRequest}, authorize a User with the
 * five-rule policy, look the key up in the state snapshot, draw 32 random bytes, seal them with 64
 * bytes of associated data, build the response; finally encode the padded response body. With 1
 * frame and with 100 frames per request. Time per request in ns: compare it with the node's CPU
 * time per request in the load test to see how much of it is ours.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 2, time = 1)
@Measurement(iterations = 3, time = 1)
@Fork(1)
public class GenerateKeyPathBenchmark {

  static final String ENCLAVE = "minio";
  static final String KEY = "minio-key";
  static final int KEY_GENERATE = 207;

  /** Frames per request. */
  @Param({"1", "100"})
  public int frames;

  KmsState state;
  Set<Identity> roots;
  SSLSession session;
  byte[] body;
  RandomSource random;

  /** A node state with the key and a User allowed by policy; one TLS session; the request. */
  @Setup(Level.Trial)
  public void setUp() throws Exception {
    ApiKey client = ApiKey.generate();
    Identity user = client.identity();
    KmsState withUser = Fixtures.stateWithUser(ENCLAVE, user);
    EnclaveState e =
        withUser
            .enclave(ENCLAVE)
            .withKey(
                new KeyEntry(
                    KEY,
                    KeyRing.of(
                        KeyVersion.generate(
                            1,
                            KeyType.AES256,
                            Instant.EPOCH,
                            Identity.ZERO,
                            RandomSource.secure())),
                    Instant.EPOCH,
                    Identity.ZERO));
    state = new KmsState(new TreeMap<>(Map.of(ENCLAVE, e)), null, Membership.empty(), 1);
    roots = Set.of(ApiKey.generate().identity());
    session = InMemoryTls.serverSession(client);
    session.putValue(IdentityBenchmark.SESSION_KEY, user);
    byte[] payload =
        GenerateKeyRequest.newBuilder()
            .setName(KEY)
            .setAssociatedData(ByteString.copyFrom(RandomSource.secure().bytes(64)))
            .setLength(32)
            .build()
            .toByteArray();
    List<Frame> request = new ArrayList<>();
    for (int i = 0; i < frames; i++) {
      request.add(new Frame(KEY_GENERATE, payload));
    }
    body = Frames.encode(request);
    random = RandomSource.secure();
  }

  /** One request: body in, response body out. */
  @Benchmark
  public byte[] request() throws Exception {
    List<Frame> in = Frames.decode(body);
    Identity caller = (Identity) session.getValue(IdentityBenchmark.SESSION_KEY);
    List<Frame> out = new ArrayList<>(in.size());
    for (Frame f : in) {
      GenerateKeyRequest req = GenerateKeyRequest.parseFrom(f.payload());
      Authorizer.authorize(state, caller, roots, ENCLAVE, Command.KEY_GENERATE, req.getName());
      KeyVersion v =
          state
              .key(ENCLAVE, req.getName())
              .ring()
              .version(ApiError.keyVersion(req.getVersion()))
              .orElseThrow();
      byte[] plaintext = new byte[ApiError.dataKeyLength(req.getLength())];
      random.nextBytes(plaintext);
      byte[] ciphertext = v.encrypt(plaintext, req.getAssociatedData().toByteArray());
      out.add(
          new Frame(
              f.commandId(),
              GenerateKeyResponse.newBuilder()
                  .setVersion(v.version())
                  .setPlaintext(ByteString.copyFrom(plaintext))
                  .setCiphertext(ByteString.copyFrom(ciphertext))
                  .build()
                  .toByteArray()));
    }
    return Frames.encodePadded(out);
  }
}
