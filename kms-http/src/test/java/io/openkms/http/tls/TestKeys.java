package io.openkms.http.tls;

import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.spec.ECGenParameterSpec;
import java.security.spec.EdECPrivateKeySpec;
import java.security.spec.NamedParameterSpec;
import java.security.spec.X509EncodedKeySpec;
import java.util.Base64;
import org.bouncycastle.crypto.params.Ed25519PrivateKeyParameters;
import org.bouncycastle.crypto.util.SubjectPublicKeyInfoFactory;

/** Key pairs for tests: Ed25519 from a seed or a {@code k1:} API key, fresh EC keys. */
public final class TestKeys {

  private TestKeys() {}

  /**
   * The Ed25519 key pair of a 32-byte seed: the private key through the JDK's {@link
   * EdECPrivateKeySpec}, the public key derived by Bouncy Castle.
   */
  public static KeyPair ed25519(byte[] seed) throws GeneralSecurityException, java.io.IOException {
    KeyFactory factory = KeyFactory.getInstance("Ed25519");
    var privateKey =
        factory.generatePrivate(new EdECPrivateKeySpec(NamedParameterSpec.ED25519, seed));
    var publicParams = new Ed25519PrivateKeyParameters(seed, 0).generatePublicKey();
    byte[] spki = SubjectPublicKeyInfoFactory.createSubjectPublicKeyInfo(publicParams).getEncoded();
    return new KeyPair(factory.generatePublic(new X509EncodedKeySpec(spki)), privateKey);
  }

  /** The key pair of a {@code k1:} API key (docs/PROTOCOL.md §2.1). */
  public static KeyPair fromApiKey(String k1) throws GeneralSecurityException, java.io.IOException {
    if (!k1.startsWith("k1:")) {
      throw new IllegalArgumentException("not a k1: key");
    }
    return ed25519(Base64.getUrlDecoder().decode(k1.substring(3)));
  }

  /** A fresh EC key pair on a named curve such as {@code secp256r1}. */
  public static KeyPair ec(String curve) throws GeneralSecurityException {
    KeyPairGenerator generator = KeyPairGenerator.getInstance("EC");
    generator.initialize(new ECGenParameterSpec(curve));
    return generator.generateKeyPair();
  }

  /** A fresh Ed25519 key pair. */
  public static KeyPair ed25519() throws GeneralSecurityException {
    return KeyPairGenerator.getInstance("Ed25519").generateKeyPair();
  }
}
