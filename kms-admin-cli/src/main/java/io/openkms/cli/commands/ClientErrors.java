package io.openkms.cli.commands;

import io.openkms.cli.CliException;
import io.openkms.http.client.KmsClientException;
import io.openkms.http.client.KmsProtocolException;
import io.openkms.http.client.KmsRequestException;
import io.openkms.http.client.KmsTransportException;
import java.net.ConnectException;
import java.net.NoRouteToHostException;
import java.net.UnknownHostException;
import java.net.http.HttpConnectTimeoutException;
import java.net.http.HttpTimeoutException;
import java.nio.channels.UnresolvedAddressException;
import java.security.cert.CertPathBuilderException;
import java.security.cert.CertPathValidatorException;
import java.security.cert.CertificateException;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import javax.net.ssl.SSLException;

/**
 * Turns the Java client's errors into the one line {@code minkms} prints (docs/REFERENCE.md §2,
 * §9), each with what to do about it. All are failures (exit 1).
 *
 * <ul>
 *   <li>The server answered with an error ({@link KmsClientException}): its message exactly, e.g.
 *       {@code access denied: insufficient permissions}.
 *   <li>No server answered ({@link KmsTransportException}), by cause:
 *       <ul>
 *         <li>refused, unreachable, timed out, unknown host: {@code cannot reach <urls>: <reason> —
 *             is the server running? check MINIO_KMS_SERVER};
 *         <li>server certificate not trusted: {@code <url>: certificate signed by unknown
 *             authority: use -k/--insecure for self-signed certificates or add the CA to
 *             ~/.minkms/certs/CAs};
 *         <li>certificate not valid for the host name: {@code <url>: certificate is not valid for
 *             this host name: check MINIO_KMS_SERVER, or use -k/--insecure};
 *         <li>any other TLS failure: {@code <url>: TLS handshake failed: <detail>}.
 *       </ul>
 *   <li>An unusable answer ({@link KmsProtocolException}): {@code <url>: <message>}.
 * </ul>
 *
 * {@code <urls>} lists every host tried, {@code https://host:port}, comma-separated.
 */
public final class ClientErrors {
  /** The hint after a network failure. */
  public static final String REACH_HINT = "is the server running? check MINIO_KMS_SERVER";

  /** The hint after an untrusted server certificate. */
  public static final String TRUST_HINT =
      "use -k/--insecure for self-signed certificates or add the CA to ~/.minkms/certs/CAs";

  private ClientErrors() {}

  /** The one-line failure for {@code e}. */
  public static CliException of(KmsRequestException e) {
    if (e instanceof KmsClientException) {
      return CliException.failure(e.getMessage());
    }
    if (e instanceof KmsProtocolException) {
      return CliException.failure(url(e.host()) + ": " + e.getMessage());
    }
    return CliException.failure(transport((KmsTransportException) e));
  }

  private static String transport(KmsTransportException e) {
    Throwable cause = e.getCause();
    if (has(cause, SSLException.class) || has(cause, CertificateException.class)) {
      return url(e.host()) + ": " + tls(cause);
    }
    Set<String> hosts = new LinkedHashSet<>();
    for (Throwable suppressed : e.getSuppressed()) {
      if (suppressed instanceof KmsRequestException r) {
        hosts.add(url(r.host()));
      }
    }
    hosts.add(url(e.host()));
    return "cannot reach " + String.join(", ", hosts) + ": " + reason(e) + " — " + REACH_HINT;
  }

  private static String tls(Throwable cause) {
    if (has(cause, CertPathBuilderException.class)
        || has(cause, CertPathValidatorException.class)
        || messageContains(cause, "PKIX path")) {
      return "certificate signed by unknown authority: " + TRUST_HINT;
    }
    if (messageContains(cause, "subject alternative")
        || messageContains(cause, "No name matching")) {
      return "certificate is not valid for this host name: check MINIO_KMS_SERVER, or use -k/--insecure";
    }
    return "TLS handshake failed: " + detail(root(cause));
  }

  private static String reason(KmsTransportException e) {
    Throwable cause = e.getCause();
    if (cause == null) {
      return e.getMessage().substring(e.host().length() + 2);
    }
    if (has(cause, HttpConnectTimeoutException.class)) {
      return "connection timed out";
    }
    if (has(cause, HttpTimeoutException.class)) {
      return "request timed out";
    }
    if (has(cause, UnresolvedAddressException.class) || has(cause, UnknownHostException.class)) {
      return "unknown host";
    }
    if (has(cause, NoRouteToHostException.class)) {
      return "no route to host";
    }
    if (has(cause, ConnectException.class)) {
      return "connection refused";
    }
    return detail(root(cause));
  }

  private static boolean has(Throwable t, Class<? extends Throwable> type) {
    for (Throwable c : chain(t)) {
      if (type.isInstance(c)) {
        return true;
      }
    }
    return false;
  }

  private static boolean messageContains(Throwable t, String text) {
    for (Throwable c : chain(t)) {
      if (c.getMessage() != null && c.getMessage().contains(text)) {
        return true;
      }
    }
    return false;
  }

  private static List<Throwable> chain(Throwable t) {
    List<Throwable> all = new ArrayList<>();
    for (Throwable c = t; c != null && !all.contains(c); c = c.getCause()) {
      all.add(c);
    }
    return all;
  }

  private static Throwable root(Throwable t) {
    List<Throwable> all = chain(t);
    return all.get(all.size() - 1);
  }

  private static String detail(Throwable t) {
    String message = t.getMessage();
    return message == null || message.isBlank()
        ? t.getClass().getSimpleName()
        : message.strip().replaceAll("\\s*\\R\\s*", " ");
  }

  /** {@code https://host:port}. */
  static String url(String host) {
    return "https://" + host;
  }
}
