package io.openkms.cli.config;

import java.nio.file.Path;
import java.util.List;
import java.util.Optional;

/**
 * The config file's {@code tls} section (docs/REFERENCE.md §3.2, §5.5).
 *
 * @param certs the server's key/certificate pairs; empty when none is configured (the node then
 *     generates a self-signed certificate)
 * @param ca the directory (or file) of CA certificates used to verify peers, if given
 */
public record TlsConfig(List<CertKeyPair> certs, Optional<Path> ca) {
  /** No certificate, no CA. */
  public static final TlsConfig NONE = new TlsConfig(List.of(), Optional.empty());

  public TlsConfig {
    certs = List.copyOf(certs);
  }
}
