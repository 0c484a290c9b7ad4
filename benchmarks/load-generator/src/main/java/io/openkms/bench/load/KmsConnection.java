package io.openkms.bench.load;

import io.openkms.http.client.Answers;
import io.openkms.http.client.Endpoints;
import io.openkms.http.client.KmsClient;
import io.openkms.http.client.KmsClientException;
import io.openkms.http.client.KmsProtocolException;
import io.openkms.http.client.KmsTransportException;
import io.openkms.http.wire.Frame;
import io.openkms.http.wire.Frames;
import java.io.BufferedInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import javax.net.ssl.SNIHostName;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLSocket;

/**
 * One blocking HTTP/1.1 keep-alive connection over TLS to one node, for one thread at a time: the
 * cheapest way for a load generator to send {@code /v1/kms} commands (no HTTP/2 framing or HPACK,
 * no selector thread, no hand-off between threads: about 45 µs of CPU per GenerateKey request on
 * the benchmark machine, against several hundred for the JDK {@code HttpClient}, see
 * docs/PERFORMANCE.md). {@code minkms bench} gives each worker its own. Not for general use: no
 * load balancing, no retry on another node (§7), no redirects; {@link KmsClient} is the client.
 *
 * <p>The connection opens on the first {@link #send} and again after any failure: a request that
 * fails on I/O closes it, and the next one reconnects. Answers must carry {@code Content-Length} or
 * be chunked (Pekko HTTP sends {@code Content-Length} for every KMS answer); 204 and 304 have no
 * body.
 */
public final class KmsConnection implements AutoCloseable {

  /** Longest status or header line accepted in an answer: 8 KiB. */
  static final int MAX_LINE_BYTES = 8 * 1024;

  private final SSLContext context;
  private final boolean verifyHostName;
  private final String host;
  private final String hostName;
  private final int port;
  private final int timeoutMillis;
  private SSLSocket socket;
  private InputStream in;
  private OutputStream out;

  /**
   * @param context the client's TLS context (its key manager presents the API key's certificate),
   *     e.g. from {@link io.openkms.http.tls.ClientTls#sslContext}
   * @param verifyHostName check the server certificate's names against {@code host} (off with
   *     {@code --insecure}, whose trust manager accepts any certificate)
   * @param host {@code host:port} as {@link Endpoints#normalize} gives it
   * @param timeout connect and read timeout
   */
  public KmsConnection(SSLContext context, boolean verifyHostName, String host, Duration timeout) {
    this.context = context;
    this.verifyHostName = verifyHostName;
    this.host = host;
    int colon = host.lastIndexOf(':');
    String name = host.substring(0, colon);
    this.hostName = name.startsWith("[") ? name.substring(1, name.length() - 1) : name;
    this.port = Integer.parseInt(host.substring(colon + 1));
    this.timeoutMillis = (int) Math.min(Integer.MAX_VALUE, timeout.toMillis());
  }

  /** The {@code host:port} this connection talks to. */
  public String host() {
    return host;
  }

  /**
   * Sends one frame per payload, all with {@code commandId}, to {@code POST /v1/kms[/enclave]} and
   * waits for the answer, as {@link KmsClient#send} does.
   *
   * @return the response payloads, one per request payload; empty for an empty 200 body
   * @throws KmsClientException for an answer other than 200 (message per §6.1)
   * @throws KmsTransportException when the connection or the exchange failed (the connection is
   *     closed; the next call reconnects)
   * @throws KmsProtocolException when the answer is not valid HTTP/1.1 or its frames do not match
   */
  public List<byte[]> send(String enclave, int commandId, List<byte[]> payloads) {
    List<Frame> frames = new ArrayList<>(payloads.size());
    for (byte[] p : payloads) {
      frames.add(new Frame(commandId, p));
    }
    byte[] body = Frames.encode(frames);
    byte[] head =
        ("POST "
                + Endpoints.kmsPath(enclave)
                + " HTTP/1.1\r\nHost: "
                + host
                + "\r\nContent-Type: application/octet-stream\r\nAccept: application/octet-stream"
                + "\r\nContent-Length: "
                + body.length
                + "\r\n\r\n")
            .getBytes(StandardCharsets.US_ASCII);
    Answer answer;
    try {
      connect();
      byte[] request = new byte[head.length + body.length]; // one write: one TLS record
      System.arraycopy(head, 0, request, 0, head.length);
      System.arraycopy(body, 0, request, head.length, body.length);
      out.write(request);
      out.flush();
      answer = readAnswer();
    } catch (IOException e) {
      close();
      throw new KmsTransportException(
          host, Answers.describe(e), e, !(e instanceof SocketTimeoutException));
    } catch (KmsProtocolException e) {
      close();
      throw e;
    }
    if (answer.close()) {
      close();
    }
    if (answer.status() != 200) {
      throw Answers.error(answer.status(), answer.contentType(), answer.body(), host);
    }
    if (answer.body().length == 0) {
      return List.of();
    }
    return Answers.payloads(host, commandId, answer.body(), payloads.size());
  }

