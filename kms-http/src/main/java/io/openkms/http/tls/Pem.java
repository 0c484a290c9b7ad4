package io.openkms.http.tls;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.StringReader;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.KeyPair;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.SecureRandom;
import java.security.Signature;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.security.spec.PKCS8EncodedKeySpec;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.bouncycastle.asn1.ASN1ObjectIdentifier;
import org.bouncycastle.asn1.edec.EdECObjectIdentifiers;
import org.bouncycastle.asn1.pkcs.PKCSObjectIdentifiers;
import org.bouncycastle.asn1.pkcs.PrivateKeyInfo;
import org.bouncycastle.asn1.x9.X9ObjectIdentifiers;
import org.bouncycastle.cert.X509CertificateHolder;
import org.bouncycastle.openssl.PEMEncryptedKeyPair;
import org.bouncycastle.openssl.PEMKeyPair;
import org.bouncycastle.openssl.PEMParser;
import org.bouncycastle.openssl.jcajce.JcaPKCS8Generator;
import org.bouncycastle.pkcs.PKCS8EncryptedPrivateKeyInfo;
import org.bouncycastle.util.io.pem.PemObject;
import org.bouncycastle.util.io.pem.PemWriter;

/**
 * Reading and writing PEM files for TLS: private keys (PKCS#8 {@code PRIVATE KEY}, PKCS#1 {@code
 * RSA PRIVATE KEY}, SEC1 {@code EC PRIVATE KEY}; RSA, EC, Ed25519, Ed448) and certificate chains.
 * Keys come back as JDK key objects, so that the JDK's TLS stack can use them. Parsing is done with
 * Bouncy Castle's {@link PEMParser}; key and certificate objects are made by the JDK providers.
 *
 * <p>Every error is a {@link PemException} with one line naming the file: {@code cannot read
 * certificate file <path>: <reason>}, {@code cannot read private key file <path>: <reason>} or
 * {@code private key <key path> does not match certificate <cert path>}.
 */
public final class Pem {

  private static final Map<ASN1ObjectIdentifier, String> KEY_ALGORITHMS =
      Map.of(
          PKCSObjectIdentifiers.rsaEncryption, "RSA",
          PKCSObjectIdentifiers.id_RSASSA_PSS, "RSASSA-PSS",
          X9ObjectIdentifiers.id_ecPublicKey, "EC",
          EdECObjectIdentifiers.id_Ed25519, "Ed25519",
          EdECObjectIdentifiers.id_Ed448, "Ed448");

  private Pem() {}

  /**
   * Reads the first private key of a PEM file.
   *
   * @param file a PEM file holding an unencrypted private key (other PEM blocks are skipped)
   * @return a JDK private key (RSA, EC, Ed25519 or Ed448)
   * @throws PemException {@code cannot read private key file <file>: <reason>}, where reason is
   *     {@code no such file}, {@code permission denied}, {@code no private key found}, {@code
   *     private key is encrypted; decrypt it first (for example: openssl pkey -in <file> -out <new
   *     file>)}, {@code unsupported key algorithm <oid>} or the parser's message
   */
  public static PrivateKey readPrivateKey(Path file) throws PemException {
    String prefix = "cannot read private key file " + file + ": ";
    String text = readText(file, prefix);
    try (PEMParser parser = new PEMParser(new StringReader(text))) {
      for (Object o = parser.readObject(); o != null; o = parser.readObject()) {
        if (o instanceof PKCS8EncryptedPrivateKeyInfo || o instanceof PEMEncryptedKeyPair) {
          throw new PemException(
              prefix
                  + "private key is encrypted; decrypt it first "
                  + "(for example: openssl pkey -in "
                  + file
                  + " -out <new file>)");
        }
        if (o instanceof PrivateKeyInfo info) {
          return toJdkKey(info, prefix);
        }
        if (o instanceof PEMKeyPair pair) {
          return toJdkKey(pair.getPrivateKeyInfo(), prefix);
        }
      }
    } catch (IOException | RuntimeException e) {
      throw new PemException(prefix + oneLine(e));
    }
    throw new PemException(prefix + "no private key found");
  }

  /**
   * Reads every certificate of a PEM file, in file order (leaf first, by convention).
   *
   * @param file a PEM file with one or more {@code CERTIFICATE} blocks (other blocks skipped)
   * @return the certificates, never empty
   * @throws PemException {@code cannot read certificate file <file>: <reason>}, where reason is
   *     {@code no such file}, {@code permission denied}, {@code no certificate found} or the
   *     parser's message
   */
  public static List<X509Certificate> readCertificates(Path file) throws PemException {
    String prefix = "cannot read certificate file " + file + ": ";
    String text = readText(file, prefix);
    List<X509Certificate> chain = new ArrayList<>();
    try (PEMParser parser = new PEMParser(new StringReader(text))) {
      CertificateFactory factory = CertificateFactory.getInstance("X.509");
      for (Object o = parser.readObject(); o != null; o = parser.readObject()) {
        if (o instanceof X509CertificateHolder holder) {
          chain.add(
              (X509Certificate)
                  factory.generateCertificate(new ByteArrayInputStream(holder.getEncoded())));
        }
      }
    } catch (IOException | GeneralSecurityException | RuntimeException e) {
      throw new PemException(prefix + oneLine(e));
    }
    if (chain.isEmpty()) {
      throw new PemException(prefix + "no certificate found");
    }
    return List.copyOf(chain);
  }

