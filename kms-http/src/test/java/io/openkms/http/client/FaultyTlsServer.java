package io.openkms.http.client;

import io.openkms.http.tls.CertifiedKey;
import io.openkms.http.tls.ServerTls;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLServerSocket;

/**
 * An HTTPS/1.1 server for client fault tests, on a plain {@link SSLServerSocket}: it completes the
 * TLS handshake, reads each request in full (headers and Content-Length body), and then does what
 * its {@link Script} says for that request: answer, or close the connection without answering (a
 * node killed after it received a write). Requests are numbered by a counter that several servers
 * may share, so "the first request to any of them" can be scripted whatever host a client starts
 * at. One connection per request ({@code Connection: close}).
 */
public final class FaultyTlsServer implements AutoCloseable {

  /** What to do with the request numbered {@code index} (0 = the first one of the counter). */
  public interface Script {
    /** The answer, or null to close the connection without one. */
    TestHttpsServer.Answer answer(int index);
  }

  private final SSLServerSocket socket;
  private final AtomicInteger counter;
  private final Script script;
  private final List<String> requestLines = new CopyOnWriteArrayList<>();
  private final Thread thread;

  /**
   * Starts on an ephemeral loopback port with {@code key} as its certificate, numbering requests
   * with {@code counter}.
   */
  public FaultyTlsServer(CertifiedKey key, AtomicInteger counter, Script script)
      throws IOException {
    SSLContext context = ServerTls.sslContext(key);
    socket =
        (SSLServerSocket)
            context
                .getServerSocketFactory()
                .createServerSocket(0, 50, InetAddress.getLoopbackAddress());
    socket.setSSLParameters(ServerTls.sslParameters(context));
    this.counter = counter;
    this.script = script;
    thread = new Thread(this::serve, "faulty-tls-server");
    thread.setDaemon(true);
    thread.start();
  }

  private void serve() {
    while (!socket.isClosed()) {
      try (Socket s = socket.accept()) {
        InputStream in = s.getInputStream();
        String head = readHead(in);
        if (head == null) {
          continue;
        }
        in.readNBytes(contentLength(head));
        requestLines.add(head.substring(0, head.indexOf("\r\n")));
        TestHttpsServer.Answer answer = script.answer(counter.getAndIncrement());
        if (answer == null) {
          continue; // closes the connection: the request arrived, no answer leaves
        }
        byte[] body = answer.body() == null ? new byte[0] : answer.body();
        StringBuilder response =
            new StringBuilder("HTTP/1.1 ").append(answer.status()).append(" X\r\n");
        if (answer.contentType() != null) {
          response.append("Content-Type: ").append(answer.contentType()).append("\r\n");
        }
        response.append("Content-Length: ").append(body.length).append("\r\n");
        response.append("Connection: close\r\n\r\n");
        OutputStream out = s.getOutputStream();
        out.write(response.toString().getBytes(StandardCharsets.US_ASCII));
        out.write(body);
        out.flush();
      } catch (IOException e) {
        // a client that went away, or the socket closed: next connection
      }
    }
  }

  private static String readHead(InputStream in) throws IOException {
    ByteArrayOutputStream head = new ByteArrayOutputStream();
    int b;
    while ((b = in.read()) >= 0) {
      head.write(b);
      byte[] h = head.toByteArray();
      int n = h.length;
      if (n >= 4 && h[n - 4] == '\r' && h[n - 3] == '\n' && h[n - 2] == '\r' && h[n - 1] == '\n') {
        return head.toString(StandardCharsets.US_ASCII);
      }
    }
    return null;
  }

  private static int contentLength(String head) {
    for (String line : head.split("\r\n")) {
      if (line.toLowerCase(Locale.ROOT).startsWith("content-length:")) {
        return Integer.parseInt(line.substring("content-length:".length()).strip());
      }
    }
    return 0;
  }

  /** {@code 127.0.0.1:<port>}. */
  public String host() {
    return "127.0.0.1:" + socket.getLocalPort();
  }

  /** The request lines received, e.g. {@code POST /v1/kms/e HTTP/1.1}, in order. */
  public List<String> requestLines() {
    return List.copyOf(requestLines);
  }

  @Override
  public void close() throws IOException {
    socket.close();
  }
}
