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
 *       {@code access denied: insufficient permissions}; after an earlier attempt of a write that
 *       lost its connection once the request was sent ({@link KmsRequestException#inDoubt()}) with
 *       {@link #inDoubtNote}, e.g. {@code key already exists (an earlier attempt through
 *       https://HOST lost its connection after sending the request; it may have created it)}.
 *   <li>No server answered ({@link KmsTransportException}), by cause:
 *       <ul>
 *         <li>refused, unreachable, timed out, unknown host: {@code cannot reach <urls>: <reason> —
 *             is the server running? check MINIO_KMS_SERVER}; {@code <urls>: <reason>} becomes
 *             {@code <url> (<reason>), <url> (<reason>)} when the reasons differ, and hosts not
 *             tried follow: {@code ; <url> not tried: it failed 3 s ago (a server that fails is
 *             skipped for 30 s)};
 *         <li>a write whose request was sent before the connection broke, on every host tried:
 *             {@code no answer from <urls>: <reason> (the write is in doubt: the request reached
 *             <url> before its connection broke, so it may have been applied; check before writing
 *             again) — is the server running? check MINIO_KMS_SERVER};
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
    if (e instanceof KmsClientException c) {
      return CliException.failure(e.getMessage() + inDoubtNote(c));
    }
    if (e instanceof KmsProtocolException) {
      return CliException.failure(url(e.host()) + ": " + e.getMessage());
    }
    return CliException.failure(transport((KmsTransportException) e));
  }

  /**
   * {@code ""}, or for a server's error after a write's earlier attempt lost its connection once
   * the request was sent: {@code (an earlier attempt through <url> lost its connection after
   * sending the request; it may have created it)} ({@code deleted it} for a 404, {@code added it}
   * for a node already in the cluster, {@code the write may have been applied} otherwise; {@code
   * earlier attempts through <url>, <url> lost their connections …} for several).
   */
  public static String inDoubtNote(KmsClientException e) {
    if (!e.inDoubt()) {
      return "";
    }
    List<String> urls = e.answerLostAt().stream().map(ClientErrors::url).toList();
    String effect;
    if (e.status() == 409 && e.getMessage().contains("part of the cluster")) {
      effect = "may have added it";
    } else if (e.status() == 409) {
      effect = "may have created it";
    } else if (e.status() == 404) {
      effect = "may have deleted it";
    } else {
      effect = "the write may have been applied";
    }
    boolean one = urls.size() == 1;
    return (one ? " (an earlier attempt through " : " (earlier attempts through ")
        + String.join(", ", urls)
        + (one ? " lost its connection" : " lost their connections")
        + " after sending the request; "
        + (effect.startsWith("may") ? (one ? "it " : "they ") + effect : effect)
        + ")";
  }

  private static String transport(KmsTransportException e) {
    Throwable cause = e.getCause();
    if (!e.inDoubt()
        && (has(cause, SSLException.class) || has(cause, CertificateException.class))) {
      return url(e.host()) + ": " + tls(cause);
    }
    List<KmsTransportException> tried = new ArrayList<>(e.earlierAttempts());
    for (Throwable suppressed : e.getSuppressed()) {
      // exceptions made by others (tests, older callers) may carry the attempts as suppressed only
      if (suppressed instanceof KmsTransportException t && !tried.contains(t)) {
        tried.add(t);
      }
    }
    tried.add(e);
    Set<String> reasons = new LinkedHashSet<>();
    for (KmsTransportException t : tried) {
      reasons.add(reason(t));
    }
    Set<String> hosts = new LinkedHashSet<>();
    for (KmsTransportException t : tried) {
      hosts.add(url(t.host()) + (reasons.size() > 1 ? " (" + reason(t) + ")" : ""));
    }
    String which = String.join(", ", hosts) + (reasons.size() > 1 ? "" : ": " + reason(e));
    StringBuilder line = new StringBuilder();
    if (e.inDoubt()) {
      line.append("no answer from ")
          .append(which)
          .append(" (the write is in doubt: the request reached ")
          .append(String.join(", ", e.answerLostAt().stream().map(ClientErrors::url).toList()))
          .append(" before its connection broke, so it may have been applied; check before")
          .append(" writing again)");
    } else {
      line.append("cannot reach ").append(which);
    }
    for (KmsRequestException.SkippedHost s : e.skippedHosts()) {
      line.append("; ")
          .append(url(s.host()))
          .append(" not tried: it failed ")
          .append(Math.max(0, s.failedAgo().toSeconds()))
          .append(" s ago (a server that fails is skipped for ")
          .append(s.memory().toSeconds())
          .append(" s)");
    }
    return line.append(" — ").append(REACH_HINT).toString();
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
    if (has(cause, SSLException.class) || has(cause, CertificateException.class)) {
      return "TLS failed: " + detail(root(cause));
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
