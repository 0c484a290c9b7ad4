package io.openkms.cli.client;

import io.openkms.cli.CliException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.cert.Certificate;
import java.security.cert.CertificateException;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import javax.net.ssl.TrustManager;
import javax.net.ssl.TrustManagerFactory;
import javax.net.ssl.X509TrustManager;

/**
 * The CAs a client command trusts (docs/REFERENCE.md §2.1): the JDK's default CAs plus every
 * certificate in the files of {@code $HOME/.minkms/certs/CAs} (PEM or DER, several per file
 * allowed; subdirectories and hidden files are skipped).
 */
public final class ClientTrustStore {
  private ClientTrustStore() {}

  /** {@code <home>/.minkms/certs/CAs}. */
  public static Path casDirectory(Path home) {
    return home.resolve(".minkms").resolve("certs").resolve("CAs");
  }

  /**
   * A new in-memory trust store (type {@link KeyStore#getDefaultType()}) holding the JDK's default
   * CAs (aliases {@code jdk-<n>}) and the certificates of {@link #casDirectory(Path)} (aliases
   * {@code <file name>-<n>}); a missing directory adds nothing.
   *
   * @throws CliException exit 1: {@code cannot read CA certificates in <dir>: <reason>} or {@code
   *     invalid CA certificate file <file>: <reason>} (a file without any certificate too)
   */
  public static KeyStore load(Path home) throws CliException {
    KeyStore store;
    try {
      store = KeyStore.getInstance(KeyStore.getDefaultType());
      store.load(null, null);
      int n = 0;
      for (X509Certificate ca : jdkDefaultCas()) {
        store.setCertificateEntry("jdk-" + n++, ca);
      }
    } catch (GeneralSecurityException | IOException e) {
      throw CliException.failure("cannot load the default CA certificates: " + e.getMessage());
    }
    Path dir = casDirectory(home);
    if (!Files.isDirectory(dir)) {
      return store;
    }
    for (Path file : files(dir)) {
      List<Certificate> certs = certificates(file);
      for (int i = 0; i < certs.size(); i++) {
        try {
          store.setCertificateEntry(file.getFileName() + "-" + i, certs.get(i));
        } catch (GeneralSecurityException e) {
          throw CliException.failure("invalid CA certificate file " + file + ": " + e.getMessage());
        }
      }
    }
    return store;
  }

  private static List<X509Certificate> jdkDefaultCas() throws GeneralSecurityException {
    TrustManagerFactory factory =
        TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
    factory.init((KeyStore) null);
    List<X509Certificate> result = new ArrayList<>();
    for (TrustManager manager : factory.getTrustManagers()) {
      if (manager instanceof X509TrustManager x509) {
        result.addAll(List.of(x509.getAcceptedIssuers()));
      }
    }
    return result;
  }

  private static List<Path> files(Path dir) throws CliException {
    List<Path> files = new ArrayList<>();
    try (DirectoryStream<Path> entries = Files.newDirectoryStream(dir)) {
      for (Path entry : entries) {
        if (Files.isRegularFile(entry) && !entry.getFileName().toString().startsWith(".")) {
          files.add(entry);
        }
      }
    } catch (IOException e) {
      throw CliException.failure("cannot read CA certificates in " + dir + ": " + e.getMessage());
    }
    files.sort(null);
    return files;
  }

  private static List<Certificate> certificates(Path file) throws CliException {
    try (InputStream in = Files.newInputStream(file)) {
      Collection<? extends Certificate> certs =
          CertificateFactory.getInstance("X.509").generateCertificates(in);
      if (certs.isEmpty()) {
        throw CliException.failure(
            "invalid CA certificate file " + file + ": no certificate found");
      }
      return List.copyOf(certs);
    } catch (CertificateException e) {
      throw CliException.failure("invalid CA certificate file " + file + ": no certificate found");
    } catch (IOException e) {
      throw CliException.failure("invalid CA certificate file " + file + ": " + e.getMessage());
    }
  }
}
