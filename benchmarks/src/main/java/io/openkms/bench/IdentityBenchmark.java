package io.openkms.bench;

import io.openkms.kms.crypto.ApiKey;
import io.openkms.kms.crypto.Identity;
import java.security.cert.X509Certificate;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SSLSession;
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
 * The caller-identity step of a request (docs/PROTOCOL.md §2.2, docs/ARCHITECTURE.md §4), on the
 * server's real {@link SSLSession} of an in-memory TLS 1.3 handshake with an API key's certificate:
 *
 * <ul>
 *   <li>{@link #ofSpki}: {@code Identity.ofSpki} alone (SHA-256 of the 44-byte Ed25519 SPKI);
 *   <li>{@link #uncached}: what {@code CallerIdentity} does on a session's first request: peer
 *       certificate → DER → Bouncy Castle parse → SPKI → SHA-256;
 *   <li>{@link #cached}: what it does on every later request of the session: one {@code
 *       SSLSession.getValue} (the same key as {@code CallerIdentity}).
 * </ul>
 *
 * Time per lookup in ns.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 2, time = 1)
@Measurement(iterations = 3, time = 1)
@Fork(1)
public class IdentityBenchmark {

  /** The session value name {@code io.openkms.http.server.CallerIdentity} caches under. */
  static final String SESSION_KEY = "io.openkms.identity";

  SSLSession session;
  byte[] spki;

  /** Handshakes once and caches the identity in the session, as the server does. */
  @Setup(Level.Trial)
  public void setUp() throws Exception {
    session = InMemoryTls.serverSession(ApiKey.generate());
    spki = spki(session);
    session.putValue(SESSION_KEY, Identity.ofSpki(spki));
  }

  static byte[] spki(SSLSession session) throws Exception {
    X509Certificate leaf = (X509Certificate) session.getPeerCertificates()[0];
    return org.bouncycastle.asn1.x509.Certificate.getInstance(leaf.getEncoded())
        .getSubjectPublicKeyInfo()
        .getEncoded();
  }

  /** SHA-256 of the SPKI bytes. */
  @Benchmark
  public Identity ofSpki() {
    return Identity.ofSpki(spki);
  }

  /** The cache-miss path: certificate from the session, parse, hash. */
  @Benchmark
  public Identity uncached() throws Exception {
    return Identity.ofSpki(spki(session));
  }

  /** The cache-hit path: one session lookup. */
  @Benchmark
  public Identity cached() {
    return (Identity) session.getValue(SESSION_KEY);
  }
}
