package io.openkms.http.tls;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.math.BigInteger;
import java.security.KeyPair;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.util.Date;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLServerSocket;
import javax.net.ssl.SSLSocket;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * Real TLS handshakes on loopback between {@link ServerTls} and {@link ClientTls} (docs/PROTOCOL.md
 * §2.3, §2.4): the server asks for a client certificate without requiring one, accepts self-signed
 * Ed25519 and ECDSA ones over TLS 1.3 and 1.2 and sees the client's identity; it refuses weak
 * client keys (RSA-1024), CBC and static-RSA suites (issue 13).
 */
class TlsHandshakeTest {

  /** What the server saw of one connection. */
  record Seen(String protocol, X509Certificate peer, String identity) {}

  private static final TestCa CA = TestCa.create("handshake test CA");

  /**
   * Accepts one connection with {@code serverContext}, completes the handshake, writes one byte,
   * and reports what it saw (or fails with the handshake error).
   */
  private static CompletableFuture<Seen> serveOnce(SSLServerSocket server) {
    return CompletableFuture.supplyAsync(
        () -> {
          try (SSLSocket socket = (SSLSocket) server.accept()) {
            socket.setSoTimeout(10_000);
            socket.startHandshake();
            var session = socket.getSession();
            X509Certificate peer = (X509Certificate) session.getPeerCertificates()[0];
            OutputStream out = socket.getOutputStream();
            out.write(42);
            out.flush();
            return new Seen(session.getProtocol(), peer, Identities.peer(session));
          } catch (IOException e) {
            throw new RuntimeException(e);
          }
        });
  }