  private void connect() throws IOException {
    if (socket != null) {
      return;
    }
    SSLSocket s = (SSLSocket) context.getSocketFactory().createSocket();
    try {
      SSLParameters parameters = io.openkms.http.tls.ClientTls.sslParameters(context);
      if (verifyHostName) {
        parameters.setEndpointIdentificationAlgorithm("HTTPS");
      }
      if (!Character.isDigit(hostName.charAt(0)) && !hostName.contains(":")) {
        parameters.setServerNames(List.of(new SNIHostName(hostName)));
      }
      parameters.setApplicationProtocols(new String[] {"http/1.1"});
      s.setSSLParameters(parameters);
      s.setTcpNoDelay(true);
      s.connect(new InetSocketAddress(hostName, port), timeoutMillis);
      s.setSoTimeout(timeoutMillis);
      s.startHandshake();
      in = new BufferedInputStream(s.getInputStream(), 16 * 1024);
      out = s.getOutputStream();
      socket = s;
    } catch (IOException | RuntimeException e) {
      s.close();
      throw e;
    }
  }

  /** An HTTP/1.1 answer. */
  private record Answer(int status, String contentType, byte[] body, boolean close) {}

  private Answer readAnswer() throws IOException {
    String statusLine = line();
    // "HTTP/1.1 200 OK"
    if (!statusLine.startsWith("HTTP/1.")
        || statusLine.length() < 12
        || statusLine.charAt(8) != ' ') {
      throw new KmsProtocolException("malformed HTTP status line: " + statusLine, host);
    }
    int status;
    try {
      status = Integer.parseInt(statusLine.substring(9, 12));
    } catch (NumberFormatException e) {
      throw new KmsProtocolException("malformed HTTP status line: " + statusLine, host);
    }
    long length = -1;
    boolean chunked = false;
    boolean close = statusLine.startsWith("HTTP/1.0");
    String contentType = null;
    for (String header = line(); !header.isEmpty(); header = line()) {
      int colon = header.indexOf(':');
      if (colon <= 0) {
        throw new KmsProtocolException("malformed HTTP header: " + header, host);
      }
      String name = header.substring(0, colon).trim().toLowerCase(Locale.ROOT);
      String value = header.substring(colon + 1).trim();
      switch (name) {
        case "content-length" -> {
          try {
            length = Long.parseLong(value);
          } catch (NumberFormatException e) {
            throw new KmsProtocolException("malformed Content-Length: " + value, host);
          }
        }
        case "transfer-encoding" -> chunked = value.toLowerCase(Locale.ROOT).contains("chunked");
        case "connection" -> close = value.equalsIgnoreCase("close");
        case "content-type" -> contentType = value;
        default -> {}
      }
    }
    byte[] body;
    if (status == 204 || status == 304) {
      body = new byte[0];
    } else if (chunked) {
      body = chunkedBody();
    } else if (length >= 0) {
      if (length > Answers.MAX_RESPONSE_BYTES) {
        throw new KmsProtocolException(
            "response body too large: more than " + Answers.MAX_RESPONSE_BYTES + " bytes", host);
      }
      body = in.readNBytes((int) length);
      if (body.length < length) {
        throw new java.io.EOFException("connection closed in the response body");
      }
    } else {
      throw new KmsProtocolException("response without Content-Length", host);
    }
    return new Answer(status, contentType, body, close);
  }

  private byte[] chunkedBody() throws IOException {
    ByteArrayOutputStream body = new ByteArrayOutputStream();
    while (true) {
      String sizeLine = line();
      int semicolon = sizeLine.indexOf(';');
      int size;
      try {
        size =
            Integer.parseInt(
                (semicolon < 0 ? sizeLine : sizeLine.substring(0, semicolon)).trim(), 16);
      } catch (NumberFormatException e) {
        throw new KmsProtocolException("malformed chunk size: " + sizeLine, host);
      }
      if (size < 0 || body.size() + (long) size > Answers.MAX_RESPONSE_BYTES) {
        throw new KmsProtocolException(
            "response body too large: more than " + Answers.MAX_RESPONSE_BYTES + " bytes", host);
      }
      if (size == 0) {
        for (String trailer = line(); !trailer.isEmpty(); trailer = line()) {
          // trailers are ignored
        }
        return body.toByteArray();
      }
      byte[] chunk = in.readNBytes(size);
      if (chunk.length < size) {
        throw new java.io.EOFException("connection closed in a chunk");
      }
      body.write(chunk);
      if (!line().isEmpty()) {
        throw new KmsProtocolException("malformed chunk: no CRLF after its data", host);
      }
    }
  }

  /** One CRLF- (or LF-) terminated ASCII line without its terminator. */
  private String line() throws IOException {
    StringBuilder line = new StringBuilder(64);
    while (true) {
      int b = in.read();
      if (b < 0) {
        throw new java.io.EOFException("connection closed by the server");
      }
      if (b == '\n') {
        int end = line.length();
        if (end > 0 && line.charAt(end - 1) == '\r') {
          line.setLength(end - 1);
        }
        return line.toString();
      }
      if (line.length() >= MAX_LINE_BYTES) {
        throw new KmsProtocolException("HTTP line longer than " + MAX_LINE_BYTES + " bytes", host);
      }
      line.append((char) b);
    }
  }

  /** Closes the connection; the next {@link #send} opens a new one. */
  @Override
  public void close() {
    SSLSocket s = socket;
    socket = null;
    in = null;
    out = null;
    if (s != null) {
      try {
        s.close();
      } catch (IOException e) {
        // closing anyway
      }
    }
  }
}
