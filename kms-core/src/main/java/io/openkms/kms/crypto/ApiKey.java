package io.openkms.kms.crypto;

import java.math.BigInteger;
import java.security.AlgorithmParameters;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.SecureRandom;
import java.security.SecureRandomSpi;
import java.security.interfaces.EdECPrivateKey;
import java.security.spec.ECGenParameterSpec;
import java.security.spec.ECParameterSpec;
import java.security.spec.ECPoint;
import java.security.spec.ECPrivateKeySpec;
import java.security.spec.ECPublicKeySpec;
import java.security.spec.NamedParameterSpec;
import java.util.Arrays;
import java.util.Objects;
import org.bouncycastle.asn1.x9.ECNamedCurveTable;
import org.bouncycastle.asn1.x9.X9ECParameters;
import org.bouncycastle.math.ec.FixedPointCombMultiplier;

/**
 * An API key: the private key a client uses for its mTLS client certificate (docs/PROTOCOL.md §2.1,
 * aead.dev/mtls text formats).
 *
 * <ul>
 *   <li>{@code k1:} + base64url-nopad of a 32-byte Ed25519 seed (46 characters);
 *   <li>{@code k2:} + base64url-nopad of an ECDSA private scalar left-padded to 32 (P-256), 48
 *       (P-384) or 66 (P-521) bytes; the decoded length picks the curve.
 * </ul>
 *
 * <p>{@link #keyPair()} gives JDK key objects (EdEC / EC) that SunJSSE can use for TLS client
 * authentication; {@link #identity()} is the SHA-256 of the public key's SPKI DER. Immutable.
 * {@link #toString()} returns the secret text form: never log it.
 */
public final class ApiKey {
  /** Length of an Ed25519 seed in bytes. */
  public static final int SEED_BYTES = 32;

  private static final String K1 = "k1:";
  private static final String K2 = "k2:";

  private final String text;
  private final KeyPair keyPair;
  private final Identity identity;

  private ApiKey(String text, KeyPair keyPair) {
    this.text = text;
    this.keyPair = keyPair;
    this.identity = Identity.of(keyPair.getPublic());
  }

  /**
   * Parses a {@code k1:} or {@code k2:} API key strictly. The messages never contain the key.
   *
   * @throws IllegalArgumentException {@code invalid API key: <reason>} for a wrong prefix, a wrong
   *     length, bad or non-canonical base64url, padding, or an out-of-range ECDSA scalar
   */
  public static ApiKey parse(String s) {
    Objects.requireNonNull(s, "API key");
    if (s.startsWith(K1)) {
      String body = s.substring(K1.length());
      if (body.length() != Base64Url.encodedLength(SEED_BYTES)) {
        throw invalid("'k1:' must be followed by 43 base64url characters, got " + body.length());
      }
      return fromSeed(decode(body));
    }
    if (s.startsWith(K2)) {
      String body = s.substring(K2.length());
      Curve curve = Curve.forEncodedLength(body.length());
      if (curve == null) {
        throw invalid(
            "'k2:' must be followed by 43, 64 or 88 base64url characters "
                + "(P-256, P-384, P-521), got "
                + body.length());
      }
      return fromScalar(curve, decode(body), s);
    }
    throw invalid("must start with 'k1:' or 'k2:'");
  }

  /** Generates a new random Ed25519 ({@code k1:}) API key. */
  public static ApiKey generate() {
    byte[] seed = RandomSource.secure().bytes(SEED_BYTES);
    try {
      return fromSeed(seed);
    } finally {
      Arrays.fill(seed, (byte) 0);
    }
  }

  /**
   * The Ed25519 API key with the given 32-byte seed (RFC 8032 §5.1.5).
   *
   * @throws IllegalArgumentException if {@code seed} is not 32 bytes
   */
  public static ApiKey fromSeed(byte[] seed) {
    if (seed.length != SEED_BYTES) {
      throw invalid("an Ed25519 seed must be 32 bytes, got " + seed.length);
    }
    try {
      KeyPairGenerator generator = KeyPairGenerator.getInstance("Ed25519");
      generator.initialize(NamedParameterSpec.ED25519, new SeedSource(seed));
      KeyPair keyPair = generator.generateKeyPair();
      byte[] privateKey = ((EdECPrivateKey) keyPair.getPrivate()).getBytes().orElse(null);
      boolean fromSeed = Arrays.equals(privateKey, seed);
      if (privateKey != null) {
        Arrays.fill(privateKey, (byte) 0);
      }
      if (!fromSeed) {
        throw new IllegalStateException(
            "the JDK's Ed25519 key pair generator did not use the seed");
      }
      return new ApiKey(K1 + Base64Url.encode(seed), keyPair);
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("Ed25519 is not available", e);
    }
  }

