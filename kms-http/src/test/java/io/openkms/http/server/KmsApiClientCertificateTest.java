package io.openkms.http.server;

import static io.openkms.http.server.ApiAssertions.frames;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.openkms.http.proto.CreateEnclaveRequest;
import io.openkms.http.proto.CreateIdentityRequest;
import io.openkms.http.proto.CreateKeyRequest;
import io.openkms.http.proto.IdentityResponse;
import io.openkms.http.proto.KeyStatusRequest;
import io.openkms.http.wire.Frames;
import io.openkms.kms.crypto.ApiKey;
import java.math.BigInteger;
import java.net.http.HttpClient;
import java.net.http.HttpResponse;
import java.security.KeyPair;
import java.security.SecureRandom;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.Date;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The caller's identity is the SHA-256 of its certificate's public key and nothing else
 * (docs/PROTOCOL.md §2.2, §2.4): ECDSA ({@code k2:}) keys work like Ed25519 ones, and the
 * certificate's validity period and common name are ignored.
 */
class KmsApiClientCertificateTest {

  private static TestKmsServer server;

  @BeforeAll
  static void start() throws Exception {
    server = TestKmsServer.start();
    server.root().createEnclave(CreateEnclaveRequest.newBuilder().setName("certs").build());
    server.root().createKey("certs", CreateKeyRequest.newBuilder().setName("k").build());
  }

  @AfterAll
  static void stop() {
    server.close();
  }

  /** A self-signed certificate for {@code keyPair} with the given subject and validity. */
  private static X509Certificate certificate(
      KeyPair keyPair, String cn, Instant notBefore, Instant notAfter) throws Exception {
    X500Name name = new X500Name("CN=" + cn);
    String alg =
        keyPair.getPublic().getAlgorithm().startsWith("EC") ? "SHA256withECDSA" : "Ed25519";
    return new JcaX509CertificateConverter()
        .getCertificate(
            new JcaX509v3CertificateBuilder(
                    name,
                    BigInteger.valueOf(new SecureRandom().nextInt(1 << 30)),
                    Date.from(notBefore),
                    Date.from(notAfter),
                    name,
                    keyPair.getPublic())
                .build(new JcaContentSignerBuilder(alg).build(keyPair.getPrivate())));
  }

  /** IDENTITY:STATUS of the caller itself in enclave "certs". */
  private static IdentityResponse whoAmI(HttpClient http) throws Exception {
    HttpResponse<byte[]> r = server.post(http, "/v1/kms/certs", frames(403, new byte[0]));
    assertEquals(200, r.statusCode(), () -> new String(r.body()));
    return IdentityResponse.parseFrom(Frames.decode(r.body()).get(0).payload());
  }

  private static ApiKey admin(ApiKey key) {
    server
        .root()
        .createIdentity(
            "certs",
            CreateIdentityRequest.newBuilder()
                .setIdentity(key.identity().toString())
                .setPrivilege("Admin")
                .build());
    return key;
  }

  @Test
  void anEcdsaP256ApiKeyIsIdentifiedByItsPublicKey() throws Exception {
    byte[] d = new byte[32];
    new SecureRandom().nextBytes(d);
    d[0] = (byte) ((d[0] & 0x7f) | 0x01); // below the P-256 group order, not zero
    ApiKey k2 =
        admin(ApiKey.parse("k2:" + Base64.getUrlEncoder().withoutPadding().encodeToString(d)));
    assertTrue(k2.toString().startsWith("k2:"));
    IdentityResponse me = whoAmI(server.raw(k2, HttpClient.Version.HTTP_2, null));
    assertEquals(k2.identity() + " 2", me.getIdentity() + " " + me.getPrivilege());
    assertEquals(
        "k",
        server
            .client(k2)
            .keyStatus("certs", KeyStatusRequest.newBuilder().setName("k").build())
            .getName());
  }

  @Test
  void expiredAndNotYetValidCertificatesWithAnyNameAreAccepted() throws Exception {
    ApiKey key = admin(ApiKey.generate());
    Instant now = Instant.now();
    X509Certificate expired =
        certificate(
            key.keyPair(),
            "expired",
            now.minus(Duration.ofDays(400)),
            now.minus(Duration.ofDays(300)));
    X509Certificate future =
        certificate(
            key.keyPair(),
            "h1:not-this-one",
            now.plus(Duration.ofDays(1)),
            now.plus(Duration.ofDays(91)));
    for (X509Certificate cert : new X509Certificate[] {expired, future}) {
      IdentityResponse me = whoAmI(server.raw(key.keyPair(), cert));
      assertEquals(key.identity() + " 2", me.getIdentity() + " " + me.getPrivilege());
    }
  }

  @Test
  void theSameNameOnAnotherKeyIsAnotherIdentity() throws Exception {
    ApiKey known = admin(ApiKey.generate());
    ApiKey other = ApiKey.generate();
    X509Certificate impostor =
        certificate(
            other.keyPair(),
            known.identity().toString(),
            Instant.now().minus(Duration.ofMinutes(1)),
            Instant.now().plus(Duration.ofDays(1)));
    HttpResponse<byte[]> r =
        server.post(
            server.raw(other.keyPair(), impostor),
            "/v1/kms/certs",
            frames(204, KeyStatusRequest.newBuilder().setName("k").build().toByteArray()));
    ApiAssertions.assertJsonError(403, "access denied: insufficient permissions", r);
  }
}
