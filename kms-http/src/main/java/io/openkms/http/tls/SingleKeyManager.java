package io.openkms.http.tls;

import java.net.Socket;
import java.security.Principal;
import java.security.PrivateKey;
import java.security.cert.X509Certificate;
import java.util.List;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.X509ExtendedKeyManager;

/**
 * A key manager with exactly one key and chain, offered whenever the peer asks for the key's type,
 * whatever issuers it names (the Go client does the same with GetClientCertificate).
 */
final class SingleKeyManager extends X509ExtendedKeyManager {

  static final String ALIAS = "key";

  private final PrivateKey key;
  private final X509Certificate[] chain;
  private final String keyType;

  SingleKeyManager(PrivateKey key, List<X509Certificate> chain) {
    if (chain.isEmpty()) {
      throw new IllegalArgumentException("certificate chain is empty");
    }
    this.key = key;
    this.chain = chain.toArray(new X509Certificate[0]);
    this.keyType = KeyAlgorithms.jsseKeyType(key);
  }

  private boolean supports(String requested) {
    return requested != null && KeyAlgorithms.jsseKeyType(requested).equals(keyType);
  }

  private String clientAlias(String[] keyTypes) {
    if (keyTypes != null) {
      for (String t : keyTypes) {
        if (supports(t)) {
          return ALIAS;
        }
      }
    }
    return null;
  }

  @Override
  public String[] getClientAliases(String keyType, Principal[] issuers) {
    return supports(keyType) ? new String[] {ALIAS} : null;
  }

  @Override
  public String chooseClientAlias(String[] keyTypes, Principal[] issuers, Socket socket) {
    return clientAlias(keyTypes);
  }

  @Override
  public String chooseEngineClientAlias(String[] keyTypes, Principal[] issuers, SSLEngine engine) {
    return clientAlias(keyTypes);
  }

  @Override
  public String[] getServerAliases(String keyType, Principal[] issuers) {
    return supports(keyType) ? new String[] {ALIAS} : null;
  }

  @Override
  public String chooseServerAlias(String keyType, Principal[] issuers, Socket socket) {
    return supports(keyType) ? ALIAS : null;
  }

  @Override
  public String chooseEngineServerAlias(String keyType, Principal[] issuers, SSLEngine engine) {
    return supports(keyType) ? ALIAS : null;
  }

  @Override
  public X509Certificate[] getCertificateChain(String alias) {
    return ALIAS.equals(alias) ? chain.clone() : null;
  }

  @Override
  public PrivateKey getPrivateKey(String alias) {
    return ALIAS.equals(alias) ? key : null;
  }
}