  /**
   * The random source that makes the JDK's Ed25519 key pair generator derive the key pair of a
   * given seed: the generator draws the 32-byte private key (the seed) from its source and computes
   * the public key from it (RFC 8032 §5.1.5; SunEC's EdDSAKeyPairGenerator). The JDK has no other
   * public way to derive an Ed25519 public key, and Bouncy Castle's signed jars cost every client
   * command a jar signature check at start (docs/PERFORMANCE.md, "CLI start time"). Gives the seed
   * once; {@link #fromSeed} checks that the private key is the seed.
   */
  private static final class SeedSource extends SecureRandom {
    SeedSource(byte[] seed) {
      super(
          new SecureRandomSpi() {
            private byte[] rest = seed.clone();

            @Override
            protected void engineSetSeed(byte[] ignored) {}

            @Override
            protected void engineNextBytes(byte[] bytes) {
              if (rest == null || bytes.length != rest.length) {
                throw new IllegalStateException(
                    "the seed is given once, as " + SEED_BYTES + " bytes");
              }
              System.arraycopy(rest, 0, bytes, 0, bytes.length);
              Arrays.fill(rest, (byte) 0);
              rest = null;
            }

            @Override
            protected byte[] engineGenerateSeed(int numBytes) {
              throw new UnsupportedOperationException("a fixed seed source");
            }
          },
          null);
    }
  }

  /** The key pair as JDK key objects (Ed25519 or EC), usable by SunJSSE. */
  public KeyPair keyPair() {
    return keyPair;
  }

  /** The public key (Ed25519 or EC). */
  public PublicKey publicKey() {
    return keyPair.getPublic();
  }

  /** The identity of the public key ({@code h1:…}). */
  public Identity identity() {
    return identity;
  }

  /** The secret text form ({@code k1:…} or {@code k2:…}). */
  @Override
  public String toString() {
    return text;
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof ApiKey && text.equals(((ApiKey) o).text);
  }

  @Override
  public int hashCode() {
    return text.hashCode();
  }

  private static ApiKey fromScalar(Curve curve, byte[] scalar, String text) {
    X9ECParameters x9 = ECNamedCurveTable.getByName(curve.bcName);
    BigInteger d = new BigInteger(1, scalar);
    Arrays.fill(scalar, (byte) 0);
    if (d.signum() == 0 || d.compareTo(x9.getN()) >= 0) {
      throw invalid("ECDSA private scalar is out of range for " + curve.bcName);
    }
    org.bouncycastle.math.ec.ECPoint q =
        new FixedPointCombMultiplier().multiply(x9.getG(), d).normalize();
    try {
      AlgorithmParameters params = AlgorithmParameters.getInstance("EC");
      params.init(new ECGenParameterSpec(curve.jdkName));
      ECParameterSpec spec = params.getParameterSpec(ECParameterSpec.class);
      KeyFactory kf = KeyFactory.getInstance("EC");
      PrivateKey priv = kf.generatePrivate(new ECPrivateKeySpec(d, spec));
      ECPoint w =
          new ECPoint(q.getAffineXCoord().toBigInteger(), q.getAffineYCoord().toBigInteger());
      PublicKey pub = kf.generatePublic(new ECPublicKeySpec(w, spec));
      return new ApiKey(text, new KeyPair(pub, priv));
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("ECDSA " + curve.jdkName + " is not available", e);
    }
  }

  private static byte[] decode(String body) {
    try {
      return Base64Url.decode(body);
    } catch (IllegalArgumentException e) {
      throw invalid(e.getMessage());
    }
  }

  private static IllegalArgumentException invalid(String reason) {
    return new IllegalArgumentException("invalid API key: " + reason);
  }

  /** The ECDSA curves of {@code k2:} keys, by padded scalar length. */
  private enum Curve {
    P256(32, "P-256", "secp256r1"),
    P384(48, "P-384", "secp384r1"),
    P521(66, "P-521", "secp521r1");

    final int scalarBytes;
    final String bcName;
    final String jdkName;

    Curve(int scalarBytes, String bcName, String jdkName) {
      this.scalarBytes = scalarBytes;
      this.bcName = bcName;
      this.jdkName = jdkName;
    }

    static Curve forEncodedLength(int chars) {
      for (Curve c : values()) {
        if (Base64Url.encodedLength(c.scalarBytes) == chars) {
          return c;
        }
      }
      return null;
    }
  }
}
