package io.openkms.http.tls;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.PrivateKey;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.Base64;
import java.util.List;
import org.bouncycastle.openssl.jcajce.JcaPEMWriter;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** PEM reading and writing, and every error message of {@link Pem}. */
class PemTest {

  @TempDir Path dir;

  private Path write(String name, String text) throws Exception {
    Path file = dir.resolve(name);
    Files.writeString(file, text);
    return file;
  }

  /** PEM as Bouncy Castle's JcaPEMWriter writes it: PKCS#1 for RSA, SEC1 for EC. */
  private static String traditionalPem(Object object) throws Exception {
    StringWriter out = new StringWriter();
    try (JcaPEMWriter writer = new JcaPEMWriter(out)) {
      writer.writeObject(object);
    }
    return out.toString();
  }

  @Test
  void rfc8410Ed25519Pkcs8Key() throws Exception {
    // RFC 8410 §10.3 private key; its public key is the one of §10.1.
    Path file =
        write(
            "ed.pem",
            "-----BEGIN PRIVATE KEY-----\n"
                + "MC4CAQAwBQYDK2VwBCIEINTuctv5E1hK1bbY8fdp+K06/nwoy/HU++CXqI9EdVhC\n"
                + "-----END PRIVATE KEY-----\n");
    PrivateKey key = Pem.readPrivateKey(file);
    assertEquals("EdDSA", key.getAlgorithm());
    byte[] seed = java.util.Arrays.copyOfRange(key.getEncoded(), 16, 48);
    KeyPair pair = TestKeys.ed25519(seed);
    assertEquals(
        "MCowBQYDK2VwAyEAGb9ECWmEzf6FQbrBZ9w7lshQhqowtrbLDFw4rXAxZuE=",
        Base64.getEncoder().encodeToString(pair.getPublic().getEncoded()));
    assertTrue(Pem.matches(key, pair.getPublic()));
  }

  @Test
  void pkcs8Sec1AndPkcs1KeysWithMatchingCertificates() throws Exception {
    KeyPairGenerator rsa = KeyPairGenerator.getInstance("RSA");
    rsa.initialize(2048);
    KeyPair rsaKeys = rsa.generateKeyPair();
    KeyPair ecKeys = TestKeys.ec("secp384r1");
    KeyPair edKeys = TestKeys.ed25519();
    record Case(String name, KeyPair keys, String pem, String header) {}
    List<Case> cases =
        List.of(
            new Case(
                "rsa-pkcs1", rsaKeys, traditionalPem(rsaKeys), "-----BEGIN RSA PRIVATE KEY-----"),
            new Case(
                "rsa-pkcs8",
                rsaKeys,
                Pem.encodePrivateKey(rsaKeys.getPrivate()),
                "-----BEGIN PRIVATE KEY-----"),
            new Case(
                "ec-pkcs8",
                ecKeys,
                Pem.encodePrivateKey(ecKeys.getPrivate()),
                "-----BEGIN PRIVATE KEY-----"),
            new Case(
                "ed-pkcs8",
                edKeys,
                Pem.encodePrivateKey(edKeys.getPrivate()),
                "-----BEGIN PRIVATE KEY-----"));
    for (Case c : cases) {
      assertTrue(c.pem().startsWith(c.header()), c.name() + ": " + c.pem());
      Path keyFile = write(c.name() + ".key", c.pem());
      X509Certificate cert =
          SelfSigned.serverCertificate(c.keys(), List.of("localhost"), Duration.ofDays(1));
      Path certFile = write(c.name() + ".crt", Pem.encodeCertificates(List.of(cert)));
      PrivateKey key = Pem.readPrivateKey(keyFile);
      assertEquals(c.keys().getPrivate().getAlgorithm(), key.getAlgorithm(), c.name());
      CertifiedKey certified = Pem.readCertifiedKey(keyFile, certFile);
      assertEquals(List.of(cert), certified.chain());
      assertEquals(cert, certified.leaf());
      assertEquals(cert.getPublicKey(), certified.keyPair().getPublic());
      assertTrue(Pem.matches(certified.keyPair().getPrivate(), c.keys().getPublic()), c.name());
    }
  }

  @Test
  void chainKeepsFileOrderAndSkipsOtherBlocks() throws Exception {
    TestCa ca = TestCa.create("test ca");
    CertifiedKey node =
        ca.issueNode(TestKeys.ec("secp256r1"), List.of("node1"), Duration.ofDays(1));
    Path file =
        write(
            "chain.pem",
            "some text before\n"
                + Pem.encodePrivateKey(node.keyPair().getPrivate())
                + Pem.encodeCertificates(node.chain()));
    assertEquals(node.chain(), Pem.readCertificates(file));
    // The same file also yields the key.
    assertTrue(Pem.matches(Pem.readPrivateKey(file), node.keyPair().getPublic()));
  }

  @Test
  void missingFiles() {
    Path missing = dir.resolve("nope.pem");
    assertEquals(
        "cannot read private key file " + missing + ": no such file",
        assertThrows(PemException.class, () -> Pem.readPrivateKey(missing)).getMessage());
    assertEquals(
        "cannot read certificate file " + missing + ": no such file",
        assertThrows(PemException.class, () -> Pem.readCertificates(missing)).getMessage());
  }

