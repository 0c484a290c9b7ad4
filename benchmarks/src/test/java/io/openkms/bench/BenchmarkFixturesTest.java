package io.openkms.bench;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.openkms.http.wire.Frame;
import io.openkms.kms.crypto.ApiKey;
import io.openkms.kms.crypto.Identity;
import io.openkms.kms.crypto.KeyRing;
import io.openkms.kms.domain.Authorizer;
import io.openkms.kms.domain.Command;
import io.openkms.kms.domain.KmsException;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * Runs each benchmark's setup and methods once and checks they measure what they claim: the AEAD
 * round trip gives the data key back, lookups find the expected version, frames round-trip, the
 * identity cache holds the certificate's identity, and the policy allows the benchmarked call (and
 * denies what it should).
 */
class BenchmarkFixturesTest {

  @Test
  void aeadSealsAndOpensTheDataKeyForBothTypes() throws Exception {
    for (String type : List.of("AES256", "CHACHA20")) {
      AeadBenchmark b = new AeadBenchmark();
      b.type = type;
      b.setUp();
      assertEquals(32 + 44, b.seal().length, type);
      assertEquals(32 + 44, b.generate().length, type);
      assertArrayEquals(b.dataKey, b.open(), type);
      assertArrayEquals(b.dataKey, b.version.decrypt(b.seal(), b.associatedData), type);
    }
  }

  @Test
  void trialDecryptionFindsTheOldestVersionAfterTryingAllForBothTypes() {
    for (String type : List.of("AES256", "CHACHA20")) {
      TrialDecryptBenchmark b = new TrialDecryptBenchmark();
      b.type = type;
      b.versions = 10;
      b.setUp();
      KeyRing.Attempt a = b.versionZero();
      assertEquals(1, a.decrypted().version(), type);
      assertEquals(10, a.tried(), type);
      assertEquals(32, a.decrypted().plaintext().length, type);
    }
  }

  @Test
  void keyRingLookupsFindTheExpectedVersions() {
    KeyRingBenchmark one = new KeyRingBenchmark();
    one.versions = 1;
    one.setUp();
    assertEquals(1, one.latest().orElseThrow().version());
    assertEquals(1, one.given().orElseThrow().version());
    assertEquals(1, one.fromState().orElseThrow().version());

    KeyRingBenchmark many = new KeyRingBenchmark();
    many.versions = 1000;
    many.setUp();
    assertEquals(1000, many.ring.size());
    assertEquals(1000, many.latest().orElseThrow().version());
    assertEquals(500, many.given().orElseThrow().version());
    assertEquals(1000, many.fromState().orElseThrow().version());
  }

  @Test
  void framesRoundTripAHundredFrameBatch() throws Exception {
    FramesBenchmark b = new FramesBenchmark();
    b.setUp();
    // 100 × (6-byte header + 79-byte payload: 0a 09 name, 1a 40 AD, 20 20 length)
    assertEquals(100 * (6 + 79), b.body.length);
    assertArrayEquals(b.body, b.encode());
    List<Frame> decoded = b.decode();
    assertEquals(100, decoded.size());
    assertEquals(207, decoded.get(99).commandId());
    assertEquals(100, b.decodeAndParse().size());
    assertEquals("minio-key", b.decodeAndParse().get(0).getName());
    assertEquals(32, b.decodeAndParse().get(0).getLength());
  }

  @Test
  void identityPathsAgreeOnTheClientIdentity() throws Exception {
    ApiKey key = ApiKey.generate();
    IdentityBenchmark b = new IdentityBenchmark();
    b.session = InMemoryTls.serverSession(key);
    b.spki = IdentityBenchmark.spki(b.session);
    b.session.putValue(IdentityBenchmark.SESSION_KEY, Identity.ofSpki(b.spki));
    assertEquals(key.identity(), b.ofSpki());
    assertEquals(key.identity(), b.uncached());
    assertEquals(key.identity(), b.cached());

    IdentityBenchmark viaSetUp = new IdentityBenchmark();
    viaSetUp.setUp();
    assertSame(viaSetUp.cached(), viaSetUp.cached());
  }

  @Test
  void authorizerAllowsTheBenchmarkedCallsAndDeniesOthers() {
    AuthorizerBenchmark b = new AuthorizerBenchmark();
    b.setUp();
    assertSame(b.state, b.user());
    assertSame(b.state, b.sysAdmin());
    assertEquals(
        5,
        Fixtures.fiveRulePolicy().allow().values().stream().mapToInt(Set::size).sum()
            + Fixtures.fiveRulePolicy().deny().values().stream().mapToInt(Set::size).sum());
    KmsException denied =
        assertThrows(
            KmsException.class,
            () ->
                Authorizer.authorize(
                    b.state,
                    b.user,
                    b.roots,
                    AuthorizerBenchmark.ENCLAVE,
                    Command.KEY_DECRYPT,
                    "minio-secret"));
    assertEquals(403, denied.status());
    assertEquals("access denied: insufficient permissions", denied.message());
    assertThrows(
        KmsException.class,
        () ->
            Authorizer.authorize(
                b.state,
                b.user,
                b.roots,
                AuthorizerBenchmark.ENCLAVE,
                Command.KEY_ENCRYPT,
                "minio-key"));
    assertDoesNotThrow(
        () ->
            Authorizer.authorize(
                b.state,
                b.user,
                b.roots,
                AuthorizerBenchmark.ENCLAVE,
                Command.KEY_STATUS,
                "anything"));
  }

  @Test
  void generateKeyPathAnswersEveryFrame() throws Exception {
    for (int frames : new int[] {1, 100}) {
      GenerateKeyPathBenchmark b = new GenerateKeyPathBenchmark();
      b.frames = frames;
      b.setUp();
      List<Frame> out = io.openkms.http.wire.Frames.decode(b.request());
      assertEquals(frames, out.size());
      io.openkms.http.proto.GenerateKeyResponse r =
          io.openkms.http.proto.GenerateKeyResponse.parseFrom(out.get(frames - 1).payload());
      assertEquals(1, r.getVersion());
      assertEquals(32, r.getPlaintext().size());
      assertEquals(32 + 44, r.getCiphertext().size());
    }
  }
}
