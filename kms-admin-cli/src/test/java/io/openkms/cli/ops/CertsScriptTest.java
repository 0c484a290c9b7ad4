package io.openkms.cli.ops;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.KeyFactory;
import java.security.PrivateKey;
import java.security.Signature;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.security.interfaces.ECPrivateKey;
import java.security.spec.PKCS8EncodedKeySpec;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * {@code ops/certs/minkms-certs.sh OUTDIR HOST_OR_IP...}: the test CA, per-host EC P-256 keys
 * (PKCS#8) and 90-day certificates with the host's subjectAltName and EKU serverAuth + clientAuth,
 * checked with {@code openssl} and with the JDK. Needs bash and openssl.
 */
@Tag("process")
class CertsScriptTest {
  private static final Path SCRIPT = OpsPaths.ops("certs/minkms-certs.sh");
  private static final List<String> HOSTS =
      List.of("127.0.0.1", "127.0.0.2", "localhost", "node0.example.net");
  private static final String SERVER_AUTH = "1.3.6.1.5.5.7.3.1";
  private static final String CLIENT_AUTH = "1.3.6.1.5.5.7.3.2";

  @TempDir Path tmp;

  /** Assumptions in {@code @BeforeEach}, so that a skip shows per test with its reason. */
  @BeforeEach
  void needsOpenssl() {
    Assumptions.assumeTrue(
        OpsPaths.onPath("openssl").isPresent(), "openssl not found: apt-get install -y openssl");
  }

  private static Exec.Result certs(Path out, String... hosts) throws Exception {
    List<String> command = new ArrayList<>(List.of(SCRIPT.toString(), out.toString()));
    command.addAll(List.of(hosts));
    return Exec.run(command, Map.of());
  }

  private static Exec.Result openssl(String... args) throws Exception {
    List<String> command = new ArrayList<>(List.of("openssl"));
    command.addAll(List.of(args));
    return Exec.run(command, Map.of());
  }

  private static X509Certificate certificate(Path file) throws Exception {
    try (InputStream in = Files.newInputStream(file)) {
      return (X509Certificate) CertificateFactory.getInstance("X.509").generateCertificate(in);
    }
  }

  private static PrivateKey pkcs8Key(Path file) throws Exception {
    String pem = Files.readString(file, StandardCharsets.US_ASCII);
    assertTrue(pem.startsWith("-----BEGIN PRIVATE KEY-----\n"), "not PKCS#8 PEM: " + pem);
    String base64 =
        pem.replace("-----BEGIN PRIVATE KEY-----", "")
            .replace("-----END PRIVATE KEY-----", "")
            .replaceAll("\\s", "");
    return KeyFactory.getInstance("EC")
        .generatePrivate(new PKCS8EncodedKeySpec(Base64.getDecoder().decode(base64)));
  }

  @Test
  void caAndOneCertificatePerHost() throws Exception {
    Path out = tmp.resolve("certs");
    Exec.Result result = certs(out, HOSTS.toArray(String[]::new));
    assertEquals(0, result.exitCode(), result.describe());
    assertEquals("", result.stderr());
    List<String> expectedLines = new ArrayList<>();
    expectedLines.add("Created the CA " + out + "/ca/ca.crt (key " + out + "/ca/ca.key)");
    for (String host : HOSTS) {
      Path dir = out.resolve(host);
      String san = host.startsWith("127.") ? "IP:" + host : "DNS:" + host;
      expectedLines.add(
          "Wrote "
              + dir
              + "/private.key, "
              + dir
              + "/public.crt ("
              + san
              + ", 90 days) and "
              + dir
              + "/CAs/ca.crt");
    }
    expectedLines.add(
        "Trust the CA in the minkms client: mkdir -p ~/.minkms/certs/CAs && cp "
            + out
            + "/ca/ca.crt ~/.minkms/certs/CAs/");
    assertEquals(expectedLines, result.stdout().lines().toList());

    Path caCrt = out.resolve("ca/ca.crt");
    X509Certificate ca = certificate(caCrt);
    assertEquals(0, ca.getBasicConstraints(), "a CA with pathlen 0");
    assertEquals(
        "rw-------",
        PosixFilePermissions.toString(Files.getPosixFilePermissions(out.resolve("ca/ca.key"))));
    assertEquals(
        256,
        ((ECPrivateKey) pkcs8Key(out.resolve("ca/ca.key")))
            .getParams()
            .getCurve()
            .getField()
            .getFieldSize());

    for (String host : HOSTS) {
      Path dir = out.resolve(host);
      Exec.Result verify =
          openssl(
              "verify",
              "-CAfile",
              caCrt.toString(),
              "-purpose",
              "sslserver",
              dir.resolve("public.crt").toString());
      assertEquals(dir.resolve("public.crt") + ": OK\n", verify.stdout(), verify.describe());
      Exec.Result verifyClient =
          openssl(
              "verify",
              "-CAfile",
              caCrt.toString(),
              "-purpose",
              "sslclient",
              dir.resolve("public.crt").toString());
      assertEquals(
          dir.resolve("public.crt") + ": OK\n", verifyClient.stdout(), verifyClient.describe());

      Exec.Result ext =
          openssl(
              "x509",
              "-in",
              dir.resolve("public.crt").toString(),
              "-noout",
              "-ext",
              "subjectAltName");
      String sanText = host.startsWith("127.") ? "IP Address:" + host : "DNS:" + host;
      assertEquals(
          "X509v3 Subject Alternative Name: \n    " + sanText + "\n", ext.stdout(), ext.describe());

      X509Certificate cert = certificate(dir.resolve("public.crt"));
      int sanType = host.startsWith("127.") ? 7 : 2;
      assertEquals(List.of(List.of(sanType, host)), List.copyOf(cert.getSubjectAlternativeNames()));
      assertEquals(List.of(SERVER_AUTH, CLIENT_AUTH), cert.getExtendedKeyUsage());
      assertEquals("CN=" + host, cert.getSubjectX500Principal().getName());
      assertEquals(ca.getSubjectX500Principal(), cert.getIssuerX500Principal());
      assertEquals(-1, cert.getBasicConstraints(), "not a CA");
      assertEquals(
          Duration.ofDays(90),
          Duration.between(cert.getNotBefore().toInstant(), cert.getNotAfter().toInstant()));
      cert.verify(ca.getPublicKey());

      // the key is the certificate's: a signature with it verifies with the certificate
      PrivateKey key = pkcs8Key(dir.resolve("private.key"));
      assertEquals(256, ((ECPrivateKey) key).getParams().getCurve().getField().getFieldSize());
      Signature signer = Signature.getInstance("SHA256withECDSA");
      signer.initSign(key);
      signer.update(new byte[] {1, 2, 3});
      byte[] signature = signer.sign();
      Signature verifier = Signature.getInstance("SHA256withECDSA");
      verifier.initVerify(cert.getPublicKey());
      verifier.update(new byte[] {1, 2, 3});
      assertTrue(verifier.verify(signature));
      assertEquals(
          "rw-------",
          PosixFilePermissions.toString(Files.getPosixFilePermissions(dir.resolve("private.key"))));

      assertArrayEquals(Files.readAllBytes(caCrt), Files.readAllBytes(dir.resolve("CAs/ca.crt")));
    }
  }

  @Test
  void ipv6AddressGetsAnIpSan() throws Exception {
    Path out = tmp.resolve("certs");
    Exec.Result result = certs(out, "::1");
    assertEquals(0, result.exitCode(), result.describe());
    X509Certificate cert = certificate(out.resolve("::1/public.crt"));
    assertEquals(
        List.of(List.of(7, "0:0:0:0:0:0:0:1")), List.copyOf(cert.getSubjectAlternativeNames()));
  }

  @Test
  void existingCaIsReused() throws Exception {
    Path out = tmp.resolve("certs");
    assertEquals(0, certs(out, "node1.example.net").exitCode());
    byte[] caKey = Files.readAllBytes(out.resolve("ca/ca.key"));
    byte[] caCrt = Files.readAllBytes(out.resolve("ca/ca.crt"));
    byte[] firstCert = Files.readAllBytes(out.resolve("node1.example.net/public.crt"));

    Exec.Result again = certs(out, "node1.example.net", "node2.example.net");
    assertEquals(0, again.exitCode(), again.describe());
    assertEquals(
        "Reusing the CA in " + out + "/ca", again.stdout().lines().findFirst().orElseThrow());
    assertArrayEquals(caKey, Files.readAllBytes(out.resolve("ca/ca.key")));
    assertArrayEquals(caCrt, Files.readAllBytes(out.resolve("ca/ca.crt")));
    assertFalse(
        Arrays.equals(firstCert, Files.readAllBytes(out.resolve("node1.example.net/public.crt"))),
        "a host's certificate is issued anew");
    X509Certificate ca = certificate(out.resolve("ca/ca.crt"));
    certificate(out.resolve("node1.example.net/public.crt")).verify(ca.getPublicKey());
    certificate(out.resolve("node2.example.net/public.crt")).verify(ca.getPublicKey());
  }

  @Test
  void halfACaIsAnError() throws Exception {
    Path out = tmp.resolve("certs");
    Files.createDirectories(out.resolve("ca"));
    Files.writeString(out.resolve("ca/ca.key"), "not a key");
    Exec.Result result = certs(out, "localhost");
    assertEquals(1, result.exitCode(), result.describe());
    assertEquals(
        "minkms-certs.sh: "
            + out
            + "/ca holds only one of ca.key and ca.crt: remove it or restore the other file\n",
        result.stderr());
    assertFalse(Files.exists(out.resolve("localhost")));
  }

  @Test
  void noHostIsAUsageError() throws Exception {
    Exec.Result result = certs(tmp.resolve("certs"));
    assertEquals(2, result.exitCode(), result.describe());
    assertEquals(
        "usage: minkms-certs.sh OUTDIR HOST_OR_IP...",
        result.stderr().lines().findFirst().orElseThrow());
    assertFalse(Files.exists(tmp.resolve("certs")));
  }

  @ParameterizedTest
  @ValueSource(
      strings = {
        "a/b",
        "..",
        "-x.example.net",
        "under_score.example.net",
        "host name",
        "",
        "127.0.0.256",
        "10.1.2",
        "1.2.3.4.5",
        "node.example.123"
      })
  void badHostIsAUsageErrorAndWritesNothing(String host) throws Exception {
    Path out = tmp.resolve("certs");
    Exec.Result result = certs(out, "localhost", host);
    assertEquals(2, result.exitCode(), result.describe());
    assertEquals(
        "minkms-certs.sh: '" + host + "' is neither a DNS name nor an IP address\n",
        result.stderr());
    assertFalse(Files.exists(out), "nothing written before all hosts are checked");
  }
}
