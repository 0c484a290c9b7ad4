package io.openkms.cli.config;

import java.nio.file.Path;
import java.util.Objects;

/**
 * One TLS private key and certificate (chain) of the server, as PEM files ({@code tls.certs[]}, or
 * the flat {@code tls.key}/{@code tls.cert}; docs/REFERENCE.md §3.2). Paths are as written in the
 * config file (a relative path is relative to the working directory).
 *
 * @param key the PEM private key file
 * @param cert the PEM certificate file
 */
public record CertKeyPair(Path key, Path cert) {
  public CertKeyPair {
    Objects.requireNonNull(key, "key");
    Objects.requireNonNull(cert, "cert");
  }
}