  private static SSLServerSocket listen(SSLContext context) throws IOException {
    SSLServerSocket server =
        (SSLServerSocket)
            context
                .getServerSocketFactory()
                .createServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress());
    server.setSSLParameters(ServerTls.sslParameters(context));
    server.setSoTimeout(10_000);
    return server;
  }

  /** Connects with {@code context} and the given protocol, checking the server's host name. */
  private static int connect(SSLContext context, int port, String protocol) throws IOException {
    try (SSLSocket socket =
        (SSLSocket) context.getSocketFactory().createSocket("127.0.0.1", port)) {
      socket.setSoTimeout(10_000);
      SSLParameters params = ClientTls.sslParameters(context);
      params.setProtocols(new String[] {protocol});
      params.setEndpointIdentificationAlgorithm("HTTPS");
      socket.setSSLParameters(params);
      socket.startHandshake();
      InputStream in = socket.getInputStream();
      return in.read();
    }
  }

  private static SSLContext serverContext() throws Exception {
    CertifiedKey node =
        CA.issueNode(
            TestKeys.ec("secp256r1"), List.of("localhost", "127.0.0.1"), Duration.ofDays(1));
    return ServerTls.sslContext(node.keyPair(), node.chain());
  }

  @ParameterizedTest(name = "{0} client key over {1}")
  @CsvSource({"ed25519, TLSv1.3", "ed25519, TLSv1.2", "p256, TLSv1.3", "p256, TLSv1.2"})
  void serverSeesTheSelfSignedClientCertificate(String keyType, String protocol) throws Exception {
    KeyPair clientKeys =
        keyType.equals("ed25519")
            ? TestKeys.fromApiKey("k1:AqwjUvaWEE9O83quGOkiO_2D1x37Za9gE4L5UHdq0Ag")
            : TestKeys.ec("secp256r1");
    String identity = Identities.of(clientKeys.getPublic());
    X509Certificate clientCert = ClientCertificate.of(clientKeys, identity);
    SSLContext client = ClientTls.sslContext(clientKeys, clientCert, CA.trustStore(), false);

    try (SSLServerSocket server = listen(serverContext())) {
      CompletableFuture<Seen> seen = serveOnce(server);
      assertEquals(42, connect(client, server.getLocalPort(), protocol));
      Seen s = seen.get(10, TimeUnit.SECONDS);
      assertEquals(protocol, s.protocol());
      assertEquals(clientCert, s.peer());
      assertEquals(identity, s.identity());
      if (keyType.equals("ed25519")) {
        assertEquals("h1:FALvKoL5sB2mfvXrbheZ8tgKjIJZ60gN-VH9TcfK7Q0", s.identity());
      }
    }
  }

  @Test
  void serverAcceptsAClientCertificateFromTheFuture() throws Exception {
    // §2.4: ignore NotBefore/NotAfter (a client's clock may run ahead).
    KeyPair keys = TestKeys.ed25519();
    Instant later = Instant.now().plus(Duration.ofDays(2));
    var builder =
        new JcaX509v3CertificateBuilder(
            Certificates.commonName("future"),
            BigInteger.ONE,
            Date.from(later),
            Date.from(later.plus(Duration.ofDays(1))),
            Certificates.commonName("future"),
            keys.getPublic());
    X509Certificate future =
        new JcaX509CertificateConverter()
            .getCertificate(
                builder.build(new JcaContentSignerBuilder("Ed25519").build(keys.getPrivate())));
    SSLContext client = ClientTls.sslContext(keys, future, CA.trustStore(), false);
    try (SSLServerSocket server = listen(serverContext())) {
      CompletableFuture<Seen> seen = serveOnce(server);
      assertEquals(42, connect(client, server.getLocalPort(), "TLSv1.3"));
      assertEquals(Identities.of(keys.getPublic()), seen.get(10, TimeUnit.SECONDS).identity());
    }
  }

  @ParameterizedTest(name = "over {0}")
  @CsvSource({"TLSv1.3", "TLSv1.2"})
  void serverAcceptsAClientWithoutCertificate(String protocol) throws Exception {
    // §2.4: asked for, not required: curl -k https://HOST:7373/version must work.
    SSLContext noCert = SSLContext.getInstance("TLS");
    javax.net.ssl.TrustManagerFactory tmf = javax.net.ssl.TrustManagerFactory.getInstance("PKIX");
    tmf.init(CA.trustStore());
    noCert.init(null, tmf.getTrustManagers(), null);
    try (SSLServerSocket server = listen(serverContext())) {
      CompletableFuture<String> seen =
          CompletableFuture.supplyAsync(
              () -> {
                try (SSLSocket socket = (SSLSocket) server.accept()) {
                  socket.setSoTimeout(10_000);
                  socket.startHandshake();
                  socket.getOutputStream().write(42);
                  socket.getOutputStream().flush();
                  try {
                    socket.getSession().getPeerCertificates();
                    return "certificate";
                  } catch (javax.net.ssl.SSLPeerUnverifiedException none) {
                    return "none";
                  }
                } catch (IOException e) {
                  throw new RuntimeException(e);
                }
              });
      assertEquals(42, connect(noCert, server.getLocalPort(), protocol));
      assertEquals("none", seen.get(10, TimeUnit.SECONDS));
    }
  }

  @Test
  void serverRefusesAnRsa1024ClientKeyAndAcceptsRsa2048() throws Exception {
    for (int bits : new int[] {1024, 2048}) {
      java.security.KeyPairGenerator gen = java.security.KeyPairGenerator.getInstance("RSA");
      gen.initialize(bits);
      KeyPair keys = gen.generateKeyPair();
      X509Certificate cert = ClientCertificate.of(keys, Identities.of(keys.getPublic()));
      SSLContext client = ClientTls.sslContext(keys, cert, CA.trustStore(), false);
      try (SSLServerSocket server = listen(serverContext())) {
        CompletableFuture<Seen> seen = serveOnce(server);
        if (bits == 1024) {
          assertThrows(IOException.class, () -> connect(client, server.getLocalPort(), "TLSv1.3"));
          Exception e = assertThrows(Exception.class, () -> seen.get(10, TimeUnit.SECONDS));
          assertTrue(
              String.valueOf(e.getCause())
                  .contains("client key too weak: RSA 1024 bits, at least 2048"),
              e.toString());
        } else {
          assertEquals(42, connect(client, server.getLocalPort(), "TLSv1.3"));
          assertEquals(Identities.of(keys.getPublic()), seen.get(10, TimeUnit.SECONDS).identity());
        }
      }
    }
  }

  @Test
  void clientKeysBelowTheMinimumAreRefused() throws Exception {
    ClientKeys.check(TestKeys.ed25519().getPublic());
    ClientKeys.check(TestKeys.ec("secp256r1").getPublic());
    ClientKeys.check(TestKeys.ec("secp384r1").getPublic());
    java.security.KeyPairGenerator dsa = java.security.KeyPairGenerator.getInstance("DSA");
    dsa.initialize(2048);
    var e =
        assertThrows(
            java.security.cert.CertificateException.class,
            () -> ClientKeys.check(dsa.generateKeyPair().getPublic()));
    assertEquals("client key type DSA not accepted", e.getMessage());
  }

  @Test
  void serverRefusesCbcAndStaticRsaSuites() throws Exception {
    KeyPair keys = TestKeys.ed25519();
    X509Certificate cert = ClientCertificate.of(keys, Identities.of(keys.getPublic()));
    SSLContext client = ClientTls.sslContext(keys, cert, CA.trustStore(), false);
    for (String suite :
        List.of(
            "TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA256",
            "TLS_ECDHE_ECDSA_WITH_AES_256_CBC_SHA",
            "TLS_RSA_WITH_AES_128_GCM_SHA256")) {
      try (SSLServerSocket server = listen(serverContext())) {
        CompletableFuture<Seen> seen = serveOnce(server);
        try (SSLSocket socket =
            (SSLSocket)
                client.getSocketFactory().createSocket("127.0.0.1", server.getLocalPort())) {
          socket.setSoTimeout(10_000);
          SSLParameters params = ClientTls.sslParameters(client);
          params.setProtocols(new String[] {"TLSv1.2"});
          params.setCipherSuites(new String[] {suite});
          socket.setSSLParameters(params);
          assertThrows(IOException.class, socket::startHandshake, suite);
        }
        Exception e = assertThrows(Exception.class, () -> seen.get(10, TimeUnit.SECONDS));
        assertTrue(
            String.valueOf(e.getCause()).contains("no cipher suites in common"), e.toString());
      }
    }
  }

  @Test
  void clientChecksTheServerHostNameUnlessInsecure() throws Exception {
    KeyPair keys = TestKeys.ed25519();
    X509Certificate cert = ClientCertificate.of(keys, Identities.of(keys.getPublic()));
    CertifiedKey wrongName =
        CA.issueNode(TestKeys.ec("secp256r1"), List.of("elsewhere.example"), Duration.ofDays(1));
    SSLContext serverContext = ServerTls.sslContext(wrongName);

    SSLContext strict = ClientTls.sslContext(keys, cert, CA.trustStore(), false);
    try (SSLServerSocket server = listen(serverContext)) {
      CompletableFuture<Seen> seen = serveOnce(server);
      IOException e =
          assertThrows(IOException.class, () -> connect(strict, server.getLocalPort(), "TLSv1.3"));
      assertTrue(
          e.getMessage().contains("No subject alternative names matching IP address 127.0.0.1"),
          e.getMessage());
      assertThrows(Exception.class, () -> seen.get(10, TimeUnit.SECONDS));
    }
    // Insecure: neither the CA nor the name is checked (trust store not even given).
    SSLContext insecure = ClientTls.sslContext(keys, cert, null, true);
    try (SSLServerSocket server = listen(serverContext)) {
      CompletableFuture<Seen> seen = serveOnce(server);
      assertEquals(42, connect(insecure, server.getLocalPort(), "TLSv1.3"));
      assertEquals(Identities.of(keys.getPublic()), seen.get(10, TimeUnit.SECONDS).identity());
    }
  }

  @Test
  void clientRefusesAnUntrustedServer() throws Exception {
    KeyPair keys = TestKeys.ed25519();
    X509Certificate cert = ClientCertificate.of(keys, Identities.of(keys.getPublic()));
    KeyPair serverKeys = TestKeys.ec("secp256r1");
    X509Certificate selfSigned =
        SelfSigned.serverCertificate(serverKeys, List.of("127.0.0.1"), Duration.ofDays(1));
    SSLContext strict = ClientTls.sslContext(keys, cert, CA.trustStore(), false);
    try (SSLServerSocket server = listen(ServerTls.sslContext(serverKeys, List.of(selfSigned)))) {
      CompletableFuture<Seen> seen = serveOnce(server);
      IOException e =
          assertThrows(IOException.class, () -> connect(strict, server.getLocalPort(), "TLSv1.3"));
      assertTrue(e.getMessage().contains("PKIX path building failed"), e.getMessage());
      assertThrows(Exception.class, () -> seen.get(10, TimeUnit.SECONDS));
    }
  }

  @Test
  void serverEngineAsksForClientAuthWithAeadSuitesOnly() throws Exception {
    SSLContext context = serverContext();
    var engine = ServerTls.newEngine(context);
    assertEquals(false, engine.getUseClientMode());
    assertTrue(engine.getWantClientAuth());
    assertEquals(false, engine.getNeedClientAuth());
    assertEquals(List.of("TLSv1.3", "TLSv1.2"), List.of(engine.getEnabledProtocols()));
    List<String> suites = List.of(engine.getEnabledCipherSuites());
    assertEquals(ServerTls.CIPHER_SUITES, suites);
    for (String suite : suites) {
      assertTrue(
          suite.startsWith("TLS_AES_")
              || suite.startsWith("TLS_CHACHA20_")
              || suite.startsWith("TLS_ECDHE_"),
          suite);
      assertTrue(suite.contains("_GCM_") || suite.contains("_CHACHA20_POLY1305_"), suite);
    }
    assertEquals("true", System.getProperty("jdk.tls.rejectClientInitiatedRenegotiation"));
    var fromFactory = ServerTls.engineFactory(context).get();
    assertTrue(fromFactory.getWantClientAuth());
    assertTrue(fromFactory != engine);
  }
}
