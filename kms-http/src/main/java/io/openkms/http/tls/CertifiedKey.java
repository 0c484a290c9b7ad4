package io.openkms.http.tls;

import java.security.KeyPair;
import java.security.cert.X509Certificate;
import java.util.List;
import java.util.Objects;

/**
 * A key pair and the certificate chain that certifies its public key, leaf first. The leaf's public
 * key is {@code keyPair.getPublic()}.
 *
 * @param keyPair the private key and the leaf certificate's public key
 * @param chain the leaf certificate first, then its issuers (may be just the leaf); never empty
 */
public record CertifiedKey(KeyPair keyPair, List<X509Certificate> chain) {

  /**
   * @throws IllegalArgumentException if the chain is empty
   */
  public CertifiedKey {
    Objects.requireNonNull(keyPair, "keyPair");
    chain = List.copyOf(chain);
    if (chain.isEmpty()) {
      throw new IllegalArgumentException("certificate chain is empty");
    }
  }

  /** The leaf certificate, {@code chain().get(0)}. */
  public X509Certificate leaf() {
    return chain.get(0);
  }
}
