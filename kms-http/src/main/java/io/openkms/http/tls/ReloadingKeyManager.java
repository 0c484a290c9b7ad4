package io.openkms.http.tls;

import java.io.IOException;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.Principal;
import java.security.PrivateKey;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.X509ExtendedKeyManager;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The server's key manager for a key and certificate read from PEM files, reloaded when the files
 * change and at least every hour; a pair that fails to load is ignored and the previous one stays
 * in use; a certificate that expires within 48 hours is logged as a warning (docs/REFERENCE.md
 * §5.5). New handshakes see the new pair at once; handshakes in flight keep the pair they chose
 * (each generation has its own alias, so key and chain never mix).
 */
public final class ReloadingKeyManager extends X509ExtendedKeyManager {

  /** Certificates expiring sooner than this are logged as warnings. */
  public static final Duration EXPIRY_WARNING = Duration.ofHours(48);

  private static final Logger LOG = LoggerFactory.getLogger(ReloadingKeyManager.class);

  private final Path keyFile;
  private final Path certFile;
  private final Clock clock;
  private final AtomicLong generation = new AtomicLong();
  private final Map<String, SingleKeyManager> byAlias = new ConcurrentHashMap<>();
  private volatile String currentAlias;
  private volatile X509Certificate currentLeaf;
  private volatile String fingerprint;

  private ReloadingKeyManager(Path keyFile, Path certFile, Clock clock) {
    this.keyFile = keyFile;
    this.certFile = certFile;
    this.clock = clock;
  }

  /**
   * Loads the pair once.
   *
   * @throws PemException one line naming the file that cannot be read, or the key that does not
   *     match the certificate
   */
  public static ReloadingKeyManager open(Path keyFile, Path certFile, Clock clock)
      throws PemException {
    ReloadingKeyManager m = new ReloadingKeyManager(keyFile, certFile, clock);
    m.install(Pem.readCertifiedKey(keyFile, certFile), m.stamp());
    return m;
  }

  /** The leaf certificate now in use. */
  public X509Certificate current() {
    return currentLeaf;
  }

  /**
   * Reloads the pair if the files changed (modification time or size). Keeps the old pair and logs
   * a warning when the new files do not load.
   *
   * @return true if a new pair is now in use
   */
  public boolean reloadIfChanged() {
    String stamp = stamp();
    return !stamp.equals(fingerprint) && reload(stamp);
  }

  /** Reloads the pair now, whether or not the files changed; false if it failed to load. */
  public boolean reload() {
    return reload(stamp());
  }

  private synchronized boolean reload(String stamp) {
    try {
      install(Pem.readCertifiedKey(keyFile, certFile), stamp);
      LOG.info(
          "reloaded TLS certificate {} (subject {}, expires {})",
          certFile,
          currentLeaf.getSubjectX500Principal().getName(),
          currentLeaf.getNotAfter().toInstant());
      return true;
    } catch (PemException e) {
      fingerprint = stamp; // do not retry the same broken files until they change again
      LOG.warn("keeping the current TLS certificate: {}", e.getMessage());
      return false;
    }
  }

  /**
   * Checks the files every {@code checkEvery} and reloads unconditionally every {@code forceEvery},
   * on a daemon thread.
   */
  public void startWatching(Duration checkEvery, Duration forceEvery) {
    ScheduledExecutorService timer =
        Executors.newSingleThreadScheduledExecutor(
            r -> {
              Thread t = new Thread(r, "minkms-tls-reload");
              t.setDaemon(true);
              return t;
            });
    timer.scheduleWithFixedDelay(
        this::reloadIfChanged, checkEvery.toMillis(), checkEvery.toMillis(), TimeUnit.MILLISECONDS);
    timer.scheduleWithFixedDelay(
        this::reload, forceEvery.toMillis(), forceEvery.toMillis(), TimeUnit.MILLISECONDS);
  }

  private void install(CertifiedKey key, String stamp) {
    String alias = "key-" + generation.incrementAndGet();
    byAlias.put(alias, new SingleKeyManager(key.keyPair().getPrivate(), key.chain()));
    String previous = currentAlias;
    currentAlias = alias;
    currentLeaf = key.leaf();
    fingerprint = stamp;
    // Keep the previous generation for handshakes that chose it a moment ago.
    byAlias.keySet().removeIf(a -> !a.equals(alias) && !a.equals(previous));
    Instant notAfter = key.leaf().getNotAfter().toInstant();
    if (notAfter.isBefore(clock.instant().plus(EXPIRY_WARNING))) {
      LOG.warn(
          "TLS certificate {} expires at {} (within {} hours): replace it",
          certFile,
          notAfter,
          EXPIRY_WARNING.toHours());
    }
  }

  private String stamp() {
    return stamp(keyFile) + "/" + stamp(certFile);
  }

  private static String stamp(Path file) {
    try {
      return Files.getLastModifiedTime(file).toMillis() + ":" + Files.size(file);
    } catch (IOException e) {
      return "missing";
    }
  }

  private SingleKeyManager current(String alias) {
    return alias == null ? null : byAlias.get(alias);
  }

  @Override
  public String[] getClientAliases(String keyType, Principal[] issuers) {
    return null;
  }

  @Override
  public String chooseClientAlias(String[] keyTypes, Principal[] issuers, Socket socket) {
    return null;
  }

  @Override
  public String[] getServerAliases(String keyType, Principal[] issuers) {
    String alias = currentAlias;
    SingleKeyManager m = current(alias);
    return m != null && m.getServerAliases(keyType, issuers) != null ? new String[] {alias} : null;
  }

  @Override
  public String chooseServerAlias(String keyType, Principal[] issuers, Socket socket) {
    String alias = currentAlias;
    SingleKeyManager m = current(alias);
    return m != null && m.chooseServerAlias(keyType, issuers, socket) != null ? alias : null;
  }

  @Override
  public String chooseEngineServerAlias(String keyType, Principal[] issuers, SSLEngine engine) {
    String alias = currentAlias;
    SingleKeyManager m = current(alias);
    return m != null && m.chooseEngineServerAlias(keyType, issuers, engine) != null ? alias : null;
  }

  @Override
  public X509Certificate[] getCertificateChain(String alias) {
    SingleKeyManager m = current(alias);
    return m == null ? null : m.getCertificateChain(SingleKeyManager.ALIAS);
  }

  @Override
  public PrivateKey getPrivateKey(String alias) {
    SingleKeyManager m = current(alias);
    return m == null ? null : m.getPrivateKey(SingleKeyManager.ALIAS);
  }
}