  @Test
  void filesWithoutTheWantedObject() throws Exception {
    X509Certificate cert = ClientCertificate.of(TestKeys.ed25519(), "a");
    Path certOnly = write("cert.pem", Pem.encodeCertificates(List.of(cert)));
    assertEquals(
        "cannot read private key file " + certOnly + ": no private key found",
        assertThrows(PemException.class, () -> Pem.readPrivateKey(certOnly)).getMessage());
    Path keyOnly = write("key.pem", Pem.encodePrivateKey(TestKeys.ed25519().getPrivate()));
    assertEquals(
        "cannot read certificate file " + keyOnly + ": no certificate found",
        assertThrows(PemException.class, () -> Pem.readCertificates(keyOnly)).getMessage());
    Path empty = write("empty.pem", "");
    assertEquals(
        "cannot read certificate file " + empty + ": no certificate found",
        assertThrows(PemException.class, () -> Pem.readCertificates(empty)).getMessage());
  }

  /** Test fixture made by OpenSSL 3.0 (see {@code src/test/resources/pem/README.md}). */
  private static Path fixture(String name) throws Exception {
    return Path.of(PemTest.class.getResource("/pem/" + name).toURI());
  }

  @Test
  void opensslKeysAndCertificates() throws Exception {
    for (String name : List.of("ec-sec1", "rsa-pkcs1", "ed25519-pkcs8")) {
      CertifiedKey key = Pem.readCertifiedKey(fixture(name + ".key"), fixture(name + ".crt"));
      assertEquals(
          "CN=" + (name.equals("ed25519-pkcs8") ? "ed25519" : name),
          key.leaf().getSubjectX500Principal().getName());
      assertTrue(Pem.matches(key.keyPair().getPrivate(), key.leaf().getPublicKey()), name);
    }
    assertEquals("EC", Pem.readPrivateKey(fixture("ec-sec1.key")).getAlgorithm());
    assertEquals("RSA", Pem.readPrivateKey(fixture("rsa-pkcs1.key")).getAlgorithm());
    assertEquals("EdDSA", Pem.readPrivateKey(fixture("ed25519-pkcs8.key")).getAlgorithm());
    assertEquals(
        "private key "
            + fixture("ec-sec1.key")
            + " does not match certificate "
            + fixture("rsa-pkcs1.crt"),
        assertThrows(
                PemException.class,
                () -> Pem.readCertifiedKey(fixture("ec-sec1.key"), fixture("rsa-pkcs1.crt")))
            .getMessage());
  }

  @Test
  void encryptedKeysAreRefusedWithAHint() throws Exception {
    for (String name : List.of("ec-pkcs8-encrypted.key", "ec-sec1-encrypted.key")) {
      Path file = fixture(name);
      assertEquals(
          "cannot read private key file "
              + file
              + ": private key is encrypted; decrypt it first "
              + "(for example: openssl pkey -in "
              + file
              + " -out <new file>)",
          assertThrows(PemException.class, () -> Pem.readPrivateKey(file)).getMessage());
    }
  }

  @Test
  void unsupportedAlgorithm() throws Exception {
    KeyPairGenerator dsa = KeyPairGenerator.getInstance("DSA");
    dsa.initialize(2048);
    Path file = write("dsa.pem", Pem.encodePrivateKey(dsa.generateKeyPair().getPrivate()));
    assertEquals(
        "cannot read private key file " + file + ": unsupported key algorithm 1.2.840.10040.4.1",
        assertThrows(PemException.class, () -> Pem.readPrivateKey(file)).getMessage());
  }

  @Test
  void corruptPemIsOneLineNamingTheFile() throws Exception {
    Path key = write("bad.key", "-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n");
    String keyMessage =
        assertThrows(PemException.class, () -> Pem.readPrivateKey(key)).getMessage();
    assertTrue(keyMessage.startsWith("cannot read private key file " + key + ": "), keyMessage);
    assertTrue(!keyMessage.contains("\n"));
    Path cert = write("bad.crt", "-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n");
    String certMessage =
        assertThrows(PemException.class, () -> Pem.readCertificates(cert)).getMessage();
    assertTrue(certMessage.startsWith("cannot read certificate file " + cert + ": "), certMessage);
    Path unterminated = write("cut.crt", "-----BEGIN CERTIFICATE-----\nMIIB\n");
    String cutMessage =
        assertThrows(PemException.class, () -> Pem.readCertificates(unterminated)).getMessage();
    assertTrue(
        cutMessage.startsWith("cannot read certificate file " + unterminated + ": "), cutMessage);
  }

  @Test
  void mismatchedKeyAndCertificate() throws Exception {
    Path keyFile = write("a.key", Pem.encodePrivateKey(TestKeys.ec("secp256r1").getPrivate()));
    KeyPair other = TestKeys.ec("secp256r1");
    Path certFile =
        write(
            "b.crt",
            Pem.encodeCertificates(
                List.of(SelfSigned.serverCertificate(other, List.of("x"), Duration.ofDays(1)))));
    assertEquals(
        "private key " + keyFile + " does not match certificate " + certFile,
        assertThrows(PemException.class, () -> Pem.readCertifiedKey(keyFile, certFile))
            .getMessage());
    // A key of another algorithm does not match either.
    KeyPair ed = TestKeys.ed25519();
    Path edCert = write("ed.crt", Pem.encodeCertificates(List.of(ClientCertificate.of(ed, "x"))));
    assertEquals(
        "private key " + keyFile + " does not match certificate " + edCert,
        assertThrows(PemException.class, () -> Pem.readCertifiedKey(keyFile, edCert)).getMessage());
  }

  @Test
  void encodedCertificateRoundTrips() throws Exception {
    X509Certificate cert = ClientCertificate.of(TestKeys.ed25519(), "a");
    String pem = Pem.encodeCertificates(List.of(cert));
    assertTrue(pem.startsWith("-----BEGIN CERTIFICATE-----\n"));
    Path file = write("c.pem", pem);
    assertArrayEquals(cert.getEncoded(), Pem.readCertificates(file).get(0).getEncoded());
  }
}
