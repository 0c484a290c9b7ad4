package io.openkms.cli.commands;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.openkms.cli.CliException;
import io.openkms.http.client.KmsClientException;
import io.openkms.http.client.KmsProtocolException;
import io.openkms.http.client.KmsTransportException;
import java.io.IOException;
import java.net.ConnectException;
import java.net.NoRouteToHostException;
import java.net.http.HttpConnectTimeoutException;
import java.net.http.HttpTimeoutException;
import java.nio.channels.UnresolvedAddressException;
import java.security.cert.CertPathValidatorException;
import javax.net.ssl.SSLHandshakeException;
import org.junit.jupiter.api.Test;

/**
 * {@link ClientErrors}: each kind of client error becomes one line that says what to do
 * (docs/REFERENCE.md §9). The real refused connection and untrusted certificate are also exercised
 * end to end in {@link ClusterCommandsTest}.
 */
class ClientErrorsTest {
  private static final String HOST = "10.0.0.1:7373";

  private static void assertFailure(String message, RuntimeException e) {
    CliException cli = ClientErrors.of((io.openkms.http.client.KmsRequestException) e);
    assertEquals(message, cli.getMessage());
    assertEquals(CliException.FAILURE, cli.exitCode());
  }

  private static KmsTransportException transport(Throwable cause) {
    return new KmsTransportException(HOST, "failed", cause, true);
  }

  private static IOException wrapped(Throwable cause) {
    return new IOException(cause);
  }

  @Test
  void serverErrorsAreTheServersMessage() {
    assertFailure(
        "access denied: insufficient permissions",
        new KmsClientException(403, "access denied: insufficient permissions", HOST));
    assertFailure("key does not exist", new KmsClientException(404, "key does not exist", HOST));
  }

  @Test
  void protocolErrorsNameTheServer() {
    assertFailure(
        "https://10.0.0.1:7373: request content length is negative",
        new KmsProtocolException("request content length is negative", HOST));
  }

  @Test
  void networkErrorsSayWhatToCheck() {
    String hint = " — is the server running? check MINIO_KMS_SERVER";
    assertFailure(
        "cannot reach https://10.0.0.1:7373: connection refused" + hint,
        transport(new ConnectException()));
    assertFailure(
        "cannot reach https://10.0.0.1:7373: connection refused" + hint,
        transport(wrapped(new ConnectException("Connection refused"))));
    assertFailure(
        "cannot reach https://10.0.0.1:7373: connection timed out" + hint,
        transport(new HttpConnectTimeoutException("HTTP connect timed out")));
    assertFailure(
        "cannot reach https://10.0.0.1:7373: request timed out" + hint,
        transport(new HttpTimeoutException("request timed out")));
    assertFailure(
        "cannot reach https://10.0.0.1:7373: unknown host" + hint,
        transport(new ConnectException().initCause(new UnresolvedAddressException())));
    assertFailure(
        "cannot reach https://10.0.0.1:7373: no route to host" + hint,
        transport(wrapped(new NoRouteToHostException("No route to host"))));
    assertFailure(
        "cannot reach https://10.0.0.1:7373: stream reset" + hint,
        transport(new IOException("stream reset")));
    assertFailure(
        "cannot reach https://10.0.0.1:7373: interrupted" + hint,
        new KmsTransportException(HOST, "interrupted", null, false));
  }

  @Test
  void everyHostTriedIsNamed() {
    KmsTransportException first =
        new KmsTransportException("a:7373", "connection failed", new ConnectException(), true);
    KmsTransportException last =
        new KmsTransportException("b:7373", "connection failed", new ConnectException(), true);
    last.addSuppressed(first);
    assertFailure(
        "cannot reach https://a:7373, https://b:7373: connection refused — is the server running?"
            + " check MINIO_KMS_SERVER",
        last);
  }

  @Test
  void tlsErrorsSayHowToTrustTheServer() {
    assertFailure(
        "https://10.0.0.1:7373: certificate signed by unknown authority: use -k/--insecure for self-signed"
            + " certificates or add the CA to ~/.minkms/certs/CAs",
        transport(
            new SSLHandshakeException(
                "PKIX path building failed: unable to find valid certification path")));
    assertFailure(
        "https://10.0.0.1:7373: certificate signed by unknown authority: use -k/--insecure for self-signed"
            + " certificates or add the CA to ~/.minkms/certs/CAs",
        transport(
            new SSLHandshakeException("x").initCause(new CertPathValidatorException("expired"))));
    assertFailure(
        "https://10.0.0.1:7373: certificate is not valid for this host name: check MINIO_KMS_SERVER, or use"
            + " -k/--insecure",
        transport(
            new SSLHandshakeException(
                "No subject alternative names matching IP address 10.0.0.1 found")));
    assertFailure(
        "https://10.0.0.1:7373: TLS handshake failed: Received fatal alert: handshake_failure",
        transport(new SSLHandshakeException("Received fatal alert: handshake_failure")));
  }
}
