package io.openkms.cli.server;

import io.openkms.cli.CliException;
import io.openkms.cli.config.CertKeyPair;
import io.openkms.cli.config.ServerConfig;
import io.openkms.http.tls.CertifiedKey;
import io.openkms.http.tls.Pem;
import io.openkms.http.tls.PemException;
import io.openkms.http.tls.ReloadingKeyManager;
import io.openkms.http.tls.SelfSigned;
import io.openkms.http.tls.ServerTls;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import javax.net.ssl.SSLContext;

/**
 * The server's TLS certificate: the {@code tls.certs} pair of the config file (docs/REFERENCE.md
 * §3.2), or, with {@code --dev} or without a {@code tls} section, a self-signed certificate kept in
 * {@code DIR/certs/} (made on first start, reused after) and announced in the banner.
 */
final class ServerCertificate {

  /** Validity of a generated self-signed server certificate. */
  static final Duration SELF_SIGNED_VALIDITY = Duration.ofDays(365);

  /** How often the certificate files are checked for changes. */
  static final Duration RELOAD_CHECK = Duration.ofSeconds(10);

  /** Unconditional reload period (docs/REFERENCE.md §5.5: every 60 minutes). */
  static final Duration RELOAD_FORCE = Duration.ofHours(1);

  private final ReloadingKeyManager configured;
  private final List<String> names;

  private ServerCertificate(ReloadingKeyManager configured, List<String> names) {
    this.configured = configured;
    this.names = names;
  }

  /**
   * Reads the configured key and certificate, or prepares a self-signed one.
   *
   * @throws CliException exit 1 with one line naming the file when a file is unreadable or the key
   *     does not match the certificate
   */
  static ServerCertificate load(ServerOptions options, ServerConfig config) throws CliException {
    List<CertKeyPair> certs = config.tls().certs();
    if (!options.dev() && !certs.isEmpty()) {
      CertKeyPair pair = certs.get(0);
      try {
        return new ServerCertificate(
            ReloadingKeyManager.open(pair.key(), pair.cert(), java.time.Clock.systemUTC()),
            List.of());
      } catch (PemException e) {
        throw CliException.failure(e.getMessage());
      }
    }
    Set<String> names = new LinkedHashSet<>();
    names.add(options.host().host());
    if (!options.address().isWildcard()) {
      names.add(options.address().host());
    }
    names.add("localhost");
    names.add("127.0.0.1");
    return new ServerCertificate(null, new ArrayList<>(names));
  }

  /**
   * The server's SSLContext; writes the self-signed pair into {@code DIR/certs} if needed. A
   * configured pair is reloaded when its files change and at least hourly.
   */
  SSLContext sslContext(Path dir) throws CliException {
    if (configured != null) {
      configured.startWatching(RELOAD_CHECK, RELOAD_FORCE);
      return ServerTls.sslContext(configured);
    }
    return ServerTls.sslContext(selfSigned(dir));
  }

  /**
   * The banner's TLS line for a self-signed certificate, naming its file, e.g. {@code self-signed
   * certificate /mnt/minio-kms/certs/public.crt: clients need -k/--insecure}; empty for a
   * configured certificate.
   *
   * @param dir the node's {@code DIR}
   */
  Optional<String> note(Path dir) {
    return configured != null
        ? Optional.empty()
        : Optional.of(
            "self-signed certificate "
                + dir.toAbsolutePath().resolve("certs").resolve("public.crt")
                + ": clients need -k/--insecure");
  }

  private CertifiedKey selfSigned(Path dir) throws CliException {
    Path certDir = dir.resolve("certs");
    Path key = certDir.resolve("private.key");
    Path cert = certDir.resolve("public.crt");
    try {
      if (Files.exists(key) && Files.exists(cert)) {
        return Pem.readCertifiedKey(key, cert);
      }
      KeyPair pair = SelfSigned.newEcKeyPair();
      X509Certificate x509 = SelfSigned.serverCertificate(pair, names, SELF_SIGNED_VALIDITY);
      Files.createDirectories(certDir);
      // 0600 from creation on: no other user can open it before a chmod (issue 13)
      io.openkms.persistence.PrivateFiles.write(
          key,
          Pem.encodePrivateKey(pair.getPrivate())
              .getBytes(java.nio.charset.StandardCharsets.US_ASCII));
      Files.writeString(cert, Pem.encodeCertificates(List.of(x509)));
      return new CertifiedKey(pair, List.of(x509));
    } catch (PemException | IOException e) {
      throw CliException.failure(
          "cannot prepare self-signed certificate in " + certDir + ": " + e.getMessage());
    }
  }
}
