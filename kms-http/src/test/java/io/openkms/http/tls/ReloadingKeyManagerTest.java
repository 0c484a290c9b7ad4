package io.openkms.http.tls;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.security.KeyPair;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLServerSocket;
import javax.net.ssl.SSLSocket;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Certificate reload (docs/REFERENCE.md §5.5, issue 7 point 4): replaced files are used by the next
 * handshake; a broken file keeps the old pair.
 */
class ReloadingKeyManagerTest {

  private static final TestCa CA = TestCa.create("reload test CA");

  @TempDir Path dir;

  private CertifiedKey write(String host) throws Exception {
    CertifiedKey node =
        CA.issueNode(TestCa.generateEcKeyPair(), List.of(host, "127.0.0.1"), Duration.ofDays(30));
    Files.writeString(
        dir.resolve("private.key"), Pem.encodePrivateKey(node.keyPair().getPrivate()));
    Files.writeString(dir.resolve("public.crt"), Pem.encodeCertificates(node.chain()));
    touch();
    return node;
  }

  private int stamp = 0;

  /** Moves the files' modification time forward, as a real replacement would. */
  private void touch() throws Exception {
    FileTime t = FileTime.from(Instant.parse("2030-01-01T00:00:00Z").plusSeconds(++stamp));
    Files.setLastModifiedTime(dir.resolve("private.key"), t);
    Files.setLastModifiedTime(dir.resolve("public.crt"), t);
  }

  /** The server certificate a fresh client handshake receives. */
  private static X509Certificate handshake(SSLContext server) throws Exception {
    KeyPair clientKeys = TestCa.generateEcKeyPair();
    X509Certificate clientCert = ClientCertificate.of(clientKeys, "client");
    SSLContext client = ClientTls.sslContext(clientKeys, clientCert, null, true);
    try (SSLServerSocket listener =
        (SSLServerSocket)
            server
                .getServerSocketFactory()
                .createServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
      listener.setSSLParameters(ServerTls.sslParameters(server));
      listener.setSoTimeout(10_000);
      Thread accept =
          new Thread(
              () -> {
                try (SSLSocket s = (SSLSocket) listener.accept()) {
                  s.startHandshake();
                  s.getOutputStream().write(1);
                } catch (Exception ignored) {
                  // the client side reports failures
                }
              });
      accept.start();
      try (SSLSocket socket =
          (SSLSocket)
              client.getSocketFactory().createSocket("127.0.0.1", listener.getLocalPort())) {
        socket.setSoTimeout(10_000);
        socket.startHandshake();
        X509Certificate seen = (X509Certificate) socket.getSession().getPeerCertificates()[0];
        socket.getInputStream().read();
        accept.join(10_000);
        return seen;
      }
    }
  }

  @Test
  void replacedFilesAreServedToTheNextHandshake() throws Exception {
    CertifiedKey first = write("first.example");
    ReloadingKeyManager keys =
        ReloadingKeyManager.open(
            dir.resolve("private.key"), dir.resolve("public.crt"), Clock.systemUTC());
    SSLContext server = ServerTls.sslContext(keys);
    assertEquals(first.leaf(), handshake(server));

    assertFalse(keys.reloadIfChanged(), "unchanged files are not reloaded");
    CertifiedKey second = write("second.example");
    assertTrue(keys.reloadIfChanged());
    assertEquals(second.leaf(), keys.current());
    assertEquals(second.leaf(), handshake(server));
  }

  @Test
  void aBrokenReplacementKeepsTheOldPair() throws Exception {
    CertifiedKey first = write("first.example");
    ReloadingKeyManager keys =
        ReloadingKeyManager.open(
            dir.resolve("private.key"), dir.resolve("public.crt"), Clock.systemUTC());
    SSLContext server = ServerTls.sslContext(keys);

    Files.writeString(dir.resolve("public.crt"), "-----BEGIN CERTIFICATE-----\nbroken\n");
    touch();
    assertFalse(keys.reloadIfChanged());
    assertEquals(first.leaf(), handshake(server));

    // A key that does not match the certificate is refused too.
    CertifiedKey other = CA.issueNode(TestCa.generateEcKeyPair(), List.of("x"), Duration.ofDays(1));
    Files.writeString(dir.resolve("public.crt"), Pem.encodeCertificates(first.chain()));
    Files.writeString(
        dir.resolve("private.key"), Pem.encodePrivateKey(other.keyPair().getPrivate()));
    touch();
    assertFalse(keys.reload());
    assertEquals(first.leaf(), handshake(server));
  }

  @Test
  void unreadableFilesFailToOpenWithTheFileName() {
    PemException e =
        assertThrows(
            PemException.class,
            () ->
                ReloadingKeyManager.open(
                    dir.resolve("missing.key"), dir.resolve("missing.crt"), Clock.systemUTC()));
    assertTrue(e.getMessage().contains("missing"), e.getMessage());
  }
}