  /**
   * Reads a private key and its certificate chain and checks that they belong together (the key
   * signs a random message that the leaf certificate's public key verifies).
   *
   * @param keyFile PEM private key, see {@link #readPrivateKey}
   * @param certFile PEM certificate chain, leaf first, see {@link #readCertificates}
   * @throws PemException as the two readers do, or {@code private key <keyFile> does not match
   *     certificate <certFile>}
   */
  public static CertifiedKey readCertifiedKey(Path keyFile, Path certFile) throws PemException {
    PrivateKey key = readPrivateKey(keyFile);
    List<X509Certificate> chain = readCertificates(certFile);
    PublicKey publicKey = chain.get(0).getPublicKey();
    if (!matches(key, publicKey)) {
      throw new PemException("private key " + keyFile + " does not match certificate " + certFile);
    }
    return new CertifiedKey(new KeyPair(publicKey, key), chain);
  }

  /** PEM text of certificates ({@code -----BEGIN CERTIFICATE-----} blocks, in order). */
  public static String encodeCertificates(List<X509Certificate> certificates) {
    StringWriter out = new StringWriter();
    try (PemWriter writer = new PemWriter(out)) {
      for (X509Certificate c : certificates) {
        writer.writeObject(new PemObject("CERTIFICATE", c.getEncoded()));
      }
    } catch (IOException | GeneralSecurityException e) {
      throw new IllegalStateException("cannot encode certificate: " + e.getMessage(), e);
    }
    return out.toString();
  }

  /** PEM text of an unencrypted PKCS#8 private key ({@code -----BEGIN PRIVATE KEY-----}). */
  public static String encodePrivateKey(PrivateKey key) {
    StringWriter out = new StringWriter();
    try (PemWriter writer = new PemWriter(out)) {
      writer.writeObject(new JcaPKCS8Generator(key, null).generate());
    } catch (IOException e) {
      throw new IllegalStateException("cannot encode private key: " + e.getMessage(), e);
    }
    return out.toString();
  }

  /** True when {@code key} makes signatures that {@code publicKey} verifies. */
  static boolean matches(PrivateKey key, PublicKey publicKey) {
    if (!KeyAlgorithms.jsseKeyType(key).equals(KeyAlgorithms.jsseKeyType(publicKey))) {
      return false;
    }
    try {
      String algorithm = KeyAlgorithms.signatureAlgorithm(key);
      byte[] message = new byte[32];
      new SecureRandom().nextBytes(message);
      Signature signer = Signature.getInstance(algorithm);
      signer.initSign(key);
      signer.update(message);
      byte[] signature = signer.sign();
      Signature verifier = Signature.getInstance(algorithm);
      verifier.initVerify(publicKey);
      verifier.update(message);
      return verifier.verify(signature);
    } catch (GeneralSecurityException | IllegalArgumentException e) {
      return false;
    }
  }

  private static PrivateKey toJdkKey(PrivateKeyInfo info, String prefix) throws PemException {
    ASN1ObjectIdentifier oid = info.getPrivateKeyAlgorithm().getAlgorithm();
    String algorithm = KEY_ALGORITHMS.get(oid);
    if (algorithm == null) {
      throw new PemException(prefix + "unsupported key algorithm " + oid.getId());
    }
    try {
      return KeyFactory.getInstance(algorithm)
          .generatePrivate(new PKCS8EncodedKeySpec(info.getEncoded()));
    } catch (IOException | GeneralSecurityException e) {
      throw new PemException(prefix + oneLine(e));
    }
  }

  private static String readText(Path file, String prefix) throws PemException {
    try {
      return Files.readString(file, StandardCharsets.ISO_8859_1);
    } catch (NoSuchFileException e) {
      throw new PemException(prefix + "no such file");
    } catch (java.nio.file.AccessDeniedException e) {
      throw new PemException(prefix + "permission denied");
    } catch (java.nio.file.FileSystemException e) {
      // Its message is the path alone when the OS gave no reason: use the reason.
      throw new PemException(
          prefix
              + (e.getReason() != null
                  ? e.getReason().toLowerCase(java.util.Locale.ROOT)
                  : oneLine(e)));
    } catch (IOException e) {
      throw new PemException(prefix + oneLine(e));
    }
  }

  private static String oneLine(Throwable e) {
    String message = e.getMessage();
    if (message == null || message.isBlank()) {
      message = e.getClass().getSimpleName();
    }
    return message.replace('\n', ' ').replace('\r', ' ').strip();
  }
}
